// HR and RMSSD: hand-computed values, windows, the 30 s minimum, the 10 %
// corrected-beat rule and gap handling.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/beat_series.hpp"
#include "core/heart_rate.hpp"
#include "core/hrv_rmssd.hpp"
#include "core/participant_metrics.hpp"
#include "core_test_util.hpp"

using namespace attune::core;
using attune::core::test::alternating_beats;

TEST_CASE("RMSSD by hand", "[hrv]") {
  // diffs 10, -20, 10 -> mean square 200
  const auto r = hrv_rmssd({800, 810, 790, 800});
  REQUIRE(r);
  CHECK(*r == Approx(std::sqrt(200.0)).epsilon(1e-15));
  CHECK_FALSE(hrv_rmssd({800}));
  CHECK_FALSE(hrv_rmssd({}));
  CHECK(*hrv_rmssd({800, 800, 800}) == 0.0);
}

TEST_CASE("lnRMSSD is floored so a flat series stays finite", "[hrv]") {
  CHECK(hrv_ln_rmssd(std::exp(3.0), 1.0) == Approx(3.0));
  CHECK(hrv_ln_rmssd(0.0, 1.0) == 0.0);
  CHECK(std::isfinite(hrv_ln_rmssd(0.0, 1.0)));
}

TEST_CASE("HR is the mean of instantaneous rates", "[hrv]") {
  CHECK(*heart_rate_mean_bpm({800, 750}) == Approx(77.5).epsilon(1e-15));
  CHECK(*heart_rate_mean_bpm({1000}) == 60.0);
  CHECK_FALSE(heart_rate_mean_bpm({}));
}

namespace {
BeatSeries series_of(const EngineConfig& cfg, const std::vector<Beat>& beats) {
  BeatSeries s(cfg);
  for (const auto& b : beats) s.add(b);
  return s;
}
}  // namespace

TEST_CASE("per-second metrics over their windows", "[hrv]") {
  EngineConfig cfg;
  // RR 1010, 990, 1010, ... -> successive differences +-20 -> RMSSD 20.
  const auto beats = alternating_beats(1000, 10, 0, 100000);
  const BeatSeries s = series_of(cfg, beats);
  const std::int64_t first = beats.front().t_ms;  // 1010

  SECTION("RMSSD needs 30 s since the segment start") {
    const auto early = participant_metrics_at(s, 31000, cfg);  // 29990 ms of data
    CHECK(early.streaming);
    CHECK(early.hr_bpm);
    CHECK_FALSE(early.rmssd_ms);
    const auto later = participant_metrics_at(s, first + 30000, cfg);
    REQUIRE(later.rmssd_ms);
    CHECK(*later.rmssd_ms == Approx(20.0).epsilon(1e-12));
    CHECK(*later.ln_rmssd == Approx(std::log(20.0)).epsilon(1e-12));
    CHECK(*later.artifact_fraction == 0.0);
  }
  SECTION("HR averages 60000/RR over (T - 5 s, T]") {
    const std::int64_t T = 50000;
    std::vector<double> rr;
    for (const auto& b : beats) {
      if (b.t_ms > T - 5000 && b.t_ms <= T) rr.push_back(b.rr_ms);
    }
    double sum = 0;
    for (double x : rr) sum += 60000.0 / x;
    const auto m = participant_metrics_at(s, T, cfg);
    REQUIRE(m.hr_bpm);
    CHECK(*m.hr_bpm == Approx(sum / rr.size()).epsilon(1e-15));
  }
  SECTION("beats after T are not used") {
    const auto m = participant_metrics_at(s, 500, cfg);
    CHECK_FALSE(m.streaming);
    CHECK_FALSE(m.hr_bpm);
  }
}

TEST_CASE("more than 10 % corrected beats in the window: no RMSSD", "[hrv]") {
  EngineConfig cfg;
  // 60 beats of ~1000 ms in (0, 60000]; the first `flagged` of the beats
  // 5, 15, 25, ... (and then 58, 59) carry a device flag.
  auto metrics_with = [&cfg](int flagged) {
    const std::vector<int> order{5, 15, 25, 35, 45, 55, 58, 59};
    BeatSeries s(cfg);
    for (int i = 1; i <= 60; ++i) {
      bool flag = false;
      for (int k = 0; k < flagged; ++k) flag = flag || order[k] == i;
      s.add({i * 1000, 1000.0 + (i % 2) * 20.0, flag ? kBeatNoContact : 0u});
    }
    return participant_metrics_at(s, 60000, cfg);
  };
  const auto six = metrics_with(6);
  REQUIRE(six.artifact_fraction);
  CHECK(*six.artifact_fraction == Approx(0.10));
  CHECK(six.rmssd_ms);  // exactly 10 %: still published
  const auto seven = metrics_with(7);
  CHECK(*seven.artifact_fraction == Approx(7.0 / 60.0));
  CHECK_FALSE(seven.rmssd_ms);
  CHECK_FALSE(seven.ln_rmssd);
  CHECK(seven.hr_bpm);  // HR is still published from the corrected series
}

TEST_CASE("a corrected beat enters RMSSD with its interpolated value", "[hrv]") {
  EngineConfig cfg;
  cfg.max_artifact_fraction = 0.5;
  BeatSeries s(cfg);
  // 40 beats of 800 ms, then one beat flagged, then 800 again: the flagged
  // beat's RR (9999 ms, implausible) becomes 800 and RMSSD stays 0.
  std::int64_t t = 0;
  for (int i = 0; i < 40; ++i) s.add({t += 800, 800, 0});
  s.add({t += 800, 9999, 0});
  for (int i = 0; i < 5; ++i) s.add({t += 800, 800, 0});
  const auto m = participant_metrics_at(s, t, cfg);
  REQUIRE(m.rmssd_ms);
  CHECK(*m.rmssd_ms == 0.0);
  CHECK(*m.ln_rmssd == 0.0);  // ln of the 1 ms floor
}

TEST_CASE("gaps end validity and nothing is carried over them", "[hrv]") {
  EngineConfig cfg;
  BeatSeries s(cfg);
  std::int64_t t = 0;
  for (int i = 0; i < 50; ++i) s.add({t += 800, 800.0 + (i % 2) * 10, 0});  // to 40000
  REQUIRE(t == 40000);
  CHECK(participant_metrics_at(s, 40000, cfg).rmssd_ms);
  SECTION("3 s after the last beat: still streaming") {
    const auto m = participant_metrics_at(s, 43000, cfg);
    CHECK(m.streaming);
    CHECK(m.hr_bpm);  // beats 38400..40000 lie in (38000, 43000]
  }
  SECTION("4 s after the last beat: not streaming, nothing published") {
    const auto m = participant_metrics_at(s, 44000, cfg);
    CHECK_FALSE(m.streaming);
    CHECK_FALSE(m.hr_bpm);
    CHECK_FALSE(m.rmssd_ms);
    CHECK_FALSE(m.artifact_fraction);
  }
  SECTION("after a 4 s gap the RMSSD window restarts") {
    s.add({44000, 800, 0});
    for (int i = 0; i < 10; ++i) s.add({44000 + 800 * (i + 1), 800, 0});
    const auto m = participant_metrics_at(s, 52000, cfg);
    CHECK(m.streaming);
    CHECK(m.hr_bpm);
    CHECK_FALSE(m.rmssd_ms);  // only 8 s since the segment started
  }
}
