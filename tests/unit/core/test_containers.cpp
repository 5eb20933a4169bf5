// The engine's small containers (issue 3, memory): each against the plain
// form it replaced, on the same sequences.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <random>
#include <utility>
#include <vector>

#include "core/held.hpp"
#include "core/leader_window.hpp"
#include "core/resample_spline.hpp"
#include "core/ring_queue.hpp"

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
