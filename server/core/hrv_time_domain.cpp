#include "core/hrv_time_domain.hpp"

#include <cmath>
#include <cstddef>

namespace attune::core {

std::optional<double> hrv_sdnn(const std::vector<double>& rr_ms) {
  const std::size_t n = rr_ms.size();
  if (n < 2) return std::nullopt;
  double mean = 0.0;
  for (double v : rr_ms) mean += v;
  mean /= static_cast<double>(n);
  double ss = 0.0;
  for (double v : rr_ms) ss += (v - mean) * (v - mean);
  return std::sqrt(ss / static_cast<double>(n - 1));
}

std::optional<double> hrv_pnn50(const std::vector<double>& rr_ms) {
  const std::size_t n = rr_ms.size();
  if (n < 2) return std::nullopt;
  std::size_t k = 0;
  for (std::size_t i = 1; i < n; ++i) k += std::fabs(rr_ms[i] - rr_ms[i - 1]) > 50.0 ? 1 : 0;
  return 100.0 * static_cast<double>(k) / static_cast<double>(n - 1);
}

}  // namespace attune::core
