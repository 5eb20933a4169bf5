// Heart-rate synchrony above chance over a span of windows (Moulder, Boker,
// Ramseyer & Tschacher 2018, Psychol Methods 23:757: the windowed
// cross-correlation of the real pair is summarised over all its windows and
// compared with the same summary for surrogate pairs in which one partner's
// series is circularly shifted).
//
// Why not one window: the |peak r| of a single 30 s window varies so much
// from window to window, in real and surrogate pairs alike, that a coupled
// pair rarely stood out (simulated couples, coupling 0.6: 12.8 % of tests).
// Coupling at a consistent lag adds up when the windows' r are averaged
// lag by lag before the peak is taken, while chance correlations at
// scattered lags cancel (the "lag profile" of the WCC matrix, Boker et al.
// 2002, Fig. 3). The peak of that profile is a maximum of absolute values,
// whose surrogate distribution is right-skewed: a z on it was liberal
// (independent couples above 1.96 in 6.3 % of tests), so the z is taken on
// its logarithm (2.5-3.1 %). Measured in tests/unit/core/
// test_above_chance_rates.cpp; docs/metrics.md "Above chance".
//
// Since 0.5.0 the engine prewhitens both series first (prewhitening.hpp:
// low-pass below 0.15 Hz, 1 Hz, first difference; WccSpanSettings
// lowpass_*, decimation): with the level series, autocorrelated drift and
// respiratory sinus arrhythmia made chance correlations so large that
// coupled couples scored above chance in only 54-58 % of tests;
// prewhitened, over 300 s, in 96-97 % (independent: 2-3 %).
//
// x, y: the same M grid points of both partners (the span, ending at the
// WCC window end; with prewhitening, the steps below apply to the
// prewhitened points, the last of which ends the span). Windows of n points with lags -L..L (as
// windowed_cross_correlation: x_i = X[L + i - max(j, 0)], y_i = X[L + i -
// max(-j, 0)] of the window's n + L points) end at M-1, M-1-step, ... while
// the window and its lags fit in the span. Profile P(j) = mean over the
// windows of r(j); statistic = log(max_j |P(j)|). Surrogate s: y_s[i] =
// y[(i - s) mod M], the same statistic; shifts s = min_shift, min_shift +
// shift_step, ..., <= M - min_shift. A surrogate with a flat window
// (population SD <= min_sd) is skipped; a flat window of the real pair
// leaves no statistic. r is computed from span-centred y and window-centred
// x with prefix sums (agrees with two-pass r to ~1e-13).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace attune::core {

struct WccSpanSettings {
  std::size_t n = 120;           // window length (points)
  std::size_t max_lag = 20;      // L (points)
  std::size_t window_step = 80;  // between window ends (points)
  std::size_t min_shift = 80;    // smallest circular shift (points)
  std::size_t shift_step = 16;   // between shifts (points)
  double min_sd = 1e-6;
  // Prewhitening (prewhitening.hpp) of both series before everything above:
  // low-pass FIR of lowpass_taps input points (odd; 0: none) with its
  // cutoff at lowpass_fc cycles per input point, taken every `decimation`
  // input points, then the first difference. The span then has
  // (M - lowpass_taps) / decimation points, and n, max_lag, window_step,
  // min_shift and shift_step count on that grid.
  std::size_t lowpass_taps = 0;
  double lowpass_fc = 0.0;
  std::size_t decimation = 1;
};

struct WccSpanTest {
  std::optional<double> statistic;  // real pair: log of the lag profile's peak |mean r|
  std::vector<double> surrogates;   // the same for each shifted pair
  std::size_t windows = 0;
};

WccSpanTest wcc_span_test(const std::vector<double>& x, const std::vector<double>& y,
                          const WccSpanSettings& s);

}  // namespace attune::core
