#include "core/surrogate_test.hpp"

#include <cmath>


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

}  // namespace attune::core
