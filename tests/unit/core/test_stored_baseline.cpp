// Stored baselines (issue 3): a seeded participant does not calibrate, its
// arousal comes from the first valid window, a baseline that arrives after
// calibration is ignored, and the session still measures its own baseline.
// The resonance estimate picks the rate with the largest LF power.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/resonance_estimate.hpp"
#include "core/synchrony_engine.hpp"
#include "core_test_util.hpp"

using namespace attune::core;
using attune::core::test::alternating_beats;

namespace {

// Both partners at ~60 bpm (RR 1000 +/- 15 ms, RMSSD 30 ms) from t = 0.
void feed_calm(SynchronyEngine& engine, std::int64_t until_ms) {
  for (Seat seat : {Seat::A, Seat::B})
    for (const auto& b : alternating_beats(1000.0, 15.0, 0, until_ms)) engine.add_beat(seat, b);
}

StoredBaseline baseline_at(double hr, double ln) {
  StoredBaseline s;
  s.hr_bpm = RobustBaseline{hr, 4.0};
  s.ln_rmssd = RobustBaseline{ln, 0.25};
  return s;
}

}  // namespace

TEST_CASE("without a stored baseline a participant calibrates for 2 minutes", "[stored_baseline]") {
  SynchronyEngine engine;
  feed_calm(engine, 200000);
  engine.advance_to(60000);
  REQUIRE(engine.latest());
  CHECK(engine.latest()->participants[0].calibrating);
  CHECK_FALSE(engine.latest()->participants[0].arousal);
  CHECK(engine.latest()->participants[0].baseline_source == BaselineSource::None);
  engine.advance_to(200000);
  CHECK_FALSE(engine.latest()->participants[0].calibrating);
  CHECK(engine.summary().participants[0].baseline_source == BaselineSource::Session);
}

TEST_CASE("a seeded participant is not calibrating and has arousal from the first valid window",
          "[stored_baseline]") {
  SynchronyEngine engine;
  // HR 60 bpm, lnRMSSD ln(30): a stored baseline of 50 bpm puts HR 2.5 scale
  // units above it, and lnRMSSD ln(30) - 0.2 0.8 units above.
  REQUIRE(engine.set_stored_baseline(Seat::A, baseline_at(50.0, std::log(30.0) - 0.2)));
  feed_calm(engine, 200000);
  std::optional<std::int64_t> first_arousal_ms, first_rmssd_ms;
  engine.advance_to(45000, [&](const Snapshot& s) {
    const auto& a = s.participants[0];
    if (a.streaming) CHECK_FALSE(a.calibrating);
    if (a.ln_rmssd && !first_rmssd_ms) first_rmssd_ms = s.t_ms;
    if (a.arousal && !first_arousal_ms) first_arousal_ms = s.t_ms;
    CHECK(s.participants[1].calibrating);  // B has no stored baseline
  });
  REQUIRE(first_rmssd_ms);
  REQUIRE(first_arousal_ms);
  CHECK(*first_arousal_ms == *first_rmssd_ms);  // no wait beyond the metric's own window
  CHECK(*first_arousal_ms < 45000);
  const auto& a = engine.latest()->participants[0];
  CHECK(a.baseline_source == BaselineSource::Stored);
  // z(HR) = (60 - 50) / 4 = 2.5; z(lnRMSSD) = 0.2 / 0.25 = 0.8; index = (2.5 - 0.8) / 2.
  REQUIRE(a.arousal);
  CHECK(*a.arousal == Approx((2.5 - 0.8) / 2).margin(0.05));
  CHECK(a.state != RegulationState::Unknown);
}

TEST_CASE("the session still measures its own baseline while a stored one is used", "[stored_baseline]") {
  SynchronyEngine engine;
  REQUIRE(engine.set_stored_baseline(Seat::A, baseline_at(50.0, 3.0)));
  feed_calm(engine, 200000);
  engine.advance_to(200000);
  const auto p = engine.summary().participants[0];
  CHECK(p.baseline_source == BaselineSource::Stored);
  REQUIRE(p.session_baseline.hr_bpm);
  REQUIRE(p.session_baseline.ln_rmssd);
  CHECK(p.session_baseline.hr_bpm->median == Approx(60.0).margin(0.1));
  CHECK(p.session_baseline.ln_rmssd->median == Approx(std::log(30.0)).margin(0.01));
  CHECK(p.session_baseline.values >= 20);
  CHECK_FALSE(p.session_baseline.breath_rate_bpm);  // no respiration streamed
  REQUIRE(p.baseline_hr_bpm);  // the older summary field is the session's own
  CHECK(*p.baseline_hr_bpm == Approx(60.0).margin(0.1));
}

TEST_CASE("a stored baseline that arrives after calibration finished is ignored", "[stored_baseline]") {
  SynchronyEngine engine;
  feed_calm(engine, 300000);
  engine.advance_to(200000);
  REQUIRE_FALSE(engine.latest()->participants[0].calibrating);
  const auto before = engine.latest()->participants[0].arousal;
  CHECK_FALSE(engine.set_stored_baseline(Seat::A, baseline_at(40.0, 2.0)));
  engine.advance_to(210000);
  const auto& a = engine.latest()->participants[0];
  CHECK(a.baseline_source == BaselineSource::Session);
  REQUIRE(a.arousal);
  REQUIRE(before);
  CHECK(std::fabs(*a.arousal) < 1.0);  // still against its own calm baseline, not 40 bpm
  CHECK(engine.summary().participants[0].baseline_source == BaselineSource::Session);
}

TEST_CASE("a malformed stored baseline is refused", "[stored_baseline]") {
  SynchronyEngine engine;
  StoredBaseline no_ln;
  no_ln.hr_bpm = RobustBaseline{70.0, 4.0};
  CHECK_FALSE(engine.set_stored_baseline(Seat::A, no_ln));
  CHECK_FALSE(engine.set_stored_baseline(Seat::A, baseline_at(NAN, 3.0)));
  auto zero_scale = baseline_at(70.0, 3.0);
  zero_scale.ln_rmssd->scale = 0.0;
  CHECK_FALSE(engine.set_stored_baseline(Seat::A, zero_scale));
  CHECK_FALSE(engine.set_stored_baseline(static_cast<Seat>(7), baseline_at(70.0, 3.0)));
  feed_calm(engine, 40000);
  engine.advance_to(40000);
  CHECK(engine.latest()->participants[0].calibrating);
}

namespace {
// A planted resonance: LF power peaks at 5.5 breaths/min.
double planted_lf(double rate) { return 3000.0 - 800.0 * std::fabs(rate - 5.5); }

void hold(ResonanceEstimate& r, double rate, int seconds, double plv = 0.8) {
  for (int i = 0; i < seconds; ++i) r.add_second(rate, plv, planted_lf(rate));
}
}  // namespace

TEST_CASE("resonance estimate picks the planted rate", "[resonance]") {
  ResonanceEstimate r;
  for (double rate : {7.0, 6.5, 6.0, 5.5, 5.0, 4.5}) hold(r, rate, 120);
  REQUIRE(r.rate_bpm());
  CHECK(*r.rate_bpm() == 5.5);
}

TEST_CASE("resonance estimate: none with too little data", "[resonance]") {
  SECTION("one rate only") {
    ResonanceEstimate r;
    hold(r, 6.0, 600);
    CHECK_FALSE(r.rate_bpm());
  }
  SECTION("two rates, too short at each (settling eats the first 30 s)") {
    ResonanceEstimate r;
    hold(r, 6.0, 80);
    hold(r, 5.0, 80);
    CHECK_FALSE(r.rate_bpm());
    hold(r, 5.0, 20);  // 5.0 now has 70 counted seconds, 6.0 still 50
    CHECK_FALSE(r.rate_bpm());
  }
  SECTION("not following the pacer") {
    ResonanceEstimate r;
    hold(r, 6.0, 200, 0.2);
    hold(r, 5.0, 200, 0.2);
    CHECK_FALSE(r.rate_bpm());
  }
  SECTION("pacer not running") {
    ResonanceEstimate r;
    for (int i = 0; i < 600; ++i) r.add_second(std::nullopt, 0.9, 2000.0);
    CHECK_FALSE(r.rate_bpm());
  }
}

TEST_CASE("resonance estimate: two rates with enough data give the larger LF", "[resonance]") {
  ResonanceEstimate r;
  hold(r, 6.5, 100);
  hold(r, 5.0, 100);
  REQUIRE(r.rate_bpm());
  CHECK(*r.rate_bpm() == 5.0);  // planted_lf: 2600 at 5.0 against 2200 at 6.5
}
