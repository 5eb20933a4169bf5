#include "core/surrogate_test.hpp"

#include <cmath>

#include "core/windowed_cross_correlation.hpp"

namespace attune::core {

std::optional<double> surrogate_z(double real, const std::vector<double>& s) {
  if (s.size() < 2 || !std::isfinite(real)) return std::nullopt;
  double mean = 0.0;
  for (double v : s) mean += v;
  mean /= static_cast<double>(s.size());
  double ss = 0.0;
  for (double v : s) ss += (v - mean) * (v - mean);
  const double sd = std::sqrt(ss / static_cast<double>(s.size() - 1));
  if (!(sd > 1e-12)) return std::nullopt;
  const double z = (real - mean) / sd;
  if (!std::isfinite(z)) return std::nullopt;
  return z;
}

std::vector<std::size_t> circular_shifts(std::size_t size, std::size_t min_shift, std::size_t step) {
  std::vector<std::size_t> out;
  if (step == 0 || min_shift == 0 || 2 * min_shift > size) return out;
  for (std::size_t s = min_shift; s + min_shift <= size; s += step) out.push_back(s);
  return out;
}

std::vector<double> wcc_circular_surrogates(const std::vector<double>& x_long,
                                            const std::vector<double>& y_long, std::size_t n,
                                            std::size_t max_lag, std::size_t min_shift,
                                            std::size_t step, double min_sd) {
  std::vector<double> out;
  const std::size_t m = y_long.size();
  const std::size_t w = n + max_lag;
  if (x_long.size() != m || m < w) return out;
  const std::vector<double> x(x_long.end() - static_cast<std::ptrdiff_t>(w), x_long.end());
  std::vector<double> y(w);
  for (std::size_t s : circular_shifts(m, min_shift, step)) {
    for (std::size_t i = 0; i < w; ++i) {
      const std::size_t idx = m - w + i;  // position in the long series
      y[i] = y_long[(idx + m - s) % m];
    }
    const auto r = windowed_cross_correlation(x, y, n, max_lag, min_sd);
    if (r) out.push_back(std::fabs(r->peak_r));
  }
  return out;
}

}  // namespace attune::core
