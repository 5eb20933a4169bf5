#include "core/breathing.hpp"

#include <algorithm>
#include <cmath>
#include <complex>

#include "core/numeric.hpp"
#include "core/spectral.hpp"
#include "core/surrogate_test.hpp"

namespace attune::core {
namespace {

struct RespGrid {
  double step_ms;
  std::size_t n;
};

RespGrid resp_grid(const EngineConfig& cfg) {
  RespGrid g;
  g.step_ms = 1000.0 / cfg.resp_grid_hz;
  g.n = static_cast<std::size_t>(std::llround(static_cast<double>(cfg.resp_buffer_ms) / g.step_ms));
  return g;
}

std::size_t points(std::int64_t ms, double step_ms) {
  return static_cast<std::size_t>(std::llround(static_cast<double>(ms) / step_ms));
}

std::optional<double> streaming_last(const RespirationSeries& r, std::int64_t t_ms,
                                     const EngineConfig& cfg) {
  const auto last = r.last_at(static_cast<double>(t_ms));
  if (!last || static_cast<double>(t_ms) - *last > static_cast<double>(cfg.max_gap_ms)) {
    return std::nullopt;
  }
  return last;
}

std::int64_t floor_mod(std::int64_t a, std::int64_t b) { return a - floor_div(a, b) * b; }

const double kTwoPi = 2.0 * std::acos(-1.0);

// The phases of one filtered buffer (grid points k0 .. k0 + f.size() - 1)
// appended to the seat's history (breathing.hpp "phase series"). The
// decimation to 5 Hz makes the analytic signal a 288-point transform
// instead of 1500 (perf, issue 3); breathing (< 1 Hz) is far below its
// 2.5 Hz Nyquist, and the boxcar keeps the filtered band's 3-5 Hz tail from
// folding onto it.
void append_phases(const std::vector<double>& f, std::int64_t k0, const EngineConfig& cfg,
                   double step_ms, BreathPhaseHistory& h) {
  const auto stride = static_cast<std::size_t>(kPhaseStride);
  if (f.size() < 2 * stride + 4) return;
  std::size_t j_last = f.size() - 3;  // the last centre with two points after it
  while (floor_mod(k0 + static_cast<std::int64_t>(j_last), kPhaseStride) != 0) --j_last;
  const std::size_t l = smooth_even_at_most((j_last - 2) / stride + 1);
  const std::size_t edge = points(cfg.plv_edge_ms, step_ms * kPhaseStride);
  if (l < 4 || 2 * edge >= l) return;
  thread_local std::vector<double> d;
  thread_local std::vector<std::complex<double>> z;
  d.resize(l);
  for (std::size_t m = 0; m < l; ++m) {
    const std::size_t j = j_last - stride * (l - 1 - m);
    d[m] = (f[j - 2] + f[j - 1] + f[j] + f[j + 1] + f[j + 2]) / 5.0;
  }
  analytic_signal_into(d.data(), l, z);
  const auto k_of = [&](std::size_t m) {
    return k0 + static_cast<std::int64_t>(j_last) - kPhaseStride * static_cast<std::int64_t>(l - 1 - m);
  };
  std::size_t m_first = edge;
  const std::size_t m_end = l - edge;  // exclusive
  const auto last = h.last_k();
  if (last && *last >= k_of(m_first) - kPhaseStride) {
    // Continues the history: only the points after its last one.
    if (*last >= k_of(m_end - 1)) return;
    m_first = static_cast<std::size_t>((*last - k_of(0)) / kPhaseStride) + 1;
  } else {
    h.clear();
  }
  thread_local std::vector<PhaseCode> ph;
  ph.clear();
  for (std::size_t m = m_first; m < m_end; ++m) ph.push_back(phase_code(std::arg(z[m])));
  h.append(k_of(m_first), ph.data(), ph.size());
}

// Unit phasors of a phase series (real and imaginary parts as plain
// arrays for the surrogate sums below).
struct Phasors {
  std::vector<double> re, im;
  void set(const std::vector<PhaseCode>& phi) {
    re.resize(phi.size());
    im.resize(phi.size());
    for (std::size_t i = 0; i < phi.size(); ++i) phasor_of(phi[i], re[i], im[i]);
  }
};

// |sum_i u_i conj(v_{i - s})| / M (indices mod M) for unit phasors: the
// PLV of the first series with the second rotated by s. Two straight runs
// (i < s reads v from its end) instead of a wrap per sample (perf).
double rotated_plv(const Phasors& u, const Phasors& v, std::size_t s) {
  const std::size_t m = u.re.size();
  s %= m;
  double re = 0.0, im = 0.0;
  const auto run = [&](std::size_t i0, std::size_t i1, std::size_t j0) {
    for (std::size_t i = i0, j = j0; i < i1; ++i, ++j) {
      re += u.re[i] * v.re[j] + u.im[i] * v.im[j];
      im += u.im[i] * v.re[j] - u.re[i] * v.im[j];
    }
  };
  run(0, s, m - s);
  run(s, m, 0);
  return std::hypot(re, im) / static_cast<double>(m);
}

double logit_plv(double r) {
  const double c = std::clamp(r, 1e-12, 1.0 - 1e-12);
  return std::log(c) - std::log1p(-c);
}

}  // namespace

PhaseCode phase_code(double phi_rad) {
  const double turns = std::floor(phi_rad / kTwoPi * 65536.0 + 0.5);
  return static_cast<PhaseCode>(floor_mod(static_cast<std::int64_t>(turns), 65536));
}

void phasor_of(PhaseCode c, double& re, double& im) {
  struct Tables {
    double ch[256], sh[256], cl[256], sl[256];  // high byte, low byte
    Tables() {
      for (int i = 0; i < 256; ++i) {
        ch[i] = std::cos(kTwoPi * (256.0 * i / 65536.0));
        sh[i] = std::sin(kTwoPi * (256.0 * i / 65536.0));
        cl[i] = std::cos(kTwoPi * (i / 65536.0));
        sl[i] = std::sin(kTwoPi * (i / 65536.0));
      }
    }
  };
  static const Tables t;
  const int h = c >> 8, l = c & 0xff;
  re = t.ch[h] * t.cl[l] - t.sh[h] * t.sl[l];
  im = t.sh[h] * t.cl[l] + t.ch[h] * t.sl[l];
}

void BreathPhaseHistory::append(std::int64_t k_first, const PhaseCode* phases, std::size_t n) {
  if (n == 0 || capacity_ == 0) return;
  if (size_ > 0 && k_first != last_k_ + kPhaseStride) clear();
  ring_.reserve(capacity_);  // once: no doubling past the capacity
  for (std::size_t i = 0; i < n; ++i) {
    if (ring_.size() < capacity_) {
      ring_.push_back(phases[i]);  // still growing: head_ stays 0
      ++size_;
    } else {
      ring_[(head_ + size_) % capacity_] = phases[i];
      if (size_ == capacity_) {
        head_ = (head_ + 1) % capacity_;
      } else {
        ++size_;
      }
    }
  }
  last_k_ = k_first + kPhaseStride * static_cast<std::int64_t>(n - 1);
}

std::optional<std::int64_t> BreathPhaseHistory::last_k() const {
  if (size_ == 0) return std::nullopt;
  return last_k_;
}

bool BreathPhaseHistory::holds(std::int64_t k_last, std::size_t count) const {
  if (size_ == 0 || count == 0 || k_last > last_k_ || floor_mod(last_k_ - k_last, kPhaseStride) != 0) {
    return false;
  }
  const auto behind = static_cast<std::size_t>((last_k_ - k_last) / kPhaseStride);
  return behind + count <= size_;
}

void BreathPhaseHistory::copy(std::int64_t k_last, std::size_t count, std::vector<PhaseCode>& out) const {
  const auto behind = static_cast<std::size_t>((last_k_ - k_last) / kPhaseStride);
  const std::size_t first = size_ - behind - count;  // index from the oldest point
  out.resize(count);
  const std::size_t cap = ring_.size();
  const std::size_t start = (head_ + first) % cap;
  const std::size_t n1 = std::min(count, cap - start);  // up to the ring's end, then from 0
  std::copy(ring_.begin() + static_cast<std::ptrdiff_t>(start),
            ring_.begin() + static_cast<std::ptrdiff_t>(start + n1), out.begin());
  std::copy(ring_.begin(), ring_.begin() + static_cast<std::ptrdiff_t>(count - n1),
            out.begin() + static_cast<std::ptrdiff_t>(n1));
}

std::size_t breath_phase_capacity(const EngineConfig& cfg) {
  const double phase_step_ms = 1000.0 / cfg.resp_grid_hz * kPhaseStride;
  return std::max(points(cfg.plv_span_ms, phase_step_ms), points(cfg.plv_window_ms, phase_step_ms));
}

void respiration_buffer_at(const RespirationSeries& r, std::int64_t t_ms, const EngineConfig& cfg,
                           BreathingBuffer& b) {
  b.streaming = false;
  b.gridded = false;
  b.filtered_ok = false;
  const auto last = streaming_last(r, t_ms, cfg);
  if (!last) return;
  b.streaming = true;
  const RespGrid g = resp_grid(cfg);
  const auto e = static_cast<std::int64_t>(std::floor(*last / g.step_ms));
  b.k0 = e - static_cast<std::int64_t>(g.n) + 1;
  b.gridded = r.on_grid_into(b.k0, g.n, g.step_ms, static_cast<double>(cfg.resp_max_gap_ms),
                             static_cast<double>(t_ms), b.raw);
}

RespirationSecond respiration_from_buffer(const BreathingBuffer& b, std::int64_t t_ms,
                                          const EngineConfig& cfg, BreathPhaseHistory* phases) {
  RespirationSecond out;
  out.streaming = b.streaming;
  if (!b.streaming || !b.gridded || !b.filtered_ok) return out;
  const RespGrid g = resp_grid(cfg);
  const std::vector<double>& filtered = b.filtered;
  const std::size_t w = std::min(points(cfg.breath_window_ms, g.step_ms), filtered.size());
  thread_local std::vector<double> win;
  win.assign(filtered.end() - static_cast<std::ptrdiff_t>(w), filtered.end());
  const BreathCycleStats s = breath_cycle_stats(win, g.step_ms / 1000.0);
  out.breath_rate_bpm = finite_or_none(s.rate_bpm);
  out.ie_ratio = finite_or_none(s.ie_ratio);
  if (phases) {
    append_phases(filtered, b.k0, cfg, g.step_ms, *phases);
    phases->mark_updated(t_ms);
  }
  return out;
}

RespirationSecond respiration_at(const RespirationSeries& r, std::int64_t t_ms,
                                 const EngineConfig& cfg, const std::vector<Biquad>& sos,
                                 bool with_rate, BreathPhaseHistory* phases) {
  thread_local BreathingBuffer b;
  if (!with_rate) {
    RespirationSecond out;
    out.streaming = streaming_last(r, t_ms, cfg).has_value();
    return out;
  }
  respiration_buffer_at(r, t_ms, cfg, b);
  if (b.gridded) b.filtered_ok = sosfiltfilt_into(sos, b.raw, b.filtered);
  return respiration_from_buffer(b, t_ms, cfg, phases);
}

std::optional<double> breathing_span_test(const std::vector<PhaseCode>& phi1,
                                          const std::vector<PhaseCode>& phi2,
                                          std::size_t min_shift, std::size_t shift_step) {
  if (phi1.size() != phi2.size() || phi1.empty()) return std::nullopt;
  thread_local Phasors u1, u2;
  u1.set(phi1);
  u2.set(phi2);
  const double real = logit_plv(rotated_plv(u1, u2, 0));
  std::vector<double> surr;
  for (std::size_t s : circular_shifts(phi1.size(), min_shift, shift_step)) {
    surr.push_back(logit_plv(rotated_plv(u1, u2, s)));
  }
  return surrogate_z(real, surr);
}

std::optional<BreathingSynchrony> breathing_synchrony(const BreathPhaseHistory& first,
                                                      const BreathPhaseHistory& second,
                                                      std::int64_t t_ms, const EngineConfig& cfg,
                                                      bool with_surrogates) {
  if (first.updated_at_ms() != t_ms || second.updated_at_ms() != t_ms || !first.last_k() ||
      !second.last_k()) {
    return std::nullopt;
  }
  const double phase_step_ms = 1000.0 / cfg.resp_grid_hz * kPhaseStride;
  const std::int64_t k_end = std::min(*first.last_k(), *second.last_k());
  const std::size_t w = points(cfg.plv_window_ms, phase_step_ms);
  if (!first.holds(k_end, w) || !second.holds(k_end, w)) return std::nullopt;
  thread_local std::vector<PhaseCode> a, b;
  first.copy(k_end, w, a);
  second.copy(k_end, w, b);
  double re = 0.0, im = 0.0;
  for (std::size_t i = 0; i < w; ++i) {
    double r1, i1, r2, i2;
    phasor_of(a[i], r1, i1);
    phasor_of(b[i], r2, i2);
    re += r1 * r2 + i1 * i2;  // exp(i phi1) * conj(exp(i phi2))
    im += i1 * r2 - r1 * i2;
  }
  const std::complex<double> mean(re / static_cast<double>(w), im / static_cast<double>(w));
  BreathingSynchrony out;
  out.plv = std::abs(mean);
  out.rel_phase_rad = std::arg(mean);
  if (!std::isfinite(out.plv) || !std::isfinite(out.rel_phase_rad)) return std::nullopt;
  const std::size_t m = points(cfg.plv_span_ms, phase_step_ms);
  if (with_surrogates && first.holds(k_end, m) && second.holds(k_end, m)) {
    first.copy(k_end, m, a);
    second.copy(k_end, m, b);
    out.plv_z = breathing_span_test(
        a, b, points(cfg.surrogate_min_shift_ms, phase_step_ms),
        std::max<std::size_t>(1, points(cfg.resp_update_ms, phase_step_ms)));
  }
  return out;
}

}  // namespace attune::core
