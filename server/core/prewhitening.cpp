#include "core/prewhitening.hpp"

#include <cmath>

#include "core/numeric.hpp"

namespace attune::core {

std::vector<double> lowpass_fir_taps(std::size_t taps, double fc) {
  constexpr double kPi = 3.14159265358979323846;
  std::vector<double> h;
  if (taps < 3 || taps % 2 == 0 || !(fc > 0.0 && fc < 0.5)) return h;
  h.resize(taps);
  const double centre = static_cast<double>(taps - 1) / 2.0;
  double sum = 0.0;
  for (std::size_t i = 0; i < taps; ++i) {
    const double t = static_cast<double>(i) - centre;
    const double sinc = t == 0.0 ? 2.0 * fc : std::sin(2.0 * kPi * fc * t) / (kPi * t);
    const double w = 0.54 - 0.46 * std::cos(2.0 * kPi * static_cast<double>(i) / static_cast<double>(taps - 1));
    h[i] = sinc * w;
    sum += h[i];
  }
  for (double& v : h) v /= sum;
  return h;
}

std::vector<double> lowpass_first_difference(const std::vector<double>& v, const std::vector<double>& h,
                                             std::size_t decimation) {
  std::vector<double> out;
  const std::size_t k = h.size();
  if (k == 0 || decimation == 0 || v.size() < k + decimation) return out;
  const std::size_t last = v.size() - k;  // index of the last filtered point
  const std::size_t g = last / decimation + 1;
  std::vector<double> f(g);
  for (std::size_t i = 0; i < g; ++i) f[i] = dot(h.data(), &v[last - (g - 1 - i) * decimation], k);
  out.resize(g - 1);
  for (std::size_t i = 0; i + 1 < g; ++i) out[i] = f[i + 1] - f[i];
  return out;
}

}  // namespace attune::core
