// RR cleaning: plausibility, the Malik ectopic rule, device flags,
// interpolation of artefacts, segments after gaps, and beat verdicts.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "core/beat_series.hpp"
#include "core/rr_cleaning.hpp"

using namespace attune::core;

TEST_CASE("plausibility bounds are inclusive and reject non-numbers", "[cleaning]") {
  CHECK(rr_plausible(300.0, 300, 2000));
  CHECK(rr_plausible(2000.0, 300, 2000));
  CHECK_FALSE(rr_plausible(299.9, 300, 2000));
  CHECK_FALSE(rr_plausible(2000.1, 300, 2000));
  CHECK_FALSE(rr_plausible(std::nan(""), 300, 2000));
  CHECK_FALSE(rr_plausible(std::numeric_limits<double>::infinity(), 300, 2000));
  CHECK_FALSE(rr_plausible(-800.0, 300, 2000));
}

TEST_CASE("Malik rule flags a change of more than 20 % of the previous RR", "[cleaning]") {
  CHECK_FALSE(rr_malik_ectopic(959.0, 800.0, 0.2));
  CHECK(rr_malik_ectopic(961.0, 800.0, 0.2));
  CHECK_FALSE(rr_malik_ectopic(641.0, 800.0, 0.2));
  CHECK(rr_malik_ectopic(639.0, 800.0, 0.2));
}

TEST_CASE("artefacts are interpolated linearly in time between clean neighbours", "[cleaning]") {
  const std::vector<std::int64_t> t{1000, 2000, 2500, 3000, 4000};
  const std::vector<double> rr{800, 5, 9999, 820, 830};
  const std::vector<bool> art{false, true, true, false, false};
  const auto out = rr_interpolate_artifacts(t, rr, art);
  REQUIRE(out.size() == 5);
  CHECK(out[0] == 800.0);
  CHECK(out[1] == Approx(810.0).epsilon(1e-15));  // half way from 1000 to 3000 ms
  CHECK(out[2] == Approx(815.0).epsilon(1e-15));  // three quarters
  CHECK(out[3] == 820.0);
  CHECK(rr_artifact_fraction(art) == Approx(0.4));
}

TEST_CASE("artefacts at an edge take the nearest clean value (no extrapolation)", "[cleaning]") {
  const std::vector<std::int64_t> t{0, 1000, 2000, 3000};
  const std::vector<double> rr{1, 800, 810, 3};
  const std::vector<bool> art{true, false, false, true};
  const auto out = rr_interpolate_artifacts(t, rr, art);
  CHECK(out[0] == 800.0);
  CHECK(out[3] == 810.0);
}

TEST_CASE("a series of artefacts only is returned unchanged", "[cleaning]") {
  const std::vector<std::int64_t> t{0, 1000};
  const std::vector<double> rr{1, 2};
  const auto out = rr_interpolate_artifacts(t, rr, {true, true});
  CHECK(out == rr);
  CHECK(rr_artifact_fraction({}) == 0.0);
}

TEST_CASE("beat series judges each beat online", "[cleaning]") {
  EngineConfig cfg;
  BeatSeries s(cfg);
  CHECK(s.add({1000, 800, 0}) == BeatVerdict::Accepted);
  CHECK(s.add({1800, 800, kBeatNoContact}) == BeatVerdict::Accepted);
  CHECK(s.add({2600, 810, kBeatArtifact}) == BeatVerdict::Accepted);
  CHECK(s.add({3400, 250, 0}) == BeatVerdict::Accepted);    // implausible
  CHECK(s.add({4200, 790, 0}) == BeatVerdict::Accepted);    // vs 800: clean
  CHECK(s.add({4700, 500, 0}) == BeatVerdict::Accepted);    // premature: ectopic
  CHECK(s.add({5700, 1000, 0}) == BeatVerdict::Accepted);   // compensatory: ectopic
  CHECK(s.add({6700, 1000, 0}) == BeatVerdict::Accepted);   // recovered
  const auto& b = s.beats();
  REQUIRE(b.size() == 8);
  CHECK_FALSE(b[0].artifact);
  CHECK(b[1].artifact);
  CHECK(b[2].artifact);
  CHECK(b[3].artifact);
  CHECK_FALSE(b[4].artifact);
  CHECK(b[5].artifact);
  CHECK(b[6].artifact);
  CHECK_FALSE(b[7].artifact);
  CHECK(s.artifacts() == 5);
  CHECK(s.accepted() == 8);
}

TEST_CASE("duplicates, backwards and out-of-range times are ignored", "[cleaning]") {
  EngineConfig cfg;
  BeatSeries s(cfg);
  CHECK(s.add({1000, 800, 0}) == BeatVerdict::Accepted);
  CHECK(s.add({1000, 800, 0}) == BeatVerdict::Duplicate);
  CHECK(s.add({999, 800, 0}) == BeatVerdict::Backwards);
  CHECK(s.add({std::numeric_limits<std::int64_t>::max(), 800, 0}) == BeatVerdict::Rejected);
  CHECK(s.add({std::numeric_limits<std::int64_t>::min(), 800, 0}) == BeatVerdict::Rejected);
  CHECK(s.beats().size() == 1);
  CHECK(s.received() == 5);
  CHECK(s.ignored() == 4);
}

TEST_CASE("a gap longer than max_gap starts a new segment and resets Malik", "[cleaning]") {
  EngineConfig cfg;
  BeatSeries s(cfg);
  s.add({1000, 800, 0});
  s.add({1800, 800, 0});
  s.add({4800, 1200, 0});  // exactly 3000 ms later: same segment, ectopic vs 800
  s.add({8000, 600, 0});   // 3200 ms later: new segment, no predecessor
  const auto& b = s.beats();
  CHECK(s.segment_start_ms(2) == 1000);
  CHECK(b[2].artifact);
  CHECK(s.segment_start_ms(3) == 8000);
  CHECK_FALSE(b[3].artifact);
}

TEST_CASE("NaN and infinite RR are stored as finite artefacts", "[cleaning]") {
  EngineConfig cfg;
  BeatSeries s(cfg);
  s.add({1000, std::nan(""), 0});
  s.add({2000, std::numeric_limits<double>::infinity(), 0});
  s.add({3000, -1e308, 0});
  for (const auto& b : s.beats()) {
    CHECK(b.artifact);
    CHECK(std::isfinite(b.rr_ms));
  }
}

TEST_CASE("the beat buffer is bounded even if time never advances", "[cleaning]") {
  EngineConfig cfg;
  cfg.max_buffered_beats = 100;
  BeatSeries s(cfg);
  for (int i = 1; i <= 1000; ++i) s.add({i * 800, 800, 0});
  CHECK(s.beats().size() == 100);
  CHECK(s.beats().front().t_ms == 901 * 800);
}
