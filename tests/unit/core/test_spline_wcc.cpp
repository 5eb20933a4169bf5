// Spline resampling and windowed cross-correlation: hand-checked values,
// the lag-pairing convention, and recovery of a known lag from beats.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "core/beat_series.hpp"
#include "core/heart_rate_synchrony.hpp"
#include "core/resample_spline.hpp"
#include "core/windowed_cross_correlation.hpp"
#include "core_test_util.hpp"

using namespace attune::core;
using attune::core::test::beats_from_hr;

namespace {
const double kPi = std::acos(-1.0);

// A non-periodic-looking slow heart-rate wave (periods 32, 15 and 8.8 s),
// so that no lag inside +-5 s imitates another.
double slow_hr(double t_s) {
  return 70.0 + 4.0 * std::sin(2 * kPi * 0.031 * t_s) + 3.0 * std::sin(2 * kPi * 0.067 * t_s + 1.0) +
         2.0 * std::sin(2 * kPi * 0.113 * t_s + 2.0);
}
}  // namespace

TEST_CASE("natural cubic spline by hand", "[spline]") {
  // Knots (0,0), (1,1), (2,0): M1 = -3, S(0.5) = -3/48 + 1.5/2 = 0.6875.
  const auto s = NaturalCubicSpline::fit({0, 1, 2}, {0, 1, 0});
  REQUIRE(s);
  CHECK((*s)(0.5) == Approx(0.6875).epsilon(1e-15));
  CHECK((*s)(1.5) == Approx(0.6875).epsilon(1e-15));
  CHECK((*s)(1.0) == 1.0);
  CHECK((*s)(-5.0) == 0.0);  // clamped to the knots, never extrapolated
}

TEST_CASE("natural spline reproduces a straight line exactly", "[spline]") {
  const std::vector<double> x{0, 0.7, 1.9, 2.2, 4.0, 5.5};
  std::vector<double> y;
  for (double v : x) y.push_back(3.0 * v - 2.0);
  const auto out = resample_spline(x, y, {0.1, 1.0, 2.0, 3.3, 5.4});
  REQUIRE(out);
  const std::vector<double> expect{-1.7, 1.0, 4.0, 7.9, 14.2};
  for (std::size_t i = 0; i < expect.size(); ++i) CHECK((*out)[i] == Approx(expect[i]).epsilon(1e-12));
}

TEST_CASE("spline refuses unusable knots", "[spline]") {
  CHECK_FALSE(NaturalCubicSpline::fit({0}, {1}));
  CHECK_FALSE(NaturalCubicSpline::fit({0, 0}, {1, 2}));
  CHECK_FALSE(NaturalCubicSpline::fit({1, 0}, {1, 2}));
  CHECK_FALSE(NaturalCubicSpline::fit({0, 1}, {1, std::nan("")}));
  CHECK_FALSE(NaturalCubicSpline::fit({0, 1, 2}, {1, 2}));
}

TEST_CASE("Pearson r and Fisher z", "[wcc]") {
  const double a[] = {1, 2, 3, 4};
  const double b[] = {2, 4, 6, 8.5};
  const double c[] = {-1, -2, -3, -4};
  const double flat[] = {5, 5, 5, 5};
  CHECK(*pearson_r(a, c, 4, 1e-6) == Approx(-1.0));
  // sab = 10.75, saa = 5, sbb = 23.1875
  CHECK(*pearson_r(a, b, 4, 1e-6) == Approx(10.75 / std::sqrt(5 * 23.1875)).epsilon(1e-14));
  CHECK_FALSE(pearson_r(a, flat, 4, 1e-6));
  CHECK(fisher_z(0.5) == Approx(std::atanh(0.5)));
  CHECK(std::isfinite(fisher_z(1.0)));
  CHECK(std::isfinite(fisher_z(-1.0)));
}

TEST_CASE("lag pairing: positive lag compares y with x taken earlier", "[wcc]") {
  // n = 4, L = 1: x and y hold 5 samples each.
  const std::vector<double> x{1, 3, 2, 5, 4};
  const std::vector<double> y{2, 1, 4, 3, 7};
  const auto w = windowed_cross_correlation(x, y, 4, 1, 1e-9);
  REQUIRE(w);
  REQUIRE(w->r_by_lag.size() == 3);
  // lag -1: x[1..4] with y[0..3]; lag 0: x[1..4] with y[1..4]; lag +1: x[0..3] with y[1..4].
  // (The WCC slides its window sums, pearson_r centres each window: equal
  // up to rounding.)
  CHECK(w->r_by_lag[0] == Approx(*pearson_r(&x[1], &y[0], 4, 1e-9)).epsilon(1e-13));
  CHECK(w->r_by_lag[1] == Approx(*pearson_r(&x[1], &y[1], 4, 1e-9)).epsilon(1e-13));
  CHECK(w->r_by_lag[2] == Approx(*pearson_r(&x[0], &y[1], 4, 1e-9)).epsilon(1e-13));
  CHECK(w->r0 == w->r_by_lag[1]);
}

TEST_CASE("WCC stays exact for nearly flat windows far from the series mean", "[wcc]") {
  // The first samples sit 50 bpm below the rest, whose windows vary by
  // ~1e-3 bpm: sums about the series' mean would cancel badly there, so the
  // WCC must centre those windows one by one (and agree with pearson_r).
  const std::size_t n = 40, L = 6;
  std::vector<double> x, y;
  for (std::size_t k = 0; k < n + L; ++k) {
    const double t = static_cast<double>(k);
    x.push_back((k < 3 ? 20.0 : 70.0) + 1e-3 * std::sin(0.7 * t));
    y.push_back(65.0 + 1e-3 * std::sin(0.7 * (t - 2.0)) + 2e-4 * std::cos(1.9 * t));
  }
  const auto w = windowed_cross_correlation(x, y, n, L, 1e-9);
  REQUIRE(w);
  const int lags = static_cast<int>(L);
  for (int j = -lags; j <= lags; ++j) {
    const auto x0 = static_cast<std::size_t>(lags - std::max(j, 0));
    const auto y0 = static_cast<std::size_t>(lags - std::max(-j, 0));
    const double expect = *pearson_r(&x[x0], &y[y0], n, 1e-9);
    CHECK(w->r_by_lag[static_cast<std::size_t>(j + lags)] == Approx(expect).epsilon(1e-12));
  }
}

TEST_CASE("WCC recovers a known lag on the grid, with its sign", "[wcc]") {
  const std::size_t n = 120, L = 20;
  auto grid = [](std::function<double(double)> f) {
    std::vector<double> v;
    for (std::size_t k = 0; k < n + L; ++k) v.push_back(f(100.0 + 0.25 * k));
    return v;
  };
  const auto first = grid(slow_hr);
  SECTION("second follows first by 2 s: lag +8 steps") {
    const auto second = grid([](double t) { return slow_hr(t - 2.0) - 5.0; });
    const auto w = windowed_cross_correlation(first, second, n, L, 1e-6);
    REQUIRE(w);
    CHECK(w->peak_lag_steps == 8);
    CHECK(w->peak_r == Approx(1.0).margin(1e-12));
  }
  SECTION("second leads first by 1.5 s: lag -6 steps") {
    const auto second = grid([](double t) { return slow_hr(t + 1.5); });
    const auto w = windowed_cross_correlation(first, second, n, L, 1e-6);
    REQUIRE(w);
    CHECK(w->peak_lag_steps == -6);
  }
  SECTION("anti-phase keeps the sign of the peak") {
    const auto second = grid([](double t) { return 140.0 - slow_hr(t - 1.0); });
    const auto w = windowed_cross_correlation(first, second, n, L, 1e-6);
    REQUIRE(w);
    CHECK(w->peak_lag_steps == 4);
    CHECK(w->peak_r == Approx(-1.0).margin(1e-12));
  }
  SECTION("wrong sizes are refused") {
    CHECK_FALSE(windowed_cross_correlation(first, first, n, L + 1, 1e-6));
  }
}

TEST_CASE("heart-rate synchrony from beats recovers the lag within one step", "[wcc]") {
  EngineConfig cfg;
  auto series = [&cfg](std::function<double(double)> hr) {
    BeatSeries s(cfg);
    for (const auto& b : beats_from_hr(hr, 0, 120000)) s.add(b);
    return s;
  };
  const BeatSeries a = series(slow_hr);
  const BeatSeries b_follows = series([](double t) { return slow_hr(t - 1.5) + 8.0; });
  const BeatSeries b_leads = series([](double t) { return slow_hr(t + 2.5) - 6.0; });

  for (std::int64_t T = 60000; T <= 120000; T += 10000) {
    const auto f = heart_rate_synchrony(a, b_follows, T, cfg);
    REQUIRE(f);
    CHECK(std::fabs(f->peak_lag_s - 1.5) <= 0.25);
    CHECK(f->peak_r > 0.9);
    CHECK(f->peak_z == Approx(std::atanh(f->peak_r)));
    const auto l = heart_rate_synchrony(a, b_leads, T, cfg);
    REQUIRE(l);
    CHECK(std::fabs(l->peak_lag_s + 2.5) <= 0.25);
  }
  SECTION("not enough data: the window with lags and margin must be covered") {
    CHECK_FALSE(heart_rate_synchrony(a, b_follows, 30000, cfg));
    CHECK(heart_rate_synchrony(a, b_follows, 45000, cfg));
  }
}

TEST_CASE("a gap inside the spline range invalidates synchrony", "[wcc]") {
  EngineConfig cfg;
  BeatSeries a(cfg), b(cfg);
  for (const auto& beat : beats_from_hr(slow_hr, 0, 120000)) {
    b.add(beat);
    if (beat.t_ms < 70000 || beat.t_ms > 74000) a.add(beat);
  }
  CHECK(heart_rate_synchrony(a, b, 65000, cfg));
  CHECK_FALSE(heart_rate_synchrony(a, b, 80000, cfg));   // gap inside the window
  CHECK_FALSE(heart_rate_synchrony(a, b, 108000, cfg));  // gap inside the spline margin
  CHECK(heart_rate_synchrony(a, b, 120000, cfg));        // gap left the range
}
