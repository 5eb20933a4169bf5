#include "core/robust_baseline.hpp"

#include <algorithm>
#include <cmath>

namespace attune::core {

std::optional<double> median(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  if (n % 2 == 1) return values[n / 2];
  return (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

std::optional<double> median_absolute_deviation(const std::vector<double>& values) {
  auto med = median(values);
  if (!med) return std::nullopt;
  std::vector<double> dev;
  dev.reserve(values.size());
  for (double v : values) dev.push_back(std::fabs(v - *med));
  return median(std::move(dev));
}

std::optional<RobustBaseline> robust_baseline(const std::vector<double>& values, double mad_scale,
                                              double scale_floor) {
  auto med = median(values);
  auto mad = median_absolute_deviation(values);
  if (!med || !mad) return std::nullopt;
  RobustBaseline b;
  b.median = *med;
  b.scale = std::max(*mad * mad_scale, scale_floor);
  return b;
}

double robust_z(double value, const RobustBaseline& baseline) {
  return (value - baseline.median) / baseline.scale;
}

}  // namespace attune::core
