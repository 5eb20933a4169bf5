#include "core/spectral.hpp"

#include <kissfft.hh>

#include <cmath>
#include <memory>

namespace attune::core {
namespace {

const double kPi = std::acos(-1.0);

// FFT plans (twiddle factors: n complex exponentials each) and Hann windows
// are built once per size and thread instead of once per call: building them
// cost more than the transforms (perf, issue 3). Plans are pure functions of
// (n, direction), so caching cannot change a result; thread_local because
// rooms run on several threads.
const kissfft<double>& fft_plan(std::size_t n, bool inverse) {
  struct Plan {
    std::size_t n;
    bool inverse;
    std::unique_ptr<kissfft<double>> fft;
  };
  thread_local std::vector<Plan> plans;
  for (const Plan& p : plans) {
    if (p.n == n && p.inverse == inverse) return *p.fft;
  }
  plans.push_back({n, inverse, std::make_unique<kissfft<double>>(n, inverse)});
  return *plans.back().fft;
}

const std::vector<double>& hann_cached(std::size_t n) {
  thread_local std::vector<std::vector<double>> windows;
  for (const auto& w : windows) {
    if (w.size() == n) return w;
  }
  windows.push_back(hann_periodic(n));
  return windows.back();
}

// |FFT(segment - mean, zero-padded to nfft)|^2 accumulated into acc[0..nfft/2].
// nfft is even: the real input is transformed by a complex FFT of nfft / 2
// points (kissfft transform_real), half the work of a complex one.
void add_segment_power(const double* seg, std::size_t n, const std::vector<double>& window,
                       const kissfft<double>& half_fft, std::vector<double>& in,
                       std::vector<std::complex<double>>& out, std::vector<double>& acc) {
  double mean = 0.0;
  for (std::size_t i = 0; i < n; ++i) mean += seg[i];
  mean /= static_cast<double>(n);
  std::fill(in.begin(), in.end(), 0.0);
  for (std::size_t i = 0; i < n; ++i) in[i] = (seg[i] - mean) * window[i];
  half_fft.transform_real(in.data(), out.data());
  const std::size_t half = in.size() / 2;
  // transform_real packs DC and Nyquist (both real) into out[0].
  acc[0] += out[0].real() * out[0].real();
  acc[half] += out[0].imag() * out[0].imag();
  for (std::size_t k = 1; k < half; ++k) acc[k] += std::norm(out[k]);
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
  const std::vector<double>& window = hann_cached(nperseg);
  double win_ss = 0.0;
  for (double v : window) win_ss += v * v;
  const kissfft<double>& half_fft = fft_plan(nfft / 2, false);
  thread_local std::vector<double> in;
  thread_local std::vector<std::complex<double>> out;
  in.resize(nfft);
  out.resize(nfft / 2);
  Psd psd;
  psd.df = fs / static_cast<double>(nfft);
  psd.power.assign(nfft / 2 + 1, 0.0);
  for (std::size_t s = 0; s < segments; ++s) {
    add_segment_power(x.data() + s * step, nperseg, window, half_fft, in, out, psd.power);
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

void analytic_signal_into(const double* x, std::size_t n, std::vector<std::complex<double>>& out) {
  out.resize(n);
  if (n == 0) return;
  thread_local std::vector<std::complex<double>> in, spec;
  spec.resize(n);
  if (n % 2 == 0 && n >= 4) {
    // Real input: the positive half of the spectrum by a complex FFT of n / 2
    // points (kissfft transform_real packs DC and Nyquist into bin 0).
    in.resize(n / 2);
    fft_plan(n / 2, false).transform_real(x, in.data());
    std::fill(spec.begin(), spec.end(), std::complex<double>(0.0, 0.0));
    spec[0] = in[0].real();
    spec[n / 2] = in[0].imag();
    for (std::size_t k = 1; k < n / 2; ++k) spec[k] = 2.0 * in[k];
  } else {
    in.resize(n);
    for (std::size_t i = 0; i < n; ++i) in[i] = {x[i], 0.0};
    fft_plan(n, false).transform(in.data(), spec.data());
    // Weights: 1 at DC (and Nyquist for even n), 2 for positive, 0 for negative.
    for (std::size_t k = 1; k < n; ++k) {
      if (n % 2 == 0 && k == n / 2) continue;
      spec[k] *= (2 * k < n) ? 2.0 : 0.0;
    }
  }
  fft_plan(n, true).transform(spec.data(), out.data());
  for (auto& v : out) v /= static_cast<double>(n);
}

std::vector<std::complex<double>> analytic_signal(const std::vector<double>& x) {
  std::vector<std::complex<double>> out;
  analytic_signal_into(x.data(), x.size(), out);
  return out;
}

}  // namespace attune::core
