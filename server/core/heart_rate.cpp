#include "core/heart_rate.hpp"

namespace attune::core {

double heart_rate_instantaneous_bpm(double rr_ms) { return 60000.0 / rr_ms; }

std::optional<double> heart_rate_mean_bpm(const std::vector<double>& rr_ms) {
  if (rr_ms.empty()) return std::nullopt;
  double sum = 0.0;
  for (double rr : rr_ms) sum += heart_rate_instantaneous_bpm(rr);
  return sum / static_cast<double>(rr_ms.size());
}

}  // namespace attune::core
