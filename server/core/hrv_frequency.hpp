// Frequency-domain HRV from an RR series already resampled on the 4 Hz grid
// (beat_resampling.hpp). docs/metrics.md "Frequency domain".
#pragma once

#include <optional>
#include <vector>

#include "core/spectral.hpp"

namespace attune::core {

struct SpectralSettings {
  double fs_hz = 4.0;
  std::size_t nperseg = 256;
  std::size_t noverlap = 128;
  std::size_t nfft = 1024;
};

// Welch PSD (ms^2/Hz) of the RR series with its mean removed.
// Source: Task Force 1996; settings of pyHRV / systole (SYNCHRONY.md).
std::optional<Psd> hrv_welch_psd(const std::vector<double>& rr_grid_ms, const SpectralSettings& s);

struct HrvBands {
  double lf_ms2 = 0.0;  // 0.04-0.15 Hz
  double hf_ms2 = 0.0;  // 0.15-0.40 Hz
};

// LF and HF band power, trapezoid over the PSD bins inside each band.
HrvBands hrv_lf_hf(const Psd& psd, double lf_lo, double lf_hi, double hf_lo, double hf_hi);

// RSA band power: the same PSD integrated over breath rate +/- half_width Hz
// (Shaffer & Meehan 2020: during slow breathing RSA leaves the HF band).
double hrv_rsa_band_power(const Psd& psd, double breath_hz, double half_width_hz);

struct CoherenceSettings {
  double peak_lo_hz = 0.04, peak_hi_hz = 0.26;  // where the peak is searched
  double peak_width_hz = 0.030;                  // integral centred on the peak
  double total_lo_hz = 0.0033, total_hi_hz = 0.4;
};

// Coherence ratio of McCraty et al. (2009), "The coherent heart", Integral
// Review 5(2): the highest PSD bin in 0.04-0.26 Hz; peak power = trapezoid
// over |f - f_peak| <= width/2; total = trapezoid over 0.0033-0.4 Hz;
// CR = peak / (total - peak). nullopt when total - peak <= 0.
// `psd` is one Hann periodogram of the 64 s RR window (nfft 1024).
std::optional<double> hrv_coherence_ratio(const Psd& psd, const CoherenceSettings& s);

}  // namespace attune::core
