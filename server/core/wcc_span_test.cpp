#include "core/wcc_span_test.hpp"

#include <algorithm>
#include <cmath>

#include "core/numeric.hpp"
#include "core/prewhitening.hpp"
#include "core/surrogate_test.hpp"

namespace attune::core {
namespace {

// log(0) guard: a peak below this is "no correlation" on any scale.
constexpr double kPeakFloor = 1e-12;

}  // namespace

WccSpanTest wcc_span_test(const std::vector<double>& x_in, const std::vector<double>& y_in,
                          const WccSpanSettings& st) {
  WccSpanTest out;
  if (y_in.size() != x_in.size()) return out;
  // Prewhitened series (prewhitening.hpp), or the HR itself without a filter.
  std::vector<double> x_pw, y_pw;
  if (st.lowpass_taps > 0) {
    const std::vector<double> h = lowpass_fir_taps(st.lowpass_taps, st.lowpass_fc);
    if (h.empty()) return out;
    x_pw = lowpass_first_difference(x_in, h, st.decimation);
    y_pw = lowpass_first_difference(y_in, h, st.decimation);
  }
  const std::vector<double>& x = st.lowpass_taps > 0 ? x_pw : x_in;
  const std::vector<double>& y = st.lowpass_taps > 0 ? y_pw : y_in;
  const std::size_t m = x.size();
  const std::size_t n = st.n, lags = st.max_lag;
  if (n < 2 || y.size() != m || m < n + lags || st.window_step == 0) return out;
  const double min_ss = st.min_sd * st.min_sd * static_cast<double>(n);

  // y centred on its span mean, written twice so that every window of every
  // rotation is contiguous: y_s[b + i] = cy2[(b - s) mod M + i]. Prefix sums
  // of it give each window's sum and sum of squares in O(1).
  double mean_y = 0.0;
  for (double v : y) mean_y += v;
  mean_y /= static_cast<double>(m);
  std::vector<double> cy2(2 * m), p1(2 * m + 1, 0.0), p2(2 * m + 1, 0.0);
  for (std::size_t i = 0; i < 2 * m; ++i) {
    cy2[i] = y[i % m] - mean_y;
    p1[i + 1] = p1[i] + cy2[i];
    p2[i + 1] = p2[i] + cy2[i] * cy2[i];
  }

  // Window ends (inclusive index) and, per end and x offset o = max(j, 0),
  // the x window centred on its own mean (two-pass) and its sum of squares.
  std::vector<std::size_t> ends;
  for (std::size_t e = m - 1;; e -= st.window_step) {
    ends.push_back(e);
    if (e < st.window_step || e - st.window_step + 1 < n + lags) break;
  }
  out.windows = ends.size();
  std::vector<double> dx(ends.size() * (lags + 1) * n), saa(ends.size() * (lags + 1));
  for (std::size_t w = 0; w < ends.size(); ++w) {
    for (std::size_t o = 0; o <= lags; ++o) {
      const std::size_t a = ends[w] + 1 - n - o;
      double mean = 0.0;
      for (std::size_t i = 0; i < n; ++i) mean += x[a + i];
      mean /= static_cast<double>(n);
      double* d = &dx[(w * (lags + 1) + o) * n];
      double ss = 0.0;
      for (std::size_t i = 0; i < n; ++i) {
        d[i] = x[a + i] - mean;
        ss += d[i] * d[i];
      }
      if (!(ss > min_ss)) return out;  // flat x window: no test
      saa[w * (lags + 1) + o] = ss;
    }
  }

  // The statistic of the pair (x, y rotated by s); nullopt with a flat window.
  std::vector<double> profile(2 * lags + 1);
  const auto statistic = [&](std::size_t s) -> std::optional<double> {
    const int L = static_cast<int>(lags);
    std::fill(profile.begin(), profile.end(), 0.0);
    for (std::size_t w = 0; w < ends.size(); ++w) {
      for (int j = -L; j <= L; ++j) {
        const auto o = static_cast<std::size_t>(std::max(j, 0));
        const std::size_t a = ends[w] + 1 - n - o;  // x window start
        const std::size_t b = static_cast<std::size_t>(static_cast<long long>(a) + j);  // y window start
        const std::size_t u = (b + m - s) % m;
        const double sy = p1[u + n] - p1[u];
        const double sbb = (p2[u + n] - p2[u]) - sy * sy / static_cast<double>(n);
        if (!(sbb > min_ss)) return std::nullopt;
        // sum (x - mean x)(y - mean y) = sum (x - mean x) y: the x window is centred.
        const double sab = dot(&dx[(w * (lags + 1) + o) * n], &cy2[u], n);
        const double r = std::clamp(sab / std::sqrt(saa[w * (lags + 1) + o] * sbb), -1.0, 1.0);
        if (!std::isfinite(r)) return std::nullopt;
        profile[static_cast<std::size_t>(j + L)] += r;
      }
    }
    double peak = 0.0;
    for (double v : profile) peak = std::max(peak, std::fabs(v));
    peak /= static_cast<double>(ends.size());
    return std::log(std::max(peak, kPeakFloor));
  };

  out.statistic = statistic(0);
  if (!out.statistic) return out;
  for (std::size_t s : circular_shifts(m, st.min_shift, st.shift_step)) {
    if (const auto v = statistic(s)) out.surrogates.push_back(*v);
  }
  return out;
}

}  // namespace attune::core
