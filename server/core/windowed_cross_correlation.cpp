#include "core/windowed_cross_correlation.hpp"

#include <algorithm>
#include <cmath>

#include "core/numeric.hpp"

namespace attune::core {

std::optional<double> pearson_r(const double* a, const double* b, std::size_t n, double min_sd) {
  if (n < 2) return std::nullopt;
  double mean_a = 0.0, mean_b = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    mean_a += a[i];
    mean_b += b[i];
  }
  mean_a /= static_cast<double>(n);
  mean_b /= static_cast<double>(n);
  double sab = 0.0, saa = 0.0, sbb = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double da = a[i] - mean_a;
    const double db = b[i] - mean_b;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  // Population SD compared with min_sd: a flat window has no correlation.
  const double min_ss = min_sd * min_sd * static_cast<double>(n);
  if (!(saa > min_ss) || !(sbb > min_ss)) return std::nullopt;
  const double r = sab / std::sqrt(saa * sbb);
  if (!std::isfinite(r)) return std::nullopt;
  return std::clamp(r, -1.0, 1.0);
}

double fisher_z(double r) {
  constexpr double kLimit = 1.0 - 1e-12;
  return std::atanh(std::clamp(r, -kLimit, kLimit));
}

namespace {

// Each x window starts at one of L + 1 positions p (L - max(j, 0)), and so
// does each y window. Per position: the window's sum and sum of squares
// about a common offset (the series' mean), slid from one position to the
// next in O(1); per lag one dot product of the offset series. Then
//   cov = sum(x'y') - sum(x') sum(y') / n,  var = sum(x'^2) - sum(x')^2 / n.
// That is a quarter of the work of centring every window (perf, issue 3).
// The offset keeps the cancellation small: the relative error is about
// 1e-16 x (window mean - offset)^2 / window variance. Where that ratio is
// large (a nearly flat window far from the series' mean) the windows are
// centred one by one instead (two-pass, as pearson_r).
struct OffsetWindows {
  std::vector<double> v;    // the series minus its mean
  std::vector<double> sum;  // per position: sum of the window
  std::vector<double> ss;   // per position: sum of squares about the window mean
  bool well_conditioned = true;
};

constexpr double kMaxMeanToVariance = 1e6;  // (mean - offset)^2 / variance: error <~ 1e-10

void offset_windows(const std::vector<double>& x, std::size_t n, std::size_t lags,
                    OffsetWindows& out) {
  const std::size_t m = x.size();
  double mean = 0.0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(m);
  out.v.resize(m);
  for (std::size_t i = 0; i < m; ++i) out.v[i] = x[i] - mean;
  out.sum.resize(lags + 1);
  out.ss.resize(lags + 1);
  out.well_conditioned = true;
  const double* v = out.v.data();
  double s = 0.0, q = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    s += v[i];
    q += v[i] * v[i];
  }
  const auto dn = static_cast<double>(n);
  for (std::size_t p = 0; p <= lags; ++p) {
    if (p > 0) {
      s += v[p + n - 1] - v[p - 1];
      q += v[p + n - 1] * v[p + n - 1] - v[p - 1] * v[p - 1];
    }
    const double wm = s / dn;
    const double ss = q - s * wm;
    out.sum[p] = s;
    out.ss[p] = ss;
    if (!(wm * wm * dn <= kMaxMeanToVariance * ss)) out.well_conditioned = false;
  }
}

// The exact two-pass path: every window centred on its own mean.
void centre_window(const double* a, std::size_t n, std::vector<double>& d, double& ss) {
  double mean = 0.0;
  for (std::size_t i = 0; i < n; ++i) mean += a[i];
  mean /= static_cast<double>(n);
  d.resize(n);
  for (std::size_t i = 0; i < n; ++i) d[i] = a[i] - mean;
  ss = dot(d.data(), d.data(), n);
}

}  // namespace

std::optional<WccResult> windowed_cross_correlation(const std::vector<double>& x,
                                                    const std::vector<double>& y,
                                                    std::size_t n, std::size_t max_lag,
                                                    double min_sd) {
  if (n < 2 || x.size() != n + max_lag || y.size() != n + max_lag) return std::nullopt;
  const int L = static_cast<int>(max_lag);
  thread_local OffsetWindows ox, oy;
  offset_windows(x, n, max_lag, ox);
  offset_windows(y, n, max_lag, oy);
  const bool fast = ox.well_conditioned && oy.well_conditioned;
  // Population SD compared with min_sd: a flat window has no correlation.
  // The sums of squares come from the path that computes r.
  thread_local std::vector<double> dx, dy;
  const double min_ss = min_sd * min_sd * static_cast<double>(n);
  const auto dn = static_cast<double>(n);
  WccResult out;
  out.r_by_lag.reserve(2 * max_lag + 1);
  double best_abs = -1.0;
  for (int j = -L; j <= L; ++j) {
    const auto x0 = static_cast<std::size_t>(L - std::max(j, 0));
    const auto y0 = static_cast<std::size_t>(L - std::max(-j, 0));
    double sab, sxx, syy;
    if (fast) {
      sab = dot(&ox.v[x0], &oy.v[y0], n) - ox.sum[x0] * oy.sum[y0] / dn;
      sxx = ox.ss[x0];
      syy = oy.ss[y0];
    } else {
      centre_window(&x[x0], n, dx, sxx);
      centre_window(&y[y0], n, dy, syy);
      sab = dot(dx.data(), dy.data(), n);
    }
    if (!(sxx > min_ss) || !(syy > min_ss)) return std::nullopt;
    double r = sab / std::sqrt(sxx * syy);
    if (!std::isfinite(r)) return std::nullopt;
    r = std::clamp(r, -1.0, 1.0);
    out.r_by_lag.push_back(r);
    if (j == 0) out.r0 = r;
    if (std::fabs(r) > best_abs) {  // strict: the earliest lag wins ties
      best_abs = std::fabs(r);
      out.peak_r = r;
      out.peak_lag_steps = j;
    }
  }
  return out;
}

}  // namespace attune::core
