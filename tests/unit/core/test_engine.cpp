// The engine end to end: snapshot timing, calibration, states over time,
// pairs, summary, bad input, determinism and causality.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "core/synchrony_engine.hpp"
#include "core_test_util.hpp"

using namespace attune::core;
using namespace attune::core::test;

namespace {
const double kPi = std::acos(-1.0);

double slow_hr(double t_s) {
  return 70.0 + 4.0 * std::sin(2 * kPi * 0.031 * t_s) + 3.0 * std::sin(2 * kPi * 0.067 * t_s + 1.0) +
         2.0 * std::sin(2 * kPi * 0.113 * t_s + 2.0);
}

void feed(SynchronyEngine& e, Seat seat, const std::vector<Beat>& beats) {
  for (const auto& b : beats) e.add_beat(seat, b);
}

const ParticipantSnapshot& person(const Snapshot& s, Seat seat) {
  return s.participants[static_cast<std::size_t>(seat)];
}

// Deterministic pseudo-random numbers (no std distributions: their output
// differs between standard libraries).
struct Lcg {
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  std::uint64_t next() {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    return x >> 11;
  }
  double uniform() { return static_cast<double>(next()) / 9007199254740992.0; }
};
}  // namespace

TEST_CASE("snapshots start at the first beat's second and come once a second", "[engine]") {
  SynchronyEngine e;
  CHECK_FALSE(e.latest());
  feed(e, Seat::A, alternating_beats(1000, 10, 0, 20000));  // first beat at 1010
  const auto snaps = collect(e, 5500);
  REQUIRE(snaps.size() == 4);
  CHECK(snaps.front().t_ms == 2000);
  CHECK(snaps.back().t_ms == 5000);
  CHECK(e.latest()->t_ms == 5000);
  CHECK(collect(e, 5999).empty());  // no whole second crossed
  CHECK(collect(e, 3000).empty());  // earlier: no-op
  CHECK(collect(e, 6000).size() == 1);
  CHECK(e.latest()->shared == SharedState::Waiting);  // B absent
  CHECK(e.latest()->pairs.size() == 1);
}

TEST_CASE("calibration lasts the first 120 s of a person's data", "[engine]") {
  SynchronyEngine e;
  const auto a = alternating_beats(1000, 15, 0, 200000);
  feed(e, Seat::A, a);
  feed(e, Seat::B, alternating_beats(900, 20, 0, 200000));
  const std::int64_t t0 = a.front().t_ms;  // 1015
  for (const auto& s : collect(e, 200000)) {
    const bool before = s.t_ms < t0 + 120000;
    INFO("t = " << s.t_ms);
    CHECK(person(s, Seat::A).calibrating == before);
    if (before) {
      CHECK(person(s, Seat::A).state == RegulationState::Unknown);
      // B's first beat (920 ms) starts the clock; A joins at 1015 ms.
      CHECK(s.shared == (s.t_ms < 2000 ? SharedState::Waiting : SharedState::Calibrating));
    } else {
      CHECK(person(s, Seat::A).state == RegulationState::Settled);
      CHECK(person(s, Seat::A).arousal);
      CHECK((s.shared == SharedState::Settled || s.shared == SharedState::Connected));
    }
  }
  const auto sum = e.summary();
  REQUIRE(sum.participants[0].baseline_hr_bpm);
  CHECK(*sum.participants[0].baseline_hr_bpm == Approx(60.0).epsilon(1e-3));
  REQUIRE(sum.participants[0].baseline_ln_rmssd);
  CHECK(*sum.participants[0].baseline_ln_rmssd == Approx(std::log(30.0)).epsilon(1e-12));
}

TEST_CASE("activation, one-activated and co-escalation over time", "[engine]") {
  SynchronyEngine e;
  // Calm at 60 and 67 bpm, then A's heart speeds up and its HRV collapses at
  // 150 s, B's at 200 s.
  auto a = alternating_beats(1000, 15, 0, 150000);
  auto a2 = alternating_beats(700, 3, a.back().t_ms, 300000);
  a.insert(a.end(), a2.begin(), a2.end());
  auto b = alternating_beats(900, 20, 0, 200000);
  auto b2 = alternating_beats(650, 3, b.back().t_ms, 300000);
  b.insert(b.end(), b2.begin(), b2.end());
  feed(e, Seat::A, a);
  feed(e, Seat::B, b);

  std::optional<std::int64_t> a_activated, one_activated, co_escalation;
  double a_present_seconds = 0;
  for (const auto& s : collect(e, 300000)) {
    if (s.t_ms >= a.front().t_ms) a_present_seconds += 1;
    if (!a_activated && person(s, Seat::A).state == RegulationState::Activated) a_activated = s.t_ms;
    if (!one_activated && s.shared == SharedState::OneActivated) {
      one_activated = s.t_ms;
      REQUIRE(s.activated);
      CHECK(*s.activated == Seat::A);
    }
    if (!co_escalation && s.shared == SharedState::CoEscalation) co_escalation = s.t_ms;
    CHECK(all_finite(s));
  }
  REQUIRE(a_activated);
  // The hold is 10 s: not before 150 + 10 s (the first second above counts).
  CHECK(*a_activated >= 159000);
  // The index is a mean of z-terms (docs/metrics.md), so the 10 s smoothing
  // needs a few seconds of the step before it crosses 1.
  CHECK(*a_activated <= 168000);
  CHECK(one_activated == a_activated);
  REQUIRE(co_escalation);
  CHECK(*co_escalation >= 209000);
  CHECK(*co_escalation <= 218000);

  const auto sum = e.summary();
  const auto& pa = sum.participants[0];
  const double total = pa.time_in_state.unknown + pa.time_in_state.settled +
                       pa.time_in_state.activated + pa.time_in_state.shut_down;
  CHECK(total == a_present_seconds);  // counted from A's first beat
  CHECK(sum.data_seconds == 300.0);
  CHECK(pa.time_in_state.activated == Approx((300000 - *a_activated) / 1000 + 1));
  CHECK(sum.time_in_shared.co_escalation > 0);
  CHECK(sum.time_in_shared.one_activated > 0);
}

TEST_CASE("pairs with the clinician appear only while the clinician streams", "[engine]") {
  SynchronyEngine e;
  feed(e, Seat::A, beats_from_hr(slow_hr, 0, 120000));
  feed(e, Seat::B, beats_from_hr([](double t) { return slow_hr(t - 1.0); }, 0, 120000));
  feed(e, Seat::Clinician, beats_from_hr([](double t) { return slow_hr(t + 2.0); }, 60000, 100000));
  const auto snaps = collect(e, 120000);
  for (const auto& s : snaps) {
    const bool c = person(s, Seat::Clinician).streaming;
    REQUIRE(s.pairs.size() == (c ? 3u : 1u));
    CHECK(s.pairs[0].first == Seat::A);
    CHECK(s.pairs[0].second == Seat::B);
    if (c) {
      CHECK(s.pairs[1].second == Seat::Clinician);
      CHECK(s.pairs[2].first == Seat::B);
    }
  }
  CHECK(e.summary().pairs.size() == 3);
}

TEST_CASE("summary: counts, means and leader shares", "[engine]") {
  SynchronyEngine e;
  // B follows A by 1.5 s: A leads.
  feed(e, Seat::A, beats_from_hr(slow_hr, 0, 240000));
  feed(e, Seat::B, beats_from_hr([](double t) { return slow_hr(t - 1.5) + 5; }, 0, 240000));
  CHECK(e.add_beat(Seat::A, {1, 800, 0}) == BeatVerdict::Backwards);
  e.advance_to(240000);
  const auto s = e.summary();
  CHECK(s.data_seconds == 240.0);
  const auto& a = s.participants[0];
  CHECK(a.present);
  CHECK(a.beats_rejected == 1);
  CHECK(a.beats_received > 250);
  REQUIRE(a.mean_hr_bpm);
  CHECK(*a.mean_hr_bpm == Approx(70.0).margin(2.0));
  REQUIRE(s.pairs.size() == 1);
  const auto& p = s.pairs[0];
  CHECK(p.windows > 150);
  CHECK(p.leader_first_share > 0.9);
  CHECK(p.leader_second_share == 0.0);
  REQUIRE(p.mean_wcc_peak_r);
  CHECK(*p.mean_wcc_peak_r > 0.8);
  CHECK(*p.mean_abs_wcc_peak_r >= *p.mean_wcc_peak_r);
  CHECK_FALSE(s.participants[2].present);
}

TEST_CASE("bad input never crashes and never yields NaN or inf", "[engine][robustness]") {
  SynchronyEngine e;
  Lcg rng;
  const double specials[] = {std::nan(""), std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(), 1e308, -1e308, 0.0,
                             -800.0, 1e-300, 299.999, 2000.001};
  std::int64_t t = -50000;  // negative times are fine
  std::uint64_t snapshots = 0, bad = 0;
  const std::function<void(const Snapshot&)> check = [&](const Snapshot& s) {
    ++snapshots;
    if (!all_finite(s)) ++bad;
  };
  for (int i = 0; i < 20000; ++i) {
    const Seat seat = static_cast<Seat>(rng.next() % 3);
    const double u = rng.uniform();
    double rr = 400 + 800 * rng.uniform();
    if (u < 0.05) rr = specials[rng.next() % 10];
    std::int64_t step = static_cast<std::int64_t>(rr > 0 && rr < 3000 ? rr : 700);
    if (u > 0.97) step = static_cast<std::int64_t>(rng.next() % 10000000);  // gaps up to ~3 h
    if (u > 0.995) step = -static_cast<std::int64_t>(rng.next() % 5000);   // backwards
    if (u > 0.93 && u < 0.94) step = 0;                                      // duplicates
    t += step;
    const std::uint32_t flags = static_cast<std::uint32_t>(rng.next() % 16 == 0 ? rng.next() : 0);
    e.add_beat(seat, Beat{t, rr, flags});
    if (i % 1000 == 999) {  // a burst of 1000 beats 1 ms apart
      for (int k = 0; k < 1000; ++k) e.add_beat(seat, Beat{++t, 1.0, 0});
    }
    if (i % 7 == 0) e.advance_to(t, check);
  }
  e.add_beat(Seat::A, Beat{std::numeric_limits<std::int64_t>::max(), 800, 0});
  e.add_beat(Seat::A, Beat{std::numeric_limits<std::int64_t>::min(), 800, 0});
  e.add_beat(static_cast<Seat>(7), Beat{t + 1000, 800, 0});
  const auto start = std::chrono::steady_clock::now();
  e.advance_to(std::numeric_limits<std::int64_t>::max());  // silent to the end of time: O(1)
  e.advance_to(std::numeric_limits<std::int64_t>::min());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(snapshots > 100000);
  CHECK(bad == 0);
  REQUIRE(e.latest());
  CHECK(all_finite(*e.latest()));
  const auto sum = e.summary();
  CHECK(std::isfinite(sum.data_seconds));
  for (const auto& p : sum.participants) {
    CHECK(finite(p.mean_hr_bpm));
    CHECK(finite(p.mean_rmssd_ms));
    CHECK(std::isfinite(p.artifact_fraction));
  }
  for (const auto& p : sum.pairs) {
    CHECK(finite(p.mean_wcc_r0));
    CHECK(finite(p.mean_wcc_peak_r));
  }
}

TEST_CASE("flat heart rate (zero variance) yields no WCC and no NaN", "[engine][robustness]") {
  SynchronyEngine e;
  feed(e, Seat::A, alternating_beats(1000, 0, 0, 200000));
  feed(e, Seat::B, alternating_beats(800, 0, 0, 200000));
  for (const auto& s : collect(e, 200000)) {
    REQUIRE(all_finite(s));
    CHECK_FALSE(s.pairs[0].wcc_r0);
  }
  const auto& a = e.latest()->participants[0];
  REQUIRE(a.rmssd_ms);
  CHECK(*a.rmssd_ms == 0.0);
  CHECK(a.state == RegulationState::Settled);  // MAD floors keep z finite
}

TEST_CASE("two engines fed the same beats agree bit for bit", "[engine][determinism]") {
  auto run = [] {
    SynchronyEngine e;
    feed(e, Seat::A, beats_from_hr(slow_hr, 0, 400000));
    feed(e, Seat::B, beats_from_hr([](double t) { return slow_hr(t - 0.75) + 3; }, 500, 400000));
    feed(e, Seat::Clinician, beats_from_hr([](double t) { return 80 - slow_hr(t); }, 0, 300000));
    return collect(e, 400000);
  };
  const auto x = run();
  const auto y = run();
  REQUIRE(x.size() == y.size());
  for (std::size_t i = 0; i < x.size(); ++i) REQUIRE(same_bits(x[i], y[i]));
}

TEST_CASE("feeding beats ahead of time or second by second gives the same snapshots",
          "[engine][determinism]") {
  const auto a = beats_from_hr(slow_hr, 0, 300000);
  const auto b = beats_from_hr([](double t) { return slow_hr(t - 2.0) - 4; }, 0, 300000);

  SynchronyEngine ahead;
  feed(ahead, Seat::A, a);
  feed(ahead, Seat::B, b);
  const auto x = collect(ahead, 300000);

  SynchronyEngine live;  // beats arrive as time passes, a tick every second
  std::vector<Snapshot> y;
  std::size_t ia = 0, ib = 0;
  for (std::int64_t now = 0; now <= 300000; now += 250) {
    while (ia < a.size() && a[ia].t_ms <= now) live.add_beat(Seat::A, a[ia++]);
    while (ib < b.size() && b[ib].t_ms <= now) live.add_beat(Seat::B, b[ib++]);
    if (ia + ib == 0) continue;  // the room starts ticking with the first beat
    live.advance_to(now, [&y](const Snapshot& s) { y.push_back(s); });
  }
  REQUIRE(x.size() == y.size());
  for (std::size_t i = 0; i < x.size(); ++i) REQUIRE(same_bits(x[i], y[i]));
}

TEST_CASE("a long silence is skipped in O(1) and still counted", "[engine]") {
  SynchronyEngine e;
  feed(e, Seat::A, alternating_beats(1000, 10, 0, 60000));
  feed(e, Seat::B, alternating_beats(1000, 10, 0, 60000));
  const std::int64_t ten_hours = 10LL * 3600 * 1000;
  e.add_beat(Seat::A, {ten_hours + 500, 1000, 0});
  e.advance_to(ten_hours + 2000);
  const auto s = e.summary();
  CHECK(s.data_seconds == Approx(ten_hours / 1000.0 + 2 - 1));  // seconds 1 .. T
  CHECK(s.time_in_shared.waiting > 9 * 3600);
  CHECK(e.latest()->t_ms == ten_hours + 2000);
  CHECK(person(*e.latest(), Seat::A).streaming);
  // The same silence with a callback reports every second.
  SynchronyEngine f;
  feed(f, Seat::A, alternating_beats(1000, 10, 0, 60000));
  std::size_t calls = 0;
  f.advance_to(3600000, [&calls](const Snapshot&) { ++calls; });
  CHECK(calls == 3599);  // seconds 2000 .. 3600000 (first beat at 1010 ms)
}

TEST_CASE("configuration: JSON of every parameter, and bad values refused", "[engine][config]") {
  EngineConfig cfg;
  const std::string j = cfg.to_json();
  CHECK(j.front() == '{');
  CHECK(j.back() == '}');
  for (const char* key :
       {"\"algorithm_version\":\"attune-core/0.6.0\"", "\"rr_min_ms\":300", "\"rr_max_ms\":2000",
        "\"malik_fraction\":0.2", "\"max_gap_ms\":3000", "\"max_artifact_fraction\":0.1",
        "\"hr_window_ms\":5000", "\"rmssd_window_ms\":60000", "\"rmssd_min_ms\":30000",
        "\"baseline_ms\":120000", "\"arousal_smoothing_ms\":10000", "\"activate_above\":1",
        "\"activate_hold_ms\":10000", "\"settle_below\":0.5", "\"settle_hold_ms\":15000",
        "\"grid_hz\":4", "\"wcc_window_ms\":30000", "\"wcc_max_lag_ms\":5000",
        "\"leader_dead_zone_s\":0.5", "\"ln_rmssd_floor_ms\":1", "\"mad_scale\":1.4826",
        "\"baseline_hr_scale_floor_bpm\":4", "\"baseline_ln_rmssd_scale_floor\":0.25",
        "\"baseline_breath_scale_floor_bpm\":2",
        "\"baseline_min_values\":20", "\"connected_min_abs_r\":0.5",
        "\"wcc_spline_margin_ms\":5000", "\"wcc_max_knot_gap_ms\":5000", "\"wcc_min_sd_bpm\":1e-06",
        "\"max_buffered_beats\":20000"}) {
    INFO(key);
    CHECK(j.find(key) != std::string::npos);
  }
  CHECK(cfg.problems().empty());
  EngineConfig bad;
  bad.grid_hz = std::nan("");
  bad.settle_below = 2.0;
  CHECK(bad.problems().size() >= 2);
  CHECK_THROWS_AS(SynchronyEngine(bad), std::invalid_argument);
}
