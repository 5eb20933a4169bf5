#include "core/spectral.hpp"

#include <algorithm>
#include <cmath>

#include "core/fftw_plans.hpp"

namespace attune::core {
namespace {

const double kPi = std::acos(-1.0);

// Hann windows and their sum of squares, built once per size and thread
// instead of once per call (perf, issue 3); pure functions of n, so caching
// cannot change a result.
struct Window {
  std::vector<double> w;
  double sum_sq = 0.0;
};

const Window& hann_cached(std::size_t n) {
  thread_local std::vector<Window> windows;
  for (const auto& w : windows) {
    if (w.w.size() == n) return w;
  }
  Window win{hann_periodic(n), 0.0};
  for (double v : win.w) win.sum_sq += v * v;
  windows.push_back(std::move(win));
  return windows.back();
}

// The per-thread FFT scratch (fftw_malloc: the plans' alignment).
struct Scratch {
  fft::AlignedBuffer real, spec, time;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
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
  const std::size_t half = nfft / 2;
  const Window& window = hann_cached(nperseg);
  const fftw_plan plan = fft::plan(fft::Kind::RealForward, nfft);
  Scratch& s = scratch();
  double* in = s.real.reals(nfft);
  fftw_complex* out = s.spec.complexes(half + 1);
  // The zero padding, once per call: each segment rewrites only in[0, nperseg)
  // and the r2c plan preserves its input.
  std::fill(in + nperseg, in + nfft, 0.0);
  Psd psd;
  psd.df = fs / static_cast<double>(nfft);
  psd.power.assign(half + 1, 0.0);
  double* acc = psd.power.data();
  for (std::size_t seg = 0; seg < segments; ++seg) {
    // |FFT((segment - mean) * window, zero-padded to nfft)|^2, bins 0 .. nfft/2
    // (scipy detrend="constant": the mean of each segment).
    const double* xs = x.data() + seg * step;
    double mean = 0.0;
    for (std::size_t i = 0; i < nperseg; ++i) mean += xs[i];
    mean /= static_cast<double>(nperseg);
    for (std::size_t i = 0; i < nperseg; ++i) in[i] = (xs[i] - mean) * window.w[i];
    fftw_execute_dft_r2c(plan, in, out);
    for (std::size_t k = 0; k <= half; ++k) acc[k] += out[k][0] * out[k][0] + out[k][1] * out[k][1];
  }
  const double scale = 1.0 / (fs * window.sum_sq) / static_cast<double>(segments);
  // One-sided: every bin but DC and Nyquist doubled.
  acc[0] *= scale;
  for (std::size_t k = 1; k < half; ++k) acc[k] *= scale * 2.0;
  acc[half] *= scale;
  return psd;
}

std::optional<Psd> periodogram_psd(const std::vector<double>& x, double fs, std::size_t nfft) {
  return welch_psd(x, fs, x.size(), 0, nfft);
}

double band_power_trapezoid(const Psd& psd, double lo_hz, double hi_hz) {
  const auto in_band = [&](std::size_t k) {
    const double f = psd.freq(k);
    return !(f < lo_hz || f > hi_hz);
  };
  const std::size_t size = psd.power.size();
  std::size_t first = 0, end = size;  // the bins in the band: [first, end)
  if (psd.df > 0.0 && std::isfinite(psd.df) && std::isfinite(lo_hz) && std::isfinite(hi_hz) && size > 0) {
    // f_k = k * df rises with k, so the band is one run of bins. Guess its
    // ends from lo / df and hi / df, then step with the same test as the
    // scan over every bin this replaces, so the bins are exactly the same.
    const double max_k = static_cast<double>(size - 1);
    const auto near = [&](double hz) {
      return static_cast<std::size_t>(std::clamp(std::floor(hz / psd.df), 0.0, max_k));
    };
    first = near(lo_hz);
    while (first > 0 && psd.freq(first - 1) >= lo_hz) --first;
    while (first < size && psd.freq(first) < lo_hz) ++first;
    end = near(hi_hz) + 1;
    while (end < size && psd.freq(end) <= hi_hz) ++end;
    while (end > first && psd.freq(end - 1) > hi_hz) --end;
    if (end < first) end = first;
  }
  double sum = 0.0;
  bool have_prev = false;
  double prev = 0.0;
  for (std::size_t k = first; k < end; ++k) {
    if (!in_band(k)) continue;  // only when the ends could not be computed
    if (have_prev) sum += psd.df * (prev + psd.power[k]) / 2.0;
    prev = psd.power[k];
    have_prev = true;
  }
  return sum;
}

void analytic_signal_into(const double* x, std::size_t n, std::vector<std::complex<double>>& out) {
  out.resize(n);
  if (n == 0) return;
  Scratch& s = scratch();
  double* in = s.real.reals(n);
  fftw_complex* spec = s.spec.complexes(n);
  fftw_complex* time = s.time.complexes(n);
  std::copy(x, x + n, in);
  // Real input: the non-negative half of the spectrum, bins 0 .. n/2, by r2c
  // into the front of spec.
  fftw_execute_dft_r2c(fft::plan(fft::Kind::RealForward, n), in, spec);
  // scipy's weights: 1 at DC (and Nyquist for even n), 2 for positive
  // frequencies, 0 for negative ones.
  const std::size_t pos_end = (n + 1) / 2;  // positive bins: 1 .. pos_end - 1
  for (std::size_t k = 1; k < pos_end; ++k) {
    spec[k][0] *= 2.0;
    spec[k][1] *= 2.0;
  }
  for (std::size_t k = n / 2 + 1; k < n; ++k) spec[k][0] = spec[k][1] = 0.0;
  fftw_execute_dft(fft::plan(fft::Kind::ComplexBackward, n), spec, time);
  const double dn = static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = {time[i][0] / dn, time[i][1] / dn};
}

std::vector<std::complex<double>> analytic_signal(const std::vector<double>& x) {
  std::vector<std::complex<double>> out;
  analytic_signal_into(x.data(), x.size(), out);
  return out;
}

std::size_t smooth_even_at_most(std::size_t limit) {
  for (std::size_t n = limit; n >= 4; --n) {
    if (n % 2 != 0) continue;
    std::size_t m = n;
    for (std::size_t p : {2, 3, 5}) {
      while (m % p == 0) m /= p;
    }
    if (m == 1) return n;
  }
  return 0;
}

}  // namespace attune::core
