#include "core/spectral.hpp"

#include <kissfft.hh>

#include <cmath>

namespace attune::core {
namespace {

const double kPi = std::acos(-1.0);

// |FFT(segment - mean, zero-padded to nfft)|^2 accumulated into acc[0..nfft/2].
void add_segment_power(const double* seg, std::size_t n, const std::vector<double>& window,
                       const kissfft<double>& fft, std::vector<std::complex<double>>& in,
                       std::vector<std::complex<double>>& out, std::vector<double>& acc) {
  double mean = 0.0;
  for (std::size_t i = 0; i < n; ++i) mean += seg[i];
  mean /= static_cast<double>(n);
  std::fill(in.begin(), in.end(), std::complex<double>(0.0, 0.0));
  for (std::size_t i = 0; i < n; ++i) in[i] = {(seg[i] - mean) * window[i], 0.0};
  fft.transform(in.data(), out.data());
  for (std::size_t k = 0; k < acc.size(); ++k) acc[k] += std::norm(out[k]);
}

}  // namespace

std::vector<double> hann_periodic(std::size_t n) {
  std::vector<double> w(n);
  for (std::size_t i = 0; i < n; ++i) {
    w[i] = 0.5 - 0.5 * std::cos(2.0 * kPi * static_cast<double>(i) / static_cast<double>(n));
  }
  return w;
}

std::optional<Psd> welch_psd(const std::vector<double>& x, double fs, std::size_t nperseg,
                             std::size_t noverlap, std::size_t nfft) {
  if (nperseg < 2 || noverlap >= nperseg || nfft < nperseg || nfft % 2 != 0 || !(fs > 0) ||
      x.size() < nperseg) {
    return std::nullopt;
  }
  const std::size_t step = nperseg - noverlap;
  const std::size_t segments = (x.size() - noverlap) / step;
  const std::vector<double> window = hann_periodic(nperseg);
  double win_ss = 0.0;
  for (double v : window) win_ss += v * v;
  kissfft<double> fft(nfft, false);
  std::vector<std::complex<double>> in(nfft), out(nfft);
  Psd psd;
  psd.df = fs / static_cast<double>(nfft);
  psd.power.assign(nfft / 2 + 1, 0.0);
  for (std::size_t s = 0; s < segments; ++s) {
    add_segment_power(x.data() + s * step, nperseg, window, fft, in, out, psd.power);
  }
  const double scale = 1.0 / (fs * win_ss) / static_cast<double>(segments);
  for (std::size_t k = 0; k < psd.power.size(); ++k) {
    const bool doubled = k > 0 && k < nfft / 2;  // one-sided: not DC, not Nyquist
    psd.power[k] *= scale * (doubled ? 2.0 : 1.0);
  }
  return psd;
}

std::optional<Psd> periodogram_psd(const std::vector<double>& x, double fs, std::size_t nfft) {
  return welch_psd(x, fs, x.size(), 0, nfft);
}

double band_power_trapezoid(const Psd& psd, double lo_hz, double hi_hz) {
  double sum = 0.0;
  bool have_prev = false;
  double prev = 0.0;
  for (std::size_t k = 0; k < psd.power.size(); ++k) {
    const double f = psd.freq(k);
    if (f < lo_hz || f > hi_hz) continue;
    if (have_prev) sum += psd.df * (prev + psd.power[k]) / 2.0;
    prev = psd.power[k];
    have_prev = true;
  }
  return sum;
}

std::vector<std::complex<double>> analytic_signal(const std::vector<double>& x) {
  const std::size_t n = x.size();
  if (n == 0) return {};
  std::vector<std::complex<double>> in(n), spec(n), out(n);
  for (std::size_t i = 0; i < n; ++i) in[i] = {x[i], 0.0};
  kissfft<double>(n, false).transform(in.data(), spec.data());
  // Weights: 1 at DC (and Nyquist for even n), 2 for positive, 0 for negative.
  for (std::size_t k = 1; k < n; ++k) {
    const bool nyquist = (n % 2 == 0) && k == n / 2;
    if (nyquist) continue;
    spec[k] *= (2 * k < n) ? 2.0 : 0.0;
  }
  kissfft<double>(n, true).transform(spec.data(), out.data());
  for (auto& v : out) v /= static_cast<double>(n);
  return out;
}

}  // namespace attune::core
