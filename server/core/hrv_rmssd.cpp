#include "core/hrv_rmssd.hpp"

#include <cmath>
#include <cstddef>

namespace attune::core {

std::optional<double> hrv_rmssd(const std::vector<double>& rr_ms) {
  if (rr_ms.size() < 2) return std::nullopt;
  double sum_sq = 0.0;
  for (std::size_t i = 1; i < rr_ms.size(); ++i) {
    const double d = rr_ms[i] - rr_ms[i - 1];
    sum_sq += d * d;
  }
  return std::sqrt(sum_sq / static_cast<double>(rr_ms.size() - 1));
}

double hrv_ln_rmssd(double rmssd_ms, double floor_ms) {
  return std::log(rmssd_ms > floor_ms ? rmssd_ms : floor_ms);
}

}  // namespace attune::core
