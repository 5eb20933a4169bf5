#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

#include "signal_helpers.hpp"
#include "sim/physiology_model.hpp"

using namespace attune::sim;
using namespace attune::sim::test;

namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;

// A calm couple with no artefacts: the cleanest view of one mechanism.
ModelParams clean(std::uint64_t seed) {
  ModelParams p;
  p.seed = seed;
  p.start_ms = kStart;
  p.ectopic_per_beat = 0.0;
  p.dropouts_per_min = 0.0;
  return p;
}

struct Window { double hr = 0.0; double rmssd = 0.0; };

// Mean HR and RMSSD over beats ending in [t0, t1) s, using only normal beats
// that directly follow another reported normal beat.
Window window_stats(const std::vector<SimBeat>& beats, double t0, double t1) {
  double hr = 0.0, sq = 0.0;
  int n = 0, nd = 0;
  for (std::size_t i = 1; i < beats.size(); ++i) {
    const double t = (beats[i].t_ms - kStart) / 1000.0;
    if (t < t0 || t >= t1 || beats[i].truth != BeatTruth::Normal) continue;
    hr += 60000.0 / beats[i].rr_ms;
    ++n;
    const bool adjacent = beats[i].t_ms - beats[i - 1].t_ms == static_cast<std::int64_t>(beats[i].rr_ms);
    if (adjacent && beats[i - 1].truth == BeatTruth::Normal) {
      const double d = beats[i].rr_ms - beats[i - 1].rr_ms;
      sq += d * d;
      ++nd;
    }
  }
  return {hr / n, std::sqrt(sq / nd)};
}

}  // namespace

TEST_CASE("the same seed gives the same couple, bit for bit", "[sim][model]") {
  ModelParams p;
  p.seed = 42;
  p.start_ms = kStart;
  p.clinician = true;
  p.episodes = default_scenario(300);
  const Recorder a = run(p, 300), b = run(p, 300);
  for (int s = 0; s < 3; ++s) {
    REQUIRE(a.beats[s].size() == b.beats[s].size());
    for (std::size_t i = 0; i < a.beats[s].size(); ++i) {
      REQUIRE(a.beats[s][i].t_ms == b.beats[s][i].t_ms);
      REQUIRE(a.beats[s][i].rr_ms == b.beats[s][i].rr_ms);
    }
    REQUIRE(a.resp[s] == b.resp[s]);
  }
  p.seed = 43;
  const Recorder c = run(p, 300);
  CHECK(c.beats[0].front().t_ms != a.beats[0].front().t_ms);
}

TEST_CASE("generating in small steps equals generating at once", "[sim][model]") {
  ModelParams p;
  p.seed = 7;
  p.start_ms = kStart;
  p.ectopic_per_beat = 0.01;
  p.dropouts_per_min = 1.0;
  const Recorder once = run(p, 120);
  CoupleModel m(p);
  Recorder steps;
  for (std::int64_t t = kStart + 500; t <= kStart + 120'000; t += 500) m.generate_until(t, steps);
  REQUIRE(steps.beats[0].size() == once.beats[0].size());
  REQUIRE(steps.resp[1] == once.resp[1]);
  for (std::size_t i = 0; i < once.beats[0].size(); ++i) REQUIRE(steps.beats[0][i].t_ms == once.beats[0][i].t_ms);
}

TEST_CASE("a clinician does not change the partners", "[sim][model]") {
  ModelParams p = clean(5);
  p.episodes = default_scenario(200);
  const Recorder without = run(p, 200);
  p.clinician = true;
  const Recorder with = run(p, 200);
  REQUIRE(with.beats[2].size() > 150);
  REQUIRE(without.beats[2].empty());
  REQUIRE(with.beats[1].size() == without.beats[1].size());
  for (std::size_t i = 0; i < with.beats[1].size(); ++i) REQUIRE(with.beats[1][i].rr_ms == without.beats[1][i].rr_ms);
}

TEST_CASE("beat times are strictly increasing and accumulate from RR", "[sim][model]") {
  ModelParams p;
  p.seed = 11;
  p.start_ms = kStart;
  p.clinician = true;
  p.episodes = default_scenario(600);
  p.ectopic_per_beat = 0.01;
  p.dropouts_per_min = 1.0;
  const Recorder r = run(p, 600);
  for (int s = 0; s < 3; ++s) {
    const auto& b = r.beats[s];
    REQUIRE(b.size() > 500);
    REQUIRE(b.front().t_ms > kStart);
    std::size_t exact = 0;
    for (std::size_t i = 1; i < b.size(); ++i) {
      REQUIRE(b[i].t_ms > b[i - 1].t_ms);
      const std::int64_t dt = b[i].t_ms - b[i - 1].t_ms;
      REQUIRE(b[i].rr_ms == std::round(b[i].rr_ms));
      // Either the previous beat was reported (dt == RR) or beats were hidden
      // by a dropout (dt longer than RR).
      REQUIRE(dt >= static_cast<std::int64_t>(b[i].rr_ms));
      if (dt == static_cast<std::int64_t>(b[i].rr_ms)) ++exact;
    }
    CHECK(exact > b.size() * 95 / 100);
  }
  // Respiration: 25 Hz, evenly spaced, one sample per 40 ms.
  REQUIRE(r.resp_t[0].size() == 600 * 25);
  for (std::size_t i = 1; i < r.resp_t[0].size(); ++i) REQUIRE(r.resp_t[0][i] - r.resp_t[0][i - 1] == 40);
}

TEST_CASE("RR stays within plausible bounds except injected ectopics", "[sim][model]") {
  ModelParams p;
  p.seed = 12;
  p.start_ms = kStart;
  p.episodes = {{seat_bit(Seat::A) | seat_bit(Seat::B), 100, 400, 1.0}};
  p.ectopic_per_beat = 0.01;
  const Recorder r = run(p, 600);
  int ectopic = 0;
  for (int s = 0; s < 2; ++s)
    for (const auto& b : r.beats[s]) {
      if (b.truth == BeatTruth::Normal) {
        INFO("RR " << b.rr_ms);
        REQUIRE(b.rr_ms >= 400.0);
        REQUIRE(b.rr_ms <= 1300.0);
      } else {
        ++ectopic;
        REQUIRE(b.rr_ms >= 250.0);
        REQUIRE(b.rr_ms <= 2000.0);
      }
    }
  CHECK(ectopic > 0);
}

TEST_CASE("RSA: the RR series oscillates at the breathing frequency", "[sim][model]") {
  ModelParams p = clean(21);
  p.people[0].breaths_per_min = 12.0;  // 0.2 Hz
  p.people[1].breaths_per_min = 18.0;  // 0.3 Hz
  const Recorder r = run(p, 300);
  for (int s = 0; s < 2; ++s) {
    std::vector<double> rt, rv;
    for (std::size_t i = 0; i < r.resp_t[s].size(); ++i) {
      rt.push_back((r.resp_t[s][i] - kStart) / 1000.0);
      rv.push_back(r.resp[s][i]);
    }
    const auto resp4 = resample_4hz(rt, rv, 10, 290);
    std::vector<double> bt, rr;
    for (const auto& b : r.beats[s]) {
      bt.push_back((b.t_ms - kStart) / 1000.0);
      rr.push_back(b.rr_ms);
    }
    const auto rr4 = resample_4hz(bt, rr, 10, 290);
    const double f_breath = peak_frequency(resp4, 4.0, 0.1, 0.5);
    const double f_rr = peak_frequency(rr4, 4.0, 0.1, 0.5);
    INFO("seat " << s << " breath " << f_breath << " Hz, RR " << f_rr << " Hz");
    CHECK(f_breath == Approx(s == 0 ? 0.2 : 0.3).margin(0.03));
    // The breathing rate wanders, so the RSA peak is a little spread: most
    // of the RR power above 0.1 Hz still lies within 0.04 Hz of the breath.
    double near = 0.0, total = 0.0;
    for (double f = 0.1; f <= 0.5; f += 0.0025) {  // above the slow fluctuations
      const double pw = power_at(rr4, 4.0, f);
      total += pw;
      if (std::abs(f - f_breath) <= 0.04) near += pw;
    }
    INFO("share of RR power near the breath " << near / total);
    CHECK(f_rr == Approx(f_breath).margin(0.04));
    CHECK(near / total > 0.5);
    // And in the time domain: RR shortens as the breath rises (inhalation).
    const Peak pk = xcorr_peak(high_pass(resp4, 40), high_pass(rr4, 40), 2.0);
    INFO("resp-RR peak r " << pk.r << " at " << pk.lag_s << " s");
    CHECK(pk.r < -0.5);
  }
}

TEST_CASE("coupling: B's heart rate follows A's with the configured lag", "[sim][model]") {
  const double lag = GENERATE(2.0, -3.0, 0.0);
  ModelParams p = clean(31);
  p.coupling = 0.9;
  p.lag_s = lag;
  const Recorder r = run(p, 1200);
  const auto a = high_pass(hr_4hz(r.beats[0], kStart, 10, 1190), 40);
  const auto b = high_pass(hr_4hz(r.beats[1], kStart, 10, 1190), 40);
  const Peak pk = xcorr_peak(a, b, 8.0);
  INFO("lag " << lag << ": peak r " << pk.r << " at " << pk.lag_s << " s");
  CHECK(pk.lag_s == Approx(lag).margin(0.5));
  CHECK(pk.r > 0.4);
}

TEST_CASE("coupling 0: the partners' heart rates are unrelated", "[sim][model]") {
  const std::uint64_t seed = GENERATE(31, 32, 33);
  ModelParams p = clean(seed);
  p.coupling = 0.0;
  p.lag_s = 2.0;
  const Recorder r = run(p, 1200);
  const auto a = high_pass(hr_4hz(r.beats[0], kStart, 10, 1190), 40);
  const auto b = high_pass(hr_4hz(r.beats[1], kStart, 10, 1190), 40);
  const Peak pk = xcorr_peak(a, b, 8.0);
  INFO("seed " << seed << ": peak r " << pk.r << " at " << pk.lag_s << " s");
  CHECK(std::abs(pk.r) < 0.15);
}

namespace {

// |mean exp(i 2 pi (phase_A - phase_B))| over the model's breathing phases,
// read once a second from `from_s` to `to_s` (the phase-locking value of
// the true phases, before any sensor or filter).
double true_breath_plv(const ModelParams& p, double from_s, double to_s) {
  CoupleModel m(p);
  Recorder sink;
  double re = 0.0, im = 0.0;
  int n = 0;
  for (double t = 1.0; t <= to_s; t += 1.0) {
    m.generate_until(p.start_ms + static_cast<std::int64_t>(t * 1000.0), sink);
    if (t < from_s) continue;
    const double d = 2.0 * M_PI * (m.breath_phase(Seat::A) - m.breath_phase(Seat::B));
    re += std::cos(d);
    im += std::sin(d);
    ++n;
  }
  return std::hypot(re, im) / n;
}

}  // namespace

TEST_CASE("breath coupling locks B's breathing to A's, and 0 leaves them independent", "[sim][model]") {
  // A breathes ~13/min, B ~15/min, each wandering: uncoupled, their phase
  // difference turns round every ~30 s.
  const std::uint64_t seed = GENERATE(51, 52, 53);
  ModelParams p = clean(seed);
  const double free_plv = true_breath_plv(p, 120, 600);
  p.breath_coupling = 0.10;
  const double locked_plv = true_breath_plv(p, 120, 600);
  INFO("seed " << seed << ": free " << free_plv << ", coupled " << locked_plv);
  CHECK(free_plv < 0.3);
  CHECK(locked_plv > 0.9);
}

TEST_CASE("breath coupling outside 0..0.5 cycles/s is refused", "[sim][model]") {
  ModelParams p = clean(1);
  p.breath_coupling = 0.6;
  CHECK_THROWS_AS(CoupleModel(p), std::invalid_argument);
  p.breath_coupling = -0.01;
  CHECK_THROWS_AS(CoupleModel(p), std::invalid_argument);
}

TEST_CASE("activation raises HR and lowers RMSSD, then recovers", "[sim][model]") {
  ModelParams p = clean(41);
  p.episodes = {{seat_bit(Seat::A), 300, 420, 1.0}};
  const Recorder r = run(p, 660);
  const Window calm = window_stats(r.beats[0], 60, 300);
  const Window active = window_stats(r.beats[0], 340, 420);
  const Window after = window_stats(r.beats[0], 560, 660);
  INFO("calm " << calm.hr << "/" << calm.rmssd << ", active " << active.hr << "/" << active.rmssd
               << ", after " << after.hr << "/" << after.rmssd);
  CHECK(active.hr > calm.hr + 12.0);
  CHECK(active.rmssd < 0.6 * calm.rmssd);
  CHECK(after.hr < calm.hr + 6.0);
  CHECK(after.rmssd > 0.75 * calm.rmssd);
  // B was not in the episode.
  const Window b_calm = window_stats(r.beats[1], 60, 300);
  const Window b_during = window_stats(r.beats[1], 340, 420);
  CHECK(std::abs(b_during.hr - b_calm.hr) < 6.0);
}

TEST_CASE("activation also speeds up breathing", "[sim][model]") {
  ModelParams p = clean(42);
  p.episodes = {{seat_bit(Seat::B), 200, 400, 1.0}};
  const Recorder r = run(p, 400);
  auto rate = [&](double t0, double t1) {
    int up = 0;  // upward zero crossings = breaths
    for (std::size_t i = 1; i < r.resp[1].size(); ++i) {
      const double t = (r.resp_t[1][i] - kStart) / 1000.0;
      if (t >= t0 && t < t1 && r.resp[1][i - 1] < 0.0 && r.resp[1][i] >= 0.0) ++up;
    }
    return up * 60.0 / (t1 - t0);
  };
  const double calm = rate(20, 200), active = rate(260, 400);
  INFO("breaths/min calm " << calm << ", activated " << active);
  CHECK(calm == Approx(15.0).margin(3.0));
  CHECK(active > calm + 4.0);
}

TEST_CASE("ectopic beats come at the configured rate, each with a compensatory pause", "[sim][model]") {
  ModelParams p = clean(51);
  p.ectopic_per_beat = 0.02;
  const Recorder r = run(p, 1800);
  const auto& b = r.beats[0];
  int ectopics = 0;
  for (std::size_t i = 0; i + 1 < b.size(); ++i) {
    if (b[i].truth != BeatTruth::Ectopic) continue;
    ++ectopics;
    REQUIRE(b[i + 1].truth == BeatTruth::Compensatory);
    REQUIRE(b[i].rr_ms < 0.75 * b[i + 1].rr_ms);
    // Premature + compensatory = two ordinary beats.
    if (i > 0 && b[i - 1].truth == BeatTruth::Normal)
      REQUIRE(b[i].rr_ms + b[i + 1].rr_ms == Approx(2.0 * b[i - 1].rr_ms).epsilon(0.25));
  }
  const double rate = static_cast<double>(ectopics) / b.size();
  INFO(ectopics << " ectopics in " << b.size() << " beats");
  CHECK(rate == Approx(0.02).epsilon(0.35));
}

TEST_CASE("dropouts leave gaps of a few seconds at the configured rate", "[sim][model]") {
  ModelParams p = clean(61);
  p.dropouts_per_min = 1.0;
  p.dropout_min_s = 2.0;
  p.dropout_max_s = 5.0;
  CoupleModel m(p);
  Recorder r;
  m.generate_until(kStart + 1'800'000, r);
  const auto& b = r.beats[1];
  int gaps = 0;
  for (std::size_t i = 1; i < b.size(); ++i) {
    const double dt = (b[i].t_ms - b[i - 1].t_ms) / 1000.0;
    if (dt > 1.6) {
      ++gaps;
      CHECK(dt >= 2.0);
      CHECK(dt <= 5.0 + 2.0);  // the dropout plus up to a beat either side
    }
  }
  INFO(gaps << " gaps, model counted " << m.stats(Seat::B).dropouts);
  CHECK(gaps == Approx(30).epsilon(0.4));
  CHECK(m.stats(Seat::B).beats_hidden > 0);
}
