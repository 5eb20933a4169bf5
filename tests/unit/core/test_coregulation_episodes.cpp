// Co-regulation episodes (core/coregulation_episodes.hpp) from synthetic
// state sequences, and the "rising together" half of CO_ESCALATION
// (core/arousal_trend.hpp) from synthetic arousal series.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "core/arousal_trend.hpp"
#include "core/coregulation_episodes.hpp"
#include "core/engine_config.hpp"

using namespace attune::core;

namespace {

using RS = RegulationState;
constexpr RS U = RS::Unknown, S = RS::Settled, X = RS::Activated, D = RS::ShutDown;

// Feeds the states of A and B, one character each per second from t = 0:
// 'u' UNKNOWN, 's' SETTLED, 'x' ACTIVATED, 'd' SHUT_DOWN.
void feed(CoregulationEpisodes& e, const std::string& a, const std::string& b, std::int64_t t0_s = 0) {
  REQUIRE(a.size() == b.size());
  auto st = [](char c) { return c == 's' ? S : c == 'x' ? X : c == 'd' ? D : U; };
  for (std::size_t i = 0; i < a.size(); ++i) {
    e.observe((t0_s + static_cast<std::int64_t>(i)) * 1000, st(a[i]), st(b[i]));
  }
}

std::string rep(char c, int n) { return std::string(static_cast<std::size_t>(n), c); }

}  // namespace

TEST_CASE("episode: A activates beside settled B and recovers, recovery time exact", "[episodes]") {
  CoregulationEpisodes e(45000, 100);
  // A: settled 10 s, activated 30 s (seconds 10-39), settled from 40 s.
  feed(e, rep('s', 10) + rep('x', 30) + rep('s', 20), rep('s', 60));
  const EpisodeSummary s = e.summary();
  REQUIRE(s.total == 1);
  REQUIRE(s.episodes.size() == 1);
  const auto& ep = s.episodes[0];
  CHECK(ep.activated == Seat::A);
  CHECK(ep.anchor == Seat::B);
  CHECK(ep.start_ms == 10000);
  CHECK(ep.end_ms == 40000);
  CHECK(ep.outcome == EpisodeOutcome::Recovered);
  CHECK(ep.duration_s() == 30.0);
  CHECK(s.recovered == 1);
  CHECK(s.escalated + s.lost + s.open == 0);
  REQUIRE(s.median_recovery_s);
  CHECK(*s.median_recovery_s == 30.0);
  CHECK(*s.mean_recovery_s == 30.0);
  CHECK(s.seats[0].activated == 1);
  CHECK(s.seats[0].recovered == 1);
  CHECK(s.seats[0].anchored == 0);
  CHECK(s.seats[1].anchored == 1);
  CHECK(s.seats[1].anchored_recovered == 1);
  CHECK(s.seats[1].activated == 0);
  CHECK_FALSE(e.ongoing());
}

TEST_CASE("episode: B activated with A anchoring names B and A", "[episodes]") {
  CoregulationEpisodes e(45000, 100);
  feed(e, rep('s', 50), rep('s', 5) + rep('x', 20) + rep('s', 25));
  const EpisodeSummary s = e.summary();
  REQUIRE(s.episodes.size() == 1);
  CHECK(s.episodes[0].activated == Seat::B);
  CHECK(s.episodes[0].anchor == Seat::A);
  CHECK(s.episodes[0].duration_s() == 20.0);
  CHECK(s.seats[1].recovered == 1);
  CHECK(s.seats[0].anchored == 1);
}

TEST_CASE("episode: the anchor activating too ends it escalated, and settling first makes them the anchor", "[episodes]") {
  CoregulationEpisodes e(45000, 100);
  // A activates at 10; B activates at 25 (co-escalation); B settles at 50
  // while A is still activated: B now anchors A, who settles at 70.
  feed(e, rep('s', 10) + rep('x', 60) + rep('s', 10), rep('s', 25) + rep('x', 25) + rep('s', 30));
  const EpisodeSummary s = e.summary();
  REQUIRE(s.total == 2);
  CHECK(s.episodes[0].outcome == EpisodeOutcome::Escalated);
  CHECK(s.episodes[0].start_ms == 10000);
  CHECK(s.episodes[0].end_ms == 25000);
  CHECK(s.episodes[1].outcome == EpisodeOutcome::Recovered);
  CHECK(s.episodes[1].activated == Seat::A);
  CHECK(s.episodes[1].anchor == Seat::B);
  CHECK(s.episodes[1].start_ms == 50000);
  CHECK(s.episodes[1].end_ms == 70000);
  CHECK(s.escalated == 1);
  CHECK(s.recovered == 1);
  CHECK(*s.median_recovery_s == 20.0);
  CHECK(s.seats[0].activated == 2);
  CHECK(s.seats[1].anchored == 2);
  CHECK(s.seats[1].anchored_recovered == 1);
}

TEST_CASE("episode: the anchor shutting down or a swap ends it lost", "[episodes]") {
  SECTION("anchor shuts down") {
    CoregulationEpisodes e(45000, 100);
    feed(e, rep('s', 5) + rep('x', 20), rep('s', 15) + rep('d', 10));
    const EpisodeSummary s = e.summary();
    REQUIRE(s.total == 1);
    CHECK(s.episodes[0].outcome == EpisodeOutcome::Lost);
    CHECK(s.episodes[0].end_ms == 15000);
    CHECK(s.lost == 1);
    CHECK_FALSE(s.median_recovery_s);
  }
  SECTION("the activated one shuts down") {
    CoregulationEpisodes e(45000, 100);
    feed(e, rep('s', 5) + rep('x', 10) + rep('d', 5), rep('s', 20));
    CHECK(e.summary().episodes.at(0).outcome == EpisodeOutcome::Lost);
  }
  SECTION("swap in one step: lost, and a new episode with the roles exchanged") {
    CoregulationEpisodes e(45000, 100);
    feed(e, rep('s', 5) + rep('x', 10) + rep('s', 30), rep('s', 15) + rep('x', 10) + rep('s', 20));
    const EpisodeSummary s = e.summary();
    REQUIRE(s.total == 2);
    CHECK(s.episodes[0].outcome == EpisodeOutcome::Lost);
    CHECK(s.episodes[0].end_ms == 15000);
    CHECK(s.episodes[1].activated == Seat::B);
    CHECK(s.episodes[1].anchor == Seat::A);
    CHECK(s.episodes[1].start_ms == 15000);
    CHECK(s.episodes[1].outcome == EpisodeOutcome::Recovered);
    CHECK(s.episodes[1].duration_s() == 10.0);
  }
}

TEST_CASE("episode: a short signal loss is bridged, a long one ends it lost", "[episodes]") {
  SECTION("loss of 5 s with a 5 s tolerance: still one recovered episode, loss included") {
    CoregulationEpisodes e(5000, 100);
    feed(e, rep('s', 5) + rep('x', 10) + rep('u', 5) + rep('x', 5) + rep('s', 5),
         rep('s', 30));
    const EpisodeSummary s = e.summary();
    REQUIRE(s.total == 1);
    CHECK(s.episodes[0].outcome == EpisodeOutcome::Recovered);
    CHECK(s.episodes[0].duration_s() == 20.0);
  }
  SECTION("the anchor's signal lost 6 s with a 5 s tolerance: lost at the 6th second") {
    CoregulationEpisodes e(5000, 100);
    feed(e, rep('s', 5) + rep('x', 25), rep('s', 15) + rep('u', 6) + rep('s', 9));
    const EpisodeSummary s = e.summary();
    // The same configuration resuming after the loss opens nothing new.
    REQUIRE(s.total == 1);
    CHECK(s.episodes[0].outcome == EpisodeOutcome::Lost);
    CHECK(s.episodes[0].end_ms == 20000);
    CHECK_FALSE(e.ongoing());
  }
  SECTION("two separate short losses do not add up") {
    CoregulationEpisodes e(5000, 100);
    feed(e, rep('s', 5) + rep('x', 5) + rep('u', 4) + rep('x', 2) + rep('u', 4) + rep('x', 2) + rep('s', 3),
         rep('s', 25));
    const EpisodeSummary s = e.summary();
    REQUIRE(s.total == 1);
    CHECK(s.episodes[0].outcome == EpisodeOutcome::Recovered);
    CHECK(s.episodes[0].duration_s() == 17.0);
  }
}

TEST_CASE("episode: still under way at the end is reported open, with its elapsed time live", "[episodes]") {
  CoregulationEpisodes e(45000, 100);
  feed(e, rep('u', 10) + rep('s', 10) + rep('x', 31), rep('u', 10) + rep('s', 41));
  const auto live = e.ongoing();
  REQUIRE(live);
  CHECK(live->activated == Seat::A);
  CHECK(live->anchor == Seat::B);
  CHECK(live->elapsed_s == 30.0);
  const EpisodeSummary s = e.summary();
  REQUIRE(s.total == 1);
  CHECK(s.open == 1);
  CHECK(s.episodes[0].outcome == EpisodeOutcome::Open);
  CHECK(s.episodes[0].start_ms == 20000);
  CHECK(s.episodes[0].end_ms == 50000);
  CHECK(s.seats[0].activated == 1);
  CHECK(s.seats[1].anchored == 1);
  CHECK_FALSE(s.mean_recovery_s);
  // Taking the summary changes nothing: the episode goes on and recovers.
  feed(e, "s", "s", 51);
  CHECK(e.summary().episodes.at(0).outcome == EpisodeOutcome::Recovered);
  CHECK(e.summary().total == 1);
}

TEST_CASE("episode: activated when the signal first becomes known opens one", "[episodes]") {
  CoregulationEpisodes e(45000, 100);
  feed(e, rep('u', 5) + rep('x', 5) + rep('s', 2), rep('u', 5) + rep('s', 7));
  const EpisodeSummary s = e.summary();
  REQUIRE(s.total == 1);
  CHECK(s.episodes[0].start_ms == 5000);
  CHECK(s.episodes[0].outcome == EpisodeOutcome::Recovered);
}

TEST_CASE("episode: flapping states count every episode, the list is capped, the median is exact", "[episodes]") {
  CoregulationEpisodes e(45000, 10);
  std::string a, b;
  for (int i = 0; i < 100; ++i) a += "xs";
  b = rep('s', 200);
  feed(e, a, b);
  const EpisodeSummary s = e.summary();
  CHECK(s.total == 100);
  CHECK(s.recovered == 100);
  CHECK(s.episodes.size() == 10);
  CHECK(s.episodes[9].start_ms == 18000);
  CHECK(*s.median_recovery_s == 1.0);
  CHECK(*s.mean_recovery_s == 1.0);
  CHECK(s.seats[0].recovered == 100);
  CHECK(s.seats[1].anchored == 100);
}

TEST_CASE("episode: median and mean recovery over odd and even counts", "[episodes]") {
  CoregulationEpisodes e(45000, 100);
  // Recoveries of 10, 60, 20 s (A, B, A).
  feed(e, "s" + rep('x', 10) + rep('s', 62) + rep('x', 20) + "s",
       "s" + rep('s', 11) + rep('x', 60) + rep('s', 22));
  EpisodeSummary s = e.summary();
  REQUIRE(s.recovered == 3);
  CHECK(*s.median_recovery_s == 20.0);
  CHECK(*s.mean_recovery_s == 30.0);
  // A fourth of 30 s: median (20 + 30) / 2.
  feed(e, rep('x', 30) + "s", rep('s', 31), 94);
  s = e.summary();
  REQUIRE(s.recovered == 4);
  CHECK(*s.median_recovery_s == 25.0);
  CHECK(*s.mean_recovery_s == 30.0);
}

TEST_CASE("episode: a silent stretch in O(1) equals as many UNKNOWN seconds", "[episodes]") {
  for (const int n : {1, 3, 5, 6, 7, 40}) {
    CoregulationEpisodes bulk(5000, 100), one(5000, 100);
    const std::string a = rep('s', 5) + rep('x', 10), b = rep('s', 15);
    feed(bulk, a, b);
    feed(one, a, b);
    bulk.observe_unknown(15000, n);
    feed(one, rep('u', n), rep('u', n), 15);
    feed(bulk, "xs", "ss", 15 + n);
    feed(one, "xs", "ss", 15 + n);
    const auto x = bulk.summary(), y = one.summary();
    INFO("silent seconds " << n);
    REQUIRE(x.total == y.total);
    for (std::size_t i = 0; i < x.episodes.size(); ++i) {
      CHECK(x.episodes[i].outcome == y.episodes[i].outcome);
      CHECK(x.episodes[i].end_ms == y.episodes[i].end_ms);
    }
    CHECK(x.episodes.at(0).outcome == (n <= 5 ? EpisodeOutcome::Recovered : EpisodeOutcome::Lost));
  }
}

TEST_CASE("least-squares slope by hand", "[arousal_trend]") {
  const double t[] = {0, 1, 2, 3};
  const double y[] = {1, 3, 5, 7};
  CHECK(*least_squares_slope(t, y, 4) == Approx(2.0).epsilon(1e-15));
  const double y2[] = {0, 1, 0, 1};
  CHECK(*least_squares_slope(t, y2, 4) == Approx(0.2).epsilon(1e-12));
  const double flat_t[] = {1, 1, 1};
  CHECK_FALSE(least_squares_slope(flat_t, y, 3));
  CHECK_FALSE(least_squares_slope(t, y, 1));
}

namespace {

// One second of the pair: arousal of both and the concordance r.
struct PairSecond {
  double a1, a2, r;
};

// Runs the trend detector over seconds 0..n-1; returns the first second at
// which it fires (-1: never).
int first_rising(const ArousalTrendThresholds& th, const std::function<PairSecond(int)>& at, int n) {
  ArousalTrend trend(th);
  for (int i = 0; i < n; ++i) {
    const PairSecond p = at(i);
    if (trend.step(static_cast<std::int64_t>(i) * 1000, p.a1, p.a2, p.r)) return i;
  }
  return -1;
}

}  // namespace

TEST_CASE("rising together: both ramps with rising concordance fire, each missing condition does not", "[arousal_trend]") {
  const ArousalTrendThresholds th = ArousalTrendThresholds::from(EngineConfig{});
  CHECK(th.window_ms == 20000);
  // Both climb 0.1 per second (6 per minute) from second 40; r climbs from 0.2.
  auto ramp = [](int i) { return i < 40 ? 0.0 : 0.1 * (i - 40); };
  auto conc = [](int i) { return i < 40 ? 0.2 : std::min(0.95, 0.2 + 0.03 * (i - 40)); };
  const int fired = first_rising(th, [&](int i) { return PairSecond{ramp(i), ramp(i), conc(i)}; }, 120);
  // Slopes need the window past the bend, the floor 0.5 at 45 s, r >= 0.5 at 50 s.
  CHECK(fired >= 50);
  CHECK(fired <= 60);
  // One partner flat: no.
  CHECK(first_rising(th, [&](int i) { return PairSecond{ramp(i), 0.8, conc(i)}; }, 120) == -1);
  // Concordance high but not rising: no.
  CHECK(first_rising(th, [&](int i) { return PairSecond{ramp(i), ramp(i), 0.9}; }, 120) == -1);
  // Concordance rising but low: no.
  CHECK(first_rising(th, [&](int i) { return PairSecond{ramp(i), ramp(i), 0.4 * conc(i)}; }, 120) == -1);
  // Both climbing back toward baseline from far below (under the floor): no.
  CHECK(first_rising(th, [&](int i) { return PairSecond{ramp(i) - 5.0, ramp(i) - 5.0, conc(i)}; }, 90) == -1);
  // A missing second inside the window stops it until the window is whole again.
  ArousalTrend gap(th);
  int fires = 0;
  for (int i = 0; i < 120; ++i) {
    if (i == 70) continue;
    if (gap.step(static_cast<std::int64_t>(i) * 1000, ramp(i), ramp(i), conc(i))) {
      ++fires;
      CHECK((i < 70 || i >= 90));
    }
  }
  CHECK(fires > 0);
}

TEST_CASE("episode and co-rise parameters are recorded and refused when unusable", "[episodes][config]") {
  const std::string json = EngineConfig{}.to_json();
  for (const char* key : {"\"co_rise_window_ms\":20000", "\"co_rise_min_slope_per_min\":2",
                          "\"co_rise_min_arousal\":0.5", "\"co_rise_min_concordance\":0.5",
                          "\"co_rise_min_concordance_gain\":0.05", "\"episode_max_signal_loss_ms\":45000",
                          "\"episode_list_max\":100"}) {
    INFO(key);
    CHECK(json.find(key) != std::string::npos);
  }
  CHECK(EngineConfig{}.problems().empty());
  auto bad = [](auto change) {
    EngineConfig c;
    change(c);
    return !c.problems().empty();
  };
  CHECK(bad([](EngineConfig& c) { c.co_rise_window_ms = 1500; }));
  CHECK(bad([](EngineConfig& c) { c.co_rise_window_ms = 90000; }));
  CHECK(bad([](EngineConfig& c) { c.co_rise_min_slope_per_min = 0.0; }));
  CHECK(bad([](EngineConfig& c) { c.co_rise_min_arousal = std::nan(""); }));
  CHECK(bad([](EngineConfig& c) { c.co_rise_min_concordance = 1.5; }));
  CHECK(bad([](EngineConfig& c) { c.co_rise_min_concordance_gain = -0.1; }));
  CHECK(bad([](EngineConfig& c) { c.episode_max_signal_loss_ms = -1; }));
  CHECK(bad([](EngineConfig& c) { c.episode_list_max = -1; }));
}
