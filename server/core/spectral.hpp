// Spectral building blocks on regularly sampled series, FFT by FFTW3 in
// double precision (Debian libfftw3-dev), through the shared FFTW_ESTIMATE
// plans of core/fftw_plans.hpp (deterministic: no timed planning, no wisdom).
//
// Each function is written to equal its scipy counterpart with the settings
// SYNCHRONY.md fixes (docs/metrics.md "Spectral building blocks"):
//   welch_psd          scipy.signal.welch(x, fs, window="hann", nperseg,
//                      noverlap, nfft, detrend="constant", scaling="density")
//   periodogram_psd    scipy.signal.periodogram(x, fs, window="hann", nfft,
//                      detrend="constant", scaling="density")
//   band_power_trapezoid  numpy.trapz(p[m], f[m]), m = lo <= f <= hi
//   analytic_signal    scipy.signal.hilbert(x)
#pragma once

#include <complex>
#include <cstddef>
#include <optional>
#include <vector>

namespace attune::core {

struct Psd {
  double df = 0.0;           // bin spacing fs / nfft (Hz); f_k = k * df
  std::vector<double> power; // one-sided density, bins 0 .. nfft/2
  double freq(std::size_t k) const { return static_cast<double>(k) * df; }
};

// Periodic ("DFT-even") Hann window of length n, as scipy get_window("hann", n).
std::vector<double> hann_periodic(std::size_t n);

// Welch's averaged periodogram (Welch 1967). nfft must be even and
// >= nperseg; nullopt when x is shorter than one segment.
std::optional<Psd> welch_psd(const std::vector<double>& x, double fs, std::size_t nperseg,
                             std::size_t noverlap, std::size_t nfft);

// One Hann-windowed periodogram of the whole series (zero-padded to nfft).
std::optional<Psd> periodogram_psd(const std::vector<double>& x, double fs, std::size_t nfft);

// Trapezoid integral of the PSD over the bins with lo <= f <= hi (both
// inclusive); 0 when fewer than two bins fall inside.
double band_power_trapezoid(const Psd& psd, double lo_hz, double hi_hz);

// Analytic signal x + i H(x) by the FFT method of scipy.signal.hilbert
// (Marple 1999): FFT of length n, one-sided weights, inverse FFT.
std::vector<std::complex<double>> analytic_signal(const std::vector<double>& x);
// The same into a caller's buffer (resized to n): no allocation once warm.
void analytic_signal_into(const double* x, std::size_t n, std::vector<std::complex<double>>& out);

// The largest even n <= limit whose only prime factors are 2, 3 and 5 (0
// when limit < 4): an FFT length with fast radices, and one of few. Callers
// whose length would otherwise vary second by second (a growing buffer)
// take this many of their newest points, so the process plans a dozen FFT
// sizes instead of one per length (FFTW plans are kept for the process:
// fftw_plans.hpp).
std::size_t smooth_even_at_most(std::size_t limit);

}  // namespace attune::core
