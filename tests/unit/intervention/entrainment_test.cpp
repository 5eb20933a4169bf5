// Entrainment: each person's phase locking to the pacer
// (server/core/pacer_entrainment.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "core/adaptive_pacing.hpp"
#include "core/pacer_entrainment.hpp"

using namespace attune::core;

namespace {
constexpr double kTwoPi = 6.283185307179586;
constexpr std::int64_t kT0Ms = 1'700'000'000'000;  // server clock, ms
constexpr std::int64_t us(std::int64_t ms) { return ms * 1000; }

// Feeds `seconds` of a 25 Hz waveform value(t_ms) in one-second chunks,
// starting at from_ms; calls each_second(t_end_ms) after each chunk.
void feed(RespirationBuffer& buf, std::int64_t from_ms, int seconds,
          const std::function<double(double)>& value,
          const std::function<void(std::int64_t)>& each_second = {}) {
  for (int s = 0; s < seconds; ++s) {
    const std::int64_t t0 = from_ms + s * 1000;
    std::vector<double> v(25);
    for (int i = 0; i < 25; ++i) v[static_cast<std::size_t>(i)] = value(static_cast<double>(t0 + i * 40));
    buf.add(t0, 25.0, v.data(), v.size());
    if (each_second) each_second(t0 + 1000);
  }
}
}  // namespace

TEST_CASE("breathing that follows the pacer locks near 1", "[entrainment]") {
  PacerSchedule pacer;
  REQUIRE_FALSE(pacer.start(PacerPattern{}, us(kT0Ms)));
  RespirationBuffer buf;
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 0.3);
  // Chest expansion: lowest at the start of the inhale, highest at its end.
  feed(buf, kT0Ms, 60, [&](double t) {
    return 2.0 - std::cos(kTwoPi * pacer.phase_at_ms(t)) + noise(rng);
  });
  const auto e = pacer_entrainment(buf, pacer, kT0Ms + 60'000);
  REQUIRE(e);
  CHECK(e->plv > 0.9);
  CHECK(e->window_end_ms <= kT0Ms + 60'000 - 5000);
}

TEST_CASE("breathing at an unrelated rate does not lock", "[entrainment]") {
  PacerSchedule pacer;
  REQUIRE_FALSE(pacer.start(PacerPattern{}, us(kT0Ms)));  // 6 breaths/min
  RespirationBuffer buf;
  std::mt19937 rng(11);
  std::normal_distribution<double> noise(0.0, 0.3);
  feed(buf, kT0Ms, 60, [&](double t) {  // 15 breaths/min
    return std::sin(kTwoPi * 0.25 * (t - kT0Ms) / 1000.0 + 0.4) + noise(rng);
  });
  const auto e = pacer_entrainment(buf, pacer, kT0Ms + 60'000);
  REQUIRE(e);
  CHECK(e->plv < 0.3);
}

TEST_CASE("following survives retunes and adaptive steps", "[entrainment]") {
  // The person breathes with whatever the pacer shows at the moment; the
  // pacer steps down every second (both following) and is retuned once.
  PacerSchedule pacer;
  REQUIRE_FALSE(pacer.start(scale_to_rate(PacerPattern{}, 12.0), us(kT0Ms)));
  RespirationBuffer buf;
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0.0, 0.2);
  std::optional<PacerEntrainment> last;
  AdaptivePacingConfig fast;
  fast.max_step_bpm_per_min = 6.0;  // a fast pacer makes the test harder
  feed(
      buf, kT0Ms, 90,
      [&](double t) { return -std::cos(kTwoPi * pacer.phase_at_ms(t)) + noise(rng); },
      [&](std::int64_t t_end) {
        step(pacer, us(t_end), true, 1.0, fast);
        if (t_end == kT0Ms + 45'000) REQUIRE_FALSE(pacer.retune({3, 1, 5, 1}, us(t_end)));
        last = pacer_entrainment(buf, pacer, t_end);
      });
  REQUIRE(last);
  CHECK(last->plv > 0.9);
}

TEST_CASE("no entrainment without enough data or without the pacer", "[entrainment]") {
  PacerSchedule pacer;
  RespirationBuffer buf;
  auto wave = [&](double t) { return std::cos(kTwoPi * 0.1 * (t - kT0Ms) / 1000.0); };
  feed(buf, kT0Ms, 60, wave);
  // Pacer never ran.
  CHECK_FALSE(pacer_entrainment(buf, pacer, kT0Ms + 60'000));
  // Pacer started 20 s ago: it did not run over the whole window.
  REQUIRE_FALSE(pacer.start(PacerPattern{}, us(kT0Ms + 40'000)));
  CHECK_FALSE(pacer_entrainment(buf, pacer, kT0Ms + 60'000));
  // Too little data: 30 s of samples.
  PacerSchedule early;
  REQUIRE_FALSE(early.start(PacerPattern{}, us(kT0Ms - 100'000)));
  RespirationBuffer short_buf;
  feed(short_buf, kT0Ms, 30, wave);
  CHECK_FALSE(pacer_entrainment(short_buf, early, kT0Ms + 30'000));
  // Stale: the last sample is 10 s old.
  CHECK_FALSE(pacer_entrainment(buf, early, kT0Ms + 70'000));
  // A gap inside the buffer: only the run after it counts (20 s: too short).
  RespirationBuffer gappy;
  feed(gappy, kT0Ms, 38, wave);
  feed(gappy, kT0Ms + 40'000, 20, wave);
  CHECK_FALSE(pacer_entrainment(gappy, early, kT0Ms + 60'000));
  // With enough before T, it works.
  CHECK(pacer_entrainment(buf, early, kT0Ms + 60'000));
}

TEST_CASE("the respiration buffer is bounded", "[entrainment]") {
  RespirationBuffer buf(60000, 3000);
  std::vector<double> v(50, 1.0);
  for (int s = 0; s < 200; ++s) buf.add(kT0Ms + s * 1000, 50.0, v.data(), v.size());
  CHECK(buf.size() <= 3000);
  CHECK(buf.samples().back().t_ms - buf.samples().front().t_ms <= 60000.0);
  // Bad chunks and values are skipped.
  CHECK(buf.add(kT0Ms, 25.0, v.data(), v.size()) == 0);            // not later
  CHECK(buf.add(kT0Ms + 300'000, 0.0, v.data(), v.size()) == 0);   // bad rate
  CHECK(buf.add(kT0Ms + 300'000, 2000.0, v.data(), v.size()) == 0);
  double bad[3] = {NAN, 1.0, INFINITY};
  CHECK(buf.add(kT0Ms + 300'000, 25.0, bad, 3) == 1);
  buf.clear();
  CHECK(buf.empty());
}
