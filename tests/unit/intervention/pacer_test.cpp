// The shared pacer and adaptive pacing (server/core/pacer.hpp,
// server/core/adaptive_pacing.hpp).
#include <catch2/catch.hpp>

#include <cmath>

#include "core/adaptive_pacing.hpp"
#include "core/pacer.hpp"

using namespace attune::core;

namespace {
constexpr std::int64_t kT0 = 1'700'000'000'000'000;  // a server clock in us (2023)

bool rejected(const PacerPattern& p) {
  auto problem = pattern_problem(p);
  if (!problem) return false;
  // A sentence for people: starts with a capital, ends with a full stop.
  REQUIRE(problem->size() > 10);
  CHECK(problem->back() == '.');
  CHECK(std::isupper(static_cast<unsigned char>(problem->front())));
  return true;
}
}  // namespace

TEST_CASE("default pattern is 4:6 at 6 breaths per minute", "[pacer]") {
  PacerPattern p;
  CHECK(p.period_s() == 10.0);
  CHECK(p.rate_bpm() == 6.0);
  CHECK_FALSE(pattern_problem(p));
  CHECK_FALSE(pattern_problem({4, 7, 8, 0}));  // 4-7-8
  CHECK_FALSE(pattern_problem({4, 4, 4, 4}));  // box breathing
}

TEST_CASE("absurd patterns are rejected with a sentence", "[pacer]") {
  CHECK(rejected({0, 0, 6, 0}));        // no inhale
  CHECK(rejected({4, 0, 0, 0}));        // no exhale
  CHECK(rejected({-4, 0, 6, 0}));       // negative
  CHECK(rejected({4, -1, 6, 0}));       // negative hold
  CHECK(rejected({4, 0.2, 6, 0}));      // part under 0.5 s
  CHECK(rejected({31, 0, 6, 0}));       // part over 30 s
  CHECK(rejected({NAN, 0, 6, 0}));
  CHECK(rejected({INFINITY, 0, 6, 0}));
  CHECK(rejected({0.5, 0, 0.5, 0}));    // 60 breaths/min
  CHECK(rejected({0.9, 0, 0.9, 0}));    // 33 breaths/min
  CHECK(rejected({30, 0, 30, 0}));      // 1 breath/min
  CHECK(rejected({10, 5, 10, 0}));      // 2.4 breaths/min
  auto why = pattern_problem({10, 5, 10, 0});
  REQUIRE(why);
  CHECK(why->find("3-30 breaths/min") != std::string::npos);
  CHECK(rate_problem(2.9));
  CHECK(rate_problem(30.1));
  CHECK(rate_problem(NAN));
  CHECK_FALSE(rate_problem(6));
}

TEST_CASE("scale_to_rate keeps the ratios", "[pacer]") {
  const PacerPattern p{4, 1, 6, 1};
  const PacerPattern q = scale_to_rate(p, 6.0);
  CHECK(q.rate_bpm() == Approx(6.0).epsilon(1e-12));
  CHECK(q.inhale_s / q.exhale_s == Approx(4.0 / 6.0).epsilon(1e-12));
  CHECK(q.hold_in_s / q.inhale_s == Approx(0.25).epsilon(1e-12));
  CHECK(scale_to_rate(p, NAN) == p);
  CHECK(scale_to_rate(p, 0) == p);
}

TEST_CASE("phase runs from 0 at the start of the inhale", "[pacer]") {
  PacerSchedule s;
  CHECK_FALSE(s.running());
  CHECK(s.target_rate_bpm() == 6.0);
  CHECK(s.adaptive());
  REQUIRE_FALSE(s.start(PacerPattern{}, kT0));
  CHECK(s.running());
  CHECK(s.epoch_us() == kT0);
  CHECK(s.phase_at(kT0) == 0.0);
  CHECK(s.phase_at(kT0 + 4'000'000) == Approx(0.4));   // end of inhale
  CHECK(s.phase_at(kT0 + 9'999'999) == Approx(0.9999999));
  CHECK(s.phase_at(kT0 + 10'000'000) == 0.0);
  CHECK(s.phase_at(kT0 - 2'500'000) == Approx(0.75));  // before the epoch too
  CHECK(s.phase_at_ms(static_cast<double>(kT0 / 1000) + 2500.0) == Approx(0.25));
  s.stop(kT0 + 20'000'000);
  CHECK_FALSE(s.running());
  CHECK_FALSE(s.phase_history_at_us(kT0 + 25'000'000));
  CHECK(s.phase_history_at_us(kT0 + 15'000'000).value() == Approx(0.5));
}

TEST_CASE("a bad pattern changes nothing", "[pacer]") {
  PacerSchedule s;
  REQUIRE_FALSE(s.start(PacerPattern{}, kT0));
  const PacerSchedule before = s;
  CHECK(s.retune({0, 0, 6, 0}, kT0 + 1'000'000));
  CHECK(s.set_rate(45, kT0 + 1'000'000));
  CHECK(s.set_target_rate(2));
  CHECK(s.pattern() == before.pattern());
  CHECK(s.epoch_us() == before.epoch_us());
  CHECK(s.target_rate_bpm() == before.target_rate_bpm());
  PacerSchedule t;
  CHECK(t.start({-1, 0, 6, 0}, kT0));
  CHECK_FALSE(t.running());
}

TEST_CASE("retune keeps the phase continuous", "[pacer]") {
  PacerSchedule s;
  REQUIRE_FALSE(s.start(PacerPattern{}, kT0));
  std::int64_t t = kT0;
  // Odd instants and odd patterns, many times over: the phase just before
  // the retune (old pattern) equals the phase just after (new pattern).
  const PacerPattern patterns[] = {{4, 0, 6, 0}, {3.3, 0.7, 5.9, 1.1}, {4, 7, 8, 0},
                                   {2.1, 0, 3.7, 0}, {5, 5, 5, 5}};
  for (int i = 0; i < 200; ++i) {
    t += 1'234'567 + 7919 * i;
    const double before = s.phase_at(t);
    const PacerPattern& next = patterns[i % 5];
    REQUIRE_FALSE(s.retune(next, t));
    CHECK(s.phase_at(t) == Approx(before).margin(1e-9));
    CHECK(s.pattern() == next);
  }
  // set_rate too.
  for (int i = 0; i < 50; ++i) {
    t += 999'983;
    const double before = s.phase_at(t);
    REQUIRE_FALSE(s.set_rate(6.0 + 0.01 * i, t));
    CHECK(s.phase_at(t) == Approx(before).margin(1e-9));
    CHECK(s.rate_bpm() == Approx(6.0 + 0.01 * i).epsilon(1e-12));
  }
  // The wire's whole-microsecond epoch gives the same phase to < 1e-7.
  CHECK(pacer_phase(s.pattern(), s.epoch_us(), t + 3'000'000) ==
        Approx(s.phase_at(t + 3'000'000)).margin(1e-7));
}

TEST_CASE("two clocks compute the same phase for the same instant", "[pacer]") {
  PacerSchedule s;
  REQUIRE_FALSE(s.start({4, 1, 6, 1}, kT0));
  REQUIRE_FALSE(s.retune({3.7, 0.5, 5.3, 0.5}, kT0 + 7'777'777));
  // Client x = server + offset; it shifts the epoch by its offset.
  const std::int64_t offset_1 = 3'700'000;     // 3.7 s ahead
  const std::int64_t offset_2 = -12'345'678;   // 12.3 s behind
  for (std::int64_t dt = 0; dt < 100'000'000; dt += 3'333'331) {
    const std::int64_t server_t = kT0 + 10'000'000 + dt;
    const double p1 = pacer_phase(s.pattern(), s.epoch_us() + offset_1, server_t + offset_1);
    const double p2 = pacer_phase(s.pattern(), s.epoch_us() + offset_2, server_t + offset_2);
    CHECK(p1 == Approx(p2).margin(1e-12));
    CHECK(p1 == Approx(s.phase_at(server_t)).margin(1e-7));
  }
}

TEST_CASE("history gives the phase the pacer had at the time", "[pacer]") {
  PacerSchedule s;
  REQUIRE_FALSE(s.start(PacerPattern{}, kT0));
  const std::int64_t t1 = kT0 + 12'000'000;
  const double old_phase_later = s.phase_at(t1 + 1'000'000);
  REQUIRE_FALSE(s.retune({2, 0, 3, 0}, t1));
  CHECK(s.phase_history_at_us(kT0 + 3'000'000).value() == Approx(0.3));
  CHECK(s.phase_history_at_us(t1 + 1'000'000).value() == Approx(s.phase_at(t1 + 1'000'000)));
  CHECK(s.phase_at(t1 + 1'000'000) != Approx(old_phase_later));
  CHECK_FALSE(s.phase_history_at_us(kT0 - 1));
  CHECK(s.ran_throughout_ms(kT0 / 1000.0, (t1 + 5'000'000) / 1000.0));
  CHECK_FALSE(s.ran_throughout_ms(kT0 / 1000.0 - 1, (t1 + 5'000'000) / 1000.0));
  s.stop(t1 + 10'000'000);
  CHECK_FALSE(s.ran_throughout_ms(kT0 / 1000.0, (t1 + 11'000'000) / 1000.0));
}

TEST_CASE("initial rate starts from the slower partner", "[adaptive]") {
  CHECK(initial_rate(14.0, 11.0, 6.0) == 11.0);
  CHECK(initial_rate(9.5, 16.0, 6.0) == 9.5);
  CHECK(initial_rate(std::nullopt, 12.0, 6.0) == 12.0);
  CHECK(initial_rate(std::nullopt, std::nullopt, 6.0) == 10.0);  // fallback
  CHECK(initial_rate(std::nullopt, std::nullopt, 6.0, 8.0) == 8.0);
  CHECK(initial_rate(5.0, 12.0, 6.0) == 6.0);   // never below the target
  CHECK(initial_rate(40.0, 45.0, 6.0) == 30.0); // within 3-30
  CHECK(initial_rate(NAN, 12.0, 6.0) == 12.0);
  CHECK(initial_rate(12.0, 13.0, NAN) == 12.0);
}

TEST_CASE("adaptive stepping is rate limited and holds when not following", "[adaptive]") {
  PacerSchedule s;
  const double start = initial_rate(12.0, 14.0, 6.0);
  REQUIRE_FALSE(s.start(scale_to_rate(PacerPattern{}, start), kT0));
  REQUIRE(s.rate_bpm() == Approx(12.0));
  std::int64_t t = kT0;
  // Two minutes of data seconds with both following: at most 1 breath/min down.
  for (int i = 0; i < 120; ++i) {
    t += 1'000'000;
    const double before = s.rate_bpm();
    CHECK(step(s, t, true, 1.0));
    CHECK(before - s.rate_bpm() <= 0.5 / 60.0 + 1e-12);
    CHECK(before - s.rate_bpm() >= 0.5 / 60.0 - 1e-9);
  }
  CHECK(s.rate_bpm() == Approx(11.0).epsilon(1e-9));
  // A minute of not following: holds.
  for (int i = 0; i < 60; ++i) {
    t += 1'000'000;
    CHECK_FALSE(step(s, t, false, 1.0));
  }
  CHECK(s.rate_bpm() == Approx(11.0).epsilon(1e-9));
  // A big gap is not a big jump.
  t += 600'000'000;
  CHECK(step(s, t, true, 600.0));
  CHECK(s.rate_bpm() >= 11.0 - 0.5 * 5.0 / 60.0 - 1e-9);
  // Not adaptive: holds.
  s.set_adaptive(false);
  CHECK_FALSE(step(s, t + 1'000'000, true, 1.0));
  s.set_adaptive(true);
  // Reaches the target and stays there.
  for (int i = 0; i < 20 * 60; ++i) {
    t += 1'000'000;
    step(s, t, true, 1.0);
  }
  CHECK(s.rate_bpm() == Approx(6.0).epsilon(1e-9));
  CHECK_FALSE(step(s, t + 1'000'000, true, 1.0));
  // Ratios kept all the way.
  CHECK(s.pattern().inhale_s / s.pattern().exhale_s == Approx(4.0 / 6.0).epsilon(1e-9));
  // A stopped pacer holds.
  s.stop(t + 2'000'000);
  REQUIRE_FALSE(s.set_target_rate(8));
  CHECK_FALSE(step(s, t + 3'000'000, true, 1.0));
}

TEST_CASE("both_following needs both PLVs above the threshold", "[adaptive]") {
  CHECK(both_following(0.8, 0.7));
  CHECK_FALSE(both_following(0.8, 0.2));
  CHECK_FALSE(both_following(0.8, std::nullopt));
  AdaptivePacingConfig cfg;
  cfg.follow_plv_min = 0.9;
  CHECK_FALSE(both_following(0.8, 0.95, cfg));
}

TEST_CASE("extreme times give a phase in range and no overflow", "[pacer]") {
  PacerSchedule s;
  REQUIRE_FALSE(s.start(PacerPattern{}, kT0));
  for (std::int64_t t : {INT64_MAX, INT64_MIN, std::int64_t{0}}) {
    const double p = s.phase_at(t);
    CHECK(p >= 0.0);
    CHECK(p < 1.0);
    const double q = pacer_phase(PacerPattern{}, INT64_MIN, t);
    CHECK(q >= 0.0);
    CHECK(q < 1.0);
  }
  CHECK(s.phase_at_ms(1e300) == 0.0);
  CHECK_FALSE(s.phase_history_at_ms(-1e300));
  CHECK_FALSE(s.phase_history_at_ms(NAN));
}
