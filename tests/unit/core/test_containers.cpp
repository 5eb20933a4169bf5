// The engine's small containers (issue 3, memory): each against the plain
// form it replaced, on the same sequences.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "core/beat_classification.hpp"
#include "core/beat_series.hpp"
#include "core/held.hpp"
#include "core/leader_window.hpp"
#include "core/resample_spline.hpp"
#include "core/ring_queue.hpp"
#include "core/sorted_window.hpp"
#include "core/synchrony_engine.hpp"
#include "core_test_util.hpp"

using namespace attune::core;

TEST_CASE("RingQueue keeps FIFO order across growth and wrap and is searchable by position") {
  RingQueue<int> q;
  std::deque<int> ref;
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    if (ref.empty() || rng() % 3 != 0) {
      q.push_back(i);
      ref.push_back(i);
    } else {
      q.pop_front();
      ref.pop_front();
    }
    REQUIRE(q.size() == ref.size());
    if (!ref.empty()) {
      REQUIRE(q.front() == ref.front());
      REQUIRE(q.back() == ref.back());
      const int probe = ref[ref.size() / 2];
      const auto it = std::lower_bound(q.begin(), q.end(), probe);
      REQUIRE(it - q.begin() == static_cast<std::ptrdiff_t>(ref.size() / 2));
    }
  }
  q.release();
  CHECK(q.empty());
  CHECK(q.capacity() == 0);
}

TEST_CASE("RingQueue drops and copies ranges across the wrap as a deque would") {
  RingQueue<float> q;
  std::deque<float> ref;
  std::mt19937 rng(11);
  for (int i = 0; i < 3000; ++i) {
    const int pushes = static_cast<int>(rng() % 9);
    for (int j = 0; j < pushes; ++j) {
      const float v = static_cast<float>(i) + 0.25f * static_cast<float>(j);
      q.push_back(v);
      ref.push_back(v);
    }
    const std::size_t drop = ref.empty() ? 0 : rng() % (ref.size() / 4 + 1);
    q.drop_front(drop);
    ref.erase(ref.begin(), ref.begin() + static_cast<std::ptrdiff_t>(drop));
    REQUIRE(q.size() == ref.size());
    if (ref.empty()) continue;
    const std::size_t from = rng() % ref.size();
    const std::size_t n = rng() % (ref.size() - from + 1);
    std::vector<double> got{-1.0}, want{-1.0};  // appended after what was there
    q.append_to(from, n, got);
    want.insert(want.end(), ref.begin() + static_cast<std::ptrdiff_t>(from),
                ref.begin() + static_cast<std::ptrdiff_t>(from + n));
    REQUIRE(got == want);
  }
}

TEST_CASE("LeaderWindow counts the seconds of its window as the queue it replaced") {
  // The queue it replaced: (T, lead) of each second with a valid WCC,
  // dropped when T' <= T'' - window.
  for (const std::int64_t window_ms : {300000, 20000, 2500, 1000}) {
    LeaderWindow w(window_ms);
    std::deque<std::pair<std::int64_t, Lead>> ref;
    std::mt19937 rng(static_cast<unsigned>(window_ms));
    std::int64_t t = 1'700'000'000'000;
    for (int i = 0; i < 4000; ++i) {
      // Mostly consecutive seconds, sometimes a skipped stretch (no WCC,
      // or a silent room), sometimes a long silence.
      const unsigned r = rng() % 100;
      t += 1000 * (r < 85 ? 1 : r < 98 ? 1 + static_cast<std::int64_t>(rng() % 40) : 400);
      const bool valid = rng() % 5 != 0;
      const Lead lead = static_cast<Lead>(1 + rng() % 3);
      if (valid) {
        w.add(t, lead);
        ref.emplace_back(t, lead);
      }
      w.advance(t);
      while (!ref.empty() && ref.front().first <= t - window_ms) ref.pop_front();
      std::size_t first = 0, second = 0;
      for (const auto& e : ref) {
        first += e.second == Lead::First ? 1 : 0;
        second += e.second == Lead::Second ? 1 : 0;
      }
      REQUIRE(w.size() == ref.size());
      REQUIRE(w.first_leads() == first);
      REQUIRE(w.second_leads() == second);
    }
  }
}

TEST_CASE("Held publishes the fresh value when due and holds it between and drops it when not live") {
  Held<double> h;
  CHECK_FALSE(h.update(true, false, 1.0));         // nothing computed yet
  CHECK(h.update(true, true, 2.0) == 2.0);         // due: fresh
  CHECK(h.update(true, false, 3.0) == 2.0);        // between: held
  CHECK_FALSE(h.update(true, true, std::nullopt)); // due and absent: absent
  CHECK(h.update(true, true, 4.0) == 4.0);
  CHECK_FALSE(h.update(false, false, 5.0));        // input stopped: dropped
  CHECK_FALSE(h.value());
}

TEST_CASE("A refitted spline gives the values of a fresh fit on a grid or at points") {
  std::mt19937 rng(3);
  NaturalCubicSpline reused;
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> x, y;
    double t = -40.0 + 0.1 * trial;
    for (int i = 0; i < 30 + trial; ++i) {
      t += 0.5 + (rng() % 1000) / 1000.0;
      x.push_back(t);
      y.push_back(60.0 + (rng() % 2000) / 100.0);
    }
    const auto fresh = NaturalCubicSpline::fit(x, y);
    REQUIRE(fresh);
    REQUIRE(reused.refit(x.data(), y.data(), x.size()));
    // The grid of beat_resampling: ((first + k) * step - origin) / 1000.
    const std::int64_t first = -150, origin = 0;
    const double step = 250.0;
    std::vector<double> xs, at_points, on_grid;
    for (std::size_t k = 0; k < 140; ++k)
      xs.push_back((static_cast<double>(first + static_cast<std::int64_t>(k)) * step - origin) / 1000.0);
    fresh->evaluate_increasing(xs, at_points);
    reused.evaluate_grid(first, xs.size(), step, origin, on_grid);
    REQUIRE(at_points == on_grid);  // bit for bit
    for (std::size_t k = 0; k < xs.size(); k += 17) REQUIRE((*fresh)(xs[k]) == on_grid[k]);
  }
  CHECK_FALSE(reused.refit(std::vector<double>{1, 0}.data(), std::vector<double>{1, 2}.data(), 2));
}


TEST_CASE("a clinician seat whose state is created late behaves as one that existed from the start") {
  // The engine creates the clinician's state when the clinician first sends
  // something. Engine `early` is made to create it at once (an empty
  // respiration chunk changes nothing else); `late` only when the
  // clinician's beats start at 200 s. Every snapshot and the summary must
  // be the same.
  using attune::core::test::beats_from_hr;
  constexpr std::int64_t t0 = 1'700'000'000'000;
  SynchronyEngine early, late;
  CHECK(early.add_respiration(Seat::Clinician, t0, 25.0, nullptr, 0) == 0);
  const auto a = beats_from_hr([](double t) { return 70 + 5 * std::sin(t / 7); }, t0, t0 + 400000);
  const auto b = beats_from_hr([](double t) { return 64 + 6 * std::sin(t / 9 + 1); }, t0, t0 + 400000);
  const auto c = beats_from_hr([](double t) { return 75 + 4 * std::sin(t / 5); }, t0 + 200000, t0 + 400000);
  std::vector<Snapshot> s_early, s_late;
  std::size_t ia = 0, ib = 0, ic = 0;
  for (std::int64_t t = t0 + 1000; t <= t0 + 400000; t += 1000) {
    for (SynchronyEngine* e : {&early, &late}) {
      for (std::size_t i = ia; i < a.size() && a[i].t_ms <= t; ++i) e->add_beat(Seat::A, a[i]);
      for (std::size_t i = ib; i < b.size() && b[i].t_ms <= t; ++i) e->add_beat(Seat::B, b[i]);
      for (std::size_t i = ic; i < c.size() && c[i].t_ms <= t; ++i) e->add_beat(Seat::Clinician, c[i]);
    }
    while (ia < a.size() && a[ia].t_ms <= t) ++ia;
    while (ib < b.size() && b[ib].t_ms <= t) ++ib;
    while (ic < c.size() && c[ic].t_ms <= t) ++ic;
    early.advance_to(t, [&](const Snapshot& s) { s_early.push_back(s); });
    late.advance_to(t, [&](const Snapshot& s) { s_late.push_back(s); });
  }
  REQUIRE(s_early.size() == s_late.size());
  REQUIRE(s_late.back().pairs.size() == 3);  // the clinician's pairs ran
  REQUIRE(s_late.back().participants[2].hr_bpm);
  for (std::size_t i = 0; i < s_early.size(); ++i) REQUIRE(attune::core::test::same_bits(s_early[i], s_late[i]));
  const EngineSummary x = early.summary(), y = late.summary();
  REQUIRE(x.pairs.size() == y.pairs.size());
  for (std::size_t i = 0; i < kSeatCount; ++i) {
    CHECK(x.participants[i].present == y.participants[i].present);
    CHECK(x.participants[i].beats_received == y.participants[i].beats_received);
    CHECK(x.participants[i].mean_hr_bpm == y.participants[i].mean_hr_bpm);
    CHECK(x.participants[i].time_in_state.unknown == y.participants[i].time_in_state.unknown);
    CHECK(x.participants[i].time_in_state.settled == y.participants[i].time_in_state.settled);
  }
  for (std::size_t i = 0; i < x.pairs.size(); ++i) {
    CHECK(x.pairs[i].windows == y.pairs[i].windows);
    CHECK(x.pairs[i].mean_wcc_r0 == y.pairs[i].mean_wcc_r0);
    CHECK(x.pairs[i].leader_first_share == y.pairs[i].leader_first_share);
  }
}

TEST_CASE("each stored beat knows its segment start after older beats and segments are dropped") {
  EngineConfig cfg;
  cfg.max_buffered_beats = 16;
  BeatSeries s(cfg);
  // Segments of 5 beats 800 ms apart, separated by gaps longer than max_gap.
  std::vector<std::pair<std::int64_t, std::int64_t>> added;  // (t, its segment start)
  std::int64_t t = 1000, start = 1000;
  for (int i = 0; i < 60; ++i) {
    if (i % 5 == 0) {
      t += cfg.max_gap_ms + 1000;
      start = t;
    } else {
      t += 800;
    }
    REQUIRE(s.add({t, 800, 0}) == BeatVerdict::Accepted);
    added.emplace_back(t, start);
    if (i == 40) s.prune_before(t - 2000);  // time advancing drops more
    if (i == 51) s.prune_before(t + 1);     // all of them, mid-segment
    // Every beat still stored, against what was added.
    const auto& b = s.beats();
    const std::size_t first = added.size() - b.size();
    for (std::size_t k = 0; k < b.size(); ++k) {
      REQUIRE(b[k].t_ms == added[first + k].first);
      REQUIRE(s.segment_start_ms(k) == added[first + k].second);
    }
  }
}

TEST_CASE("SortedWindow holds the last values sorted as sorting them would") {
  for (const std::size_t cap : {1u, 2u, 11u, 91u}) {
    SortedWindow w(cap);
    std::deque<double> last;
    std::mt19937 rng(static_cast<unsigned>(cap));
    for (int i = 0; i < 1000; ++i) {
      const double v = static_cast<double>(rng() % 20);  // many equal values
      w.push(v);
      last.push_back(v);
      if (last.size() > cap) last.pop_front();
      std::vector<double> sorted(last.begin(), last.end());
      std::sort(sorted.begin(), sorted.end());
      REQUIRE(w.size() == sorted.size());
      REQUIRE(w.quantile(0.0) == sorted.front());
      REQUIRE(w.quantile(1.0) == sorted.back());
      REQUIRE(w.quantile(0.25) == quantile_linear(sorted, 0.25));
      REQUIRE(w.quantile(0.75) == quantile_linear(sorted, 0.75));
    }
  }
}
