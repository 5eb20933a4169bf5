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

// Each x window starts at one of L + 1 positions (L - max(j, 0)), and so
// does each y window: centring each distinct window once (two-pass, as
// pearson_r) instead of once per lag is a third of the work (perf, issue 3).
struct CentredWindows {
  std::vector<double> d;   // (L + 1) windows of n centred values
  std::vector<double> ss;  // their sums of squares
};

void centre_windows(const std::vector<double>& v, std::size_t n, std::size_t lags,
                    CentredWindows& out) {
  out.d.resize((lags + 1) * n);
  out.ss.resize(lags + 1);
  for (std::size_t p = 0; p <= lags; ++p) {
    const double* a = v.data() + p;
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;  // four chains, as dot()
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 += a[i];
      s1 += a[i + 1];
      s2 += a[i + 2];
      s3 += a[i + 3];
    }
    for (; i < n; ++i) s0 += a[i];
    const double mean = ((s0 + s1) + (s2 + s3)) / static_cast<double>(n);
    double* d = &out.d[p * n];
    for (std::size_t i = 0; i < n; ++i) d[i] = a[i] - mean;
    out.ss[p] = dot(d, d, n);
  }
}

}  // namespace

std::optional<WccResult> windowed_cross_correlation(const std::vector<double>& x,
                                                    const std::vector<double>& y,
                                                    std::size_t n, std::size_t max_lag,
                                                    double min_sd) {
  if (n < 2 || x.size() != n + max_lag || y.size() != n + max_lag) return std::nullopt;
  const int L = static_cast<int>(max_lag);
  thread_local CentredWindows cx, cy;
  centre_windows(x, n, max_lag, cx);
  centre_windows(y, n, max_lag, cy);
  // Population SD compared with min_sd: a flat window has no correlation.
  const double min_ss = min_sd * min_sd * static_cast<double>(n);
  for (std::size_t p = 0; p <= max_lag; ++p) {
    if (!(cx.ss[p] > min_ss) || !(cy.ss[p] > min_ss)) return std::nullopt;
  }
  WccResult out;
  out.r_by_lag.reserve(2 * max_lag + 1);
  double best_abs = -1.0;
  for (int j = -L; j <= L; ++j) {
    const auto x0 = static_cast<std::size_t>(L - std::max(j, 0));
    const auto y0 = static_cast<std::size_t>(L - std::max(-j, 0));
    const double sab = dot(&cx.d[x0 * n], &cy.d[y0 * n], n);
    double r = sab / std::sqrt(cx.ss[x0] * cy.ss[y0]);
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
