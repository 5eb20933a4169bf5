#include "core/hrv_frequency.hpp"

#include <cmath>

namespace attune::core {

std::optional<Psd> hrv_welch_psd(const std::vector<double>& rr_grid_ms, const SpectralSettings& s) {
  if (rr_grid_ms.empty()) return std::nullopt;
  double mean = 0.0;
  for (double v : rr_grid_ms) mean += v;
  mean /= static_cast<double>(rr_grid_ms.size());
  std::vector<double> x(rr_grid_ms.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = rr_grid_ms[i] - mean;
  return welch_psd(x, s.fs_hz, s.nperseg, s.noverlap, s.nfft);
}

HrvBands hrv_lf_hf(const Psd& psd, double lf_lo, double lf_hi, double hf_lo, double hf_hi) {
  return HrvBands{band_power_trapezoid(psd, lf_lo, lf_hi), band_power_trapezoid(psd, hf_lo, hf_hi)};
}

double hrv_rsa_band_power(const Psd& psd, double breath_hz, double half_width_hz) {
  return band_power_trapezoid(psd, breath_hz - half_width_hz, breath_hz + half_width_hz);
}

std::optional<double> hrv_coherence_ratio(const Psd& psd, const CoherenceSettings& s) {
  std::size_t best = 0;
  bool found = false;
  for (std::size_t k = 0; k < psd.power.size(); ++k) {
    const double f = psd.freq(k);
    if (f < s.peak_lo_hz || f > s.peak_hi_hz) continue;
    if (!found || psd.power[k] > psd.power[best]) {  // first bin wins ties
      best = k;
      found = true;
    }
  }
  if (!found) return std::nullopt;
  const double fp = psd.freq(best);
  const double peak = band_power_trapezoid(psd, fp - s.peak_width_hz / 2, fp + s.peak_width_hz / 2);
  const double total = band_power_trapezoid(psd, s.total_lo_hz, s.total_hi_hz);
  const double rest = total - peak;
  if (!(rest > 0.0) || !std::isfinite(peak)) return std::nullopt;
  const double cr = peak / rest;
  if (!std::isfinite(cr)) return std::nullopt;
  return cr;
}

}  // namespace attune::core
