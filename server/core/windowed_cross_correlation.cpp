#include "core/windowed_cross_correlation.hpp"

#include <algorithm>
#include <cmath>

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

std::optional<WccResult> windowed_cross_correlation(const std::vector<double>& x,
                                                    const std::vector<double>& y,
                                                    std::size_t n, std::size_t max_lag,
                                                    double min_sd) {
  if (n < 2 || x.size() != n + max_lag || y.size() != n + max_lag) return std::nullopt;
  const int L = static_cast<int>(max_lag);
  WccResult out;
  out.r_by_lag.reserve(2 * max_lag + 1);
  double best_abs = -1.0;
  for (int j = -L; j <= L; ++j) {
    const std::size_t x0 = static_cast<std::size_t>(L - std::max(j, 0));
    const std::size_t y0 = static_cast<std::size_t>(L - std::max(-j, 0));
    auto r = pearson_r(x.data() + x0, y.data() + y0, n, min_sd);
    if (!r) return std::nullopt;
    out.r_by_lag.push_back(*r);
    if (j == 0) out.r0 = *r;
    if (std::fabs(*r) > best_abs) {  // strict: the earliest lag wins ties
      best_abs = std::fabs(*r);
      out.peak_r = *r;
      out.peak_lag_steps = j;
    }
  }
  return out;
}

}  // namespace attune::core
