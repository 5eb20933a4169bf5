// The simulated people and the shared pacer: following it, ignoring it,
// being retuned, and staying deterministic.
#include <catch2/catch.hpp>

#include <cmath>
#include <complex>

#include "signal_helpers.hpp"
#include "sim/pacer_schedule.hpp"
#include "sim/physiology_model.hpp"

using namespace attune::sim;
using namespace attune::sim::test;

namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;
constexpr double kTwoPi = 6.283185307179586;

ModelParams clean(std::uint64_t seed) {
  ModelParams p;
  p.seed = seed;
  p.start_ms = kStart;
  p.ectopic_per_beat = 0.0;
  p.dropouts_per_min = 0.0;
  return p;
}

PacerSchedule pacer(double inhale, double exhale, std::int64_t epoch_ms, double hold_in = 0.0, double hold_out = 0.0) {
  PacerSchedule s;
  s.running = true;
  s.epoch_us = epoch_ms * 1000;
  s.pattern = {inhale, hold_in, exhale, hold_out};
  return s;
}

// The breathing phase (cycles) read off the waveform alone: the baseline
// wander removed, then 0 at each upward zero crossing and linear in time
// between crossings (NaN before the first and after the last), on the 4 Hz
// grid from t0 (seconds from the start).
struct WavePhase {
  std::vector<double> t_s;    // grid times
  std::vector<double> phase;  // cycles, NaN where unknown
  int breaths = 0;            // upward crossings
};

WavePhase wave_phase(const Recorder& r, int seat, double t0, double t1) {
  std::vector<double> rt, rv;
  for (std::size_t i = 0; i < r.resp_t[seat].size(); ++i) {
    rt.push_back((r.resp_t[seat][i] - kStart) / 1000.0);
    rv.push_back(r.resp[seat][i]);
  }
  const auto x = high_pass(resample_4hz(rt, rv, t0, t1), 24);
  std::vector<double> crossings;  // times
  for (std::size_t i = 1; i < x.size(); ++i)
    if (x[i - 1] < 0.0 && x[i] >= 0.0) {
      const double frac = -x[i - 1] / (x[i] - x[i - 1]);
      crossings.push_back(t0 + (static_cast<double>(i) - 1.0 + frac) * 0.25);
    }
  WavePhase out;
  out.breaths = static_cast<int>(crossings.size());
  std::size_t k = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double t = t0 + static_cast<double>(i) * 0.25;
    out.t_s.push_back(t);
    while (k + 1 < crossings.size() && crossings[k + 1] <= t) ++k;
    if (crossings.size() < 2 || t < crossings.front() || t >= crossings.back()) {
      out.phase.push_back(std::nan(""));
      continue;
    }
    out.phase.push_back((t - crossings[k]) / (crossings[k + 1] - crossings[k]));
  }
  return out;
}

// Phase locking value of the waveform's phase with the pacer's, over [t0, t1).
double plv_with_pacer(const Recorder& r, int seat, const PacerSchedule& s, double t0, double t1) {
  const WavePhase w = wave_phase(r, seat, t0, t1);
  std::complex<double> sum = 0.0;
  int n = 0;
  for (std::size_t i = 0; i < w.t_s.size(); ++i) {
    if (std::isnan(w.phase[i])) continue;
    const auto t_ms = kStart + static_cast<std::int64_t>(std::llround(w.t_s[i] * 1000.0));
    sum += std::polar(1.0, kTwoPi * (w.phase[i] - s.phase_at_ms(t_ms)));
    ++n;
  }
  return n > 0 ? std::abs(sum) / n : 0.0;
}

double breaths_per_min(const Recorder& r, int seat, double t0, double t1) {
  return wave_phase(r, seat, t0, t1).breaths * 60.0 / (t1 - t0);
}

}  // namespace

TEST_CASE("pacer phase: linear from the epoch and wrapped", "[sim][pacer]") {
  const PacerSchedule s = pacer(4.0, 6.0, kStart);
  CHECK(s.rate_bpm() == Approx(6.0));
  CHECK(s.phase_at_ms(kStart) == 0.0);
  CHECK(s.phase_at_ms(kStart + 2'500) == Approx(0.25));
  CHECK(s.phase_at_ms(kStart + 12'500) == Approx(0.25));
  CHECK(s.phase_at_ms(kStart - 2'500) == Approx(0.75));  // before the epoch
  CHECK(s.phase_at_us(kStart * 1000 + 9'999'999) == Approx(1.0).margin(1e-6));
  CHECK(s.part_at(0.2) == PacerPart::Inhale);
  CHECK(s.part_at(0.5) == PacerPart::Exhale);
  CHECK(s.fill_at(0.2) == Approx(0.5));
  CHECK(s.fill_at(0.7) == Approx(0.5));
  // Inhale start is the bottom of the waveform, inhale end its top.
  CHECK(std::sin(kTwoPi * s.breath_phase_at(0.0)) == Approx(-1.0));
  CHECK(std::sin(kTwoPi * s.breath_phase_at(0.4)) == Approx(1.0));
  const PacerSchedule held = pacer(4.0, 4.0, kStart, 2.0, 2.0);
  CHECK(held.part_at(0.4) == PacerPart::HoldIn);
  CHECK(held.part_at(0.9) == PacerPart::HoldOut);
  CHECK(std::sin(kTwoPi * held.breath_phase_at(0.4)) == Approx(1.0));
  CHECK(std::sin(kTwoPi * held.breath_phase_at(0.9)) == Approx(-1.0));
  PacerSchedule stopped = s;
  stopped.running = false;
  CHECK_FALSE(stopped.valid());
  CHECK(PacerSchedule::pattern_for_rate(6.0).period_s() == Approx(10.0));
}

TEST_CASE("a person following the pacer breathes at its rate and in phase", "[sim][pacer]") {
  const std::uint64_t seed = GENERATE(3, 4, 5);
  ModelParams p = clean(seed);
  const PacerSchedule s = pacer(4.0, 6.0, kStart + 7'300);  // 6/min
  p.breathing[0] = {1.0, s};  // A follows
  p.breathing[1] = {0.0, s};  // B ignores it
  const Recorder r = run(p, 420);
  const double plv_a = plv_with_pacer(r, 0, s, 60, 420);
  const double plv_b = plv_with_pacer(r, 1, s, 60, 420);
  const double rate_a = breaths_per_min(r, 0, 60, 420);
  const double rate_b = breaths_per_min(r, 1, 60, 420);
  INFO("seed " << seed << ": A plv " << plv_a << " at " << rate_a << "/min, B plv " << plv_b << " at " << rate_b
               << "/min");
  CHECK(plv_a > 0.8);
  CHECK(rate_a == Approx(6.0).margin(0.4));
  CHECK((plv_b < 0.4 || std::abs(rate_b - 6.0) > 3.0));
  CHECK(plv_b < 0.4);
  CHECK(rate_b == Approx(15.0).margin(3.0));
}

TEST_CASE("partial entrainment locks less than full", "[sim][pacer]") {
  ModelParams p = clean(8);
  const PacerSchedule s = pacer(4.0, 6.0, kStart);
  p.breathing[0] = {1.0, s};
  p.breathing[1] = {0.3, s};
  const Recorder r = run(p, 360);
  const double full = plv_with_pacer(r, 0, s, 60, 360);
  const double partial = plv_with_pacer(r, 1, s, 60, 360);
  INFO("plv full " << full << ", 0.3 " << partial);
  CHECK(partial < full);
  CHECK(breaths_per_min(r, 1, 60, 360) > breaths_per_min(r, 0, 60, 360) + 2.0);
}

TEST_CASE("a retuned pacer is followed within a few breaths", "[sim][pacer]") {
  ModelParams p = clean(9);
  const PacerSchedule fast = pacer(2.4, 3.6, kStart + 1'000);  // 10/min
  p.breathing[0] = {1.0, fast};
  p.breathing[1] = {1.0, fast};
  CoupleModel m(p);
  Recorder r;
  const std::int64_t t_retune = kStart + 180'000;
  m.generate_until(t_retune, r);
  // The server moves the epoch so that the phase is continuous at the retune.
  PacerSchedule slow = pacer(4.0, 6.0, 0);
  const double ph = fast.phase_at_ms(t_retune);
  slow.epoch_us = t_retune * 1000 - static_cast<std::int64_t>(std::llround(ph * slow.pattern.period_s() * 1e6));
  REQUIRE(slow.phase_at_ms(t_retune) == Approx(ph).margin(1e-6));
  m.set_pacer(Seat::A, slow);
  m.set_pacer(Seat::B, slow);
  m.generate_until(kStart + 420'000, r);
  for (int seat = 0; seat < 2; ++seat) {
    const double before = breaths_per_min(r, seat, 40, 180);
    const double after = breaths_per_min(r, seat, 210, 420);
    const double plv_before = plv_with_pacer(r, seat, fast, 40, 180);
    const double plv_after = plv_with_pacer(r, seat, slow, 210, 420);  // 3 breaths after the retune on
    INFO("seat " << seat << ": " << before << "/min plv " << plv_before << " -> " << after << "/min plv "
                 << plv_after);
    CHECK(before == Approx(10.0).margin(0.5));
    CHECK(after == Approx(6.0).margin(0.4));
    CHECK(plv_before > 0.8);
    CHECK(plv_after > 0.8);
  }
  CHECK(m.breath_rate_bpm(Seat::A) == Approx(6.0));
}

TEST_CASE("stopping the pacer frees the breath again", "[sim][pacer]") {
  ModelParams p = clean(10);
  const PacerSchedule s = pacer(4.0, 6.0, kStart);
  p.breathing[0] = {1.0, s};
  CoupleModel m(p);
  Recorder r;
  m.generate_until(kStart + 180'000, r);
  PacerSchedule stopped = s;
  stopped.running = false;
  m.set_pacer(Seat::A, stopped);
  m.generate_until(kStart + 400'000, r);
  const double paced = breaths_per_min(r, 0, 40, 180);
  const double free = breaths_per_min(r, 0, 220, 400);
  INFO(paced << "/min paced, " << free << "/min free");
  CHECK(paced == Approx(6.0).margin(0.4));
  CHECK(free == Approx(13.0).margin(3.0));
}

TEST_CASE("slow paced breathing raises RSA and does not lower RMSSD", "[sim][pacer]") {
  auto rmssd = [](const std::vector<SimBeat>& b, double t0, double t1) {
    double sq = 0.0;
    int n = 0;
    for (std::size_t i = 1; i < b.size(); ++i) {
      const double t = (b[i].t_ms - kStart) / 1000.0;
      if (t < t0 || t >= t1) continue;
      const double d = b[i].rr_ms - b[i - 1].rr_ms;
      sq += d * d;
      ++n;
    }
    return std::sqrt(sq / n);
  };
  ModelParams p = clean(12);
  const Recorder free = run(p, 400);
  p.breathing[0] = {1.0, pacer(4.0, 6.0, kStart)};
  const Recorder paced = run(p, 400);
  const double r_free = rmssd(free.beats[0], 60, 400), r_paced = rmssd(paced.beats[0], 60, 400);
  auto rr_sd = [](const std::vector<SimBeat>& b) {
    double s = 0.0, ss = 0.0;
    int n = 0;
    for (const auto& x : b) {
      if (x.t_ms < kStart + 60'000) continue;
      s += x.rr_ms;
      ss += x.rr_ms * x.rr_ms;
      ++n;
    }
    return std::sqrt(ss / n - (s / n) * (s / n));
  };
  INFO("rmssd free " << r_free << ", paced at 6/min " << r_paced << "; RR SD free " << rr_sd(free.beats[0])
                     << ", paced " << rr_sd(paced.beats[0]));
  // RMSSD is dominated by the beat-to-beat part, which slow breathing does
  // not change; what matters is that it does not fall (that would read as
  // arousal). The slow RR swing grows a lot.
  CHECK(r_paced > r_free);
  CHECK(rr_sd(paced.beats[0]) > 1.5 * rr_sd(free.beats[0]));
  // The heart follows the paced breath: the RR series peaks at 0.1 Hz.
  std::vector<double> bt, rr;
  for (const auto& b : paced.beats[0]) {
    bt.push_back((b.t_ms - kStart) / 1000.0);
    rr.push_back(b.rr_ms);
  }
  CHECK(peak_frequency(resample_4hz(bt, rr, 60, 400), 4.0, 0.05, 0.4) == Approx(0.1).margin(0.01));
}

TEST_CASE("the pacer keeps the model deterministic and touches only the breath", "[sim][pacer]") {
  ModelParams p = clean(13);
  p.ectopic_per_beat = 0.01;
  p.dropouts_per_min = 1.0;
  p.episodes = default_scenario(300);
  p.breathing[0] = {1.0, pacer(4.0, 6.0, kStart + 500)};
  p.breathing[1] = {0.6, pacer(4.0, 6.0, kStart + 500)};
  auto go = [&] {
    CoupleModel m(p);
    Recorder r;
    m.generate_until(kStart + 100'000, r);
    m.set_pacer(Seat::A, pacer(3.0, 5.0, kStart + 90'000));
    m.set_entrainment(Seat::B, 0.2);
    m.generate_until(kStart + 300'000, r);
    return r;
  };
  const Recorder a = go(), b = go();
  for (int s = 0; s < 2; ++s) {
    REQUIRE(a.beats[s].size() == b.beats[s].size());
    for (std::size_t i = 0; i < a.beats[s].size(); ++i) {
      REQUIRE(a.beats[s][i].t_ms == b.beats[s][i].t_ms);
      REQUIRE(a.beats[s][i].rr_ms == b.beats[s][i].rr_ms);
    }
    REQUIRE(a.resp[s] == b.resp[s]);
  }
  // With the pacer stopped, entrainment changes nothing at all.
  ModelParams q = clean(14);
  q.breathing[0].entrainment = 0.0;
  const Recorder free0 = run(q, 120);
  q.breathing[0].entrainment = 1.0;
  const Recorder free1 = run(q, 120);
  REQUIRE(free0.resp[0] == free1.resp[0]);
  REQUIRE(free0.beats[0].size() == free1.beats[0].size());
}
