#include "core/pacer_entrainment.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <vector>

#include "core/respiration.hpp"
#include "core/spectral.hpp"

namespace attune::core {
namespace {
constexpr double kTwoPi = 6.283185307179586476925286766559;
constexpr std::int64_t kMaxAbsTimeMs = std::int64_t{1} << 50;
}  // namespace

RespirationBuffer::RespirationBuffer(std::int64_t span_ms, std::size_t max_samples)
    : span_ms_(span_ms > 0 ? span_ms : 0), max_samples_(max_samples) {}

std::size_t RespirationBuffer::add(std::int64_t t0_ms, double rate_hz, const double* values,
                                   std::size_t n) {
  if (!values || n == 0) return 0;
  if (t0_ms > kMaxAbsTimeMs || t0_ms < -kMaxAbsTimeMs || !std::isfinite(rate_hz) ||
      rate_hz <= 0.0 || rate_hz > 1000.0) {
    return 0;
  }
  const double period = 1000.0 / rate_hz;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(t0_ms) + static_cast<double>(i) * period;
    if (!std::isfinite(values[i]) || (!samples_.empty() && t <= samples_.back().t_ms)) continue;
    samples_.push_back({t, values[i]});
    ++kept;
  }
  if (!samples_.empty()) {
    const double horizon = samples_.back().t_ms - static_cast<double>(span_ms_);
    while (!samples_.empty() && samples_.front().t_ms < horizon) samples_.pop_front();
  }
  while (samples_.size() > max_samples_) samples_.pop_front();
  return kept;
}

void RespirationBuffer::clear() { samples_.clear(); }

std::optional<PacerEntrainment> pacer_entrainment(const RespirationBuffer& respiration,
                                                  const PacerSchedule& pacer, std::int64_t t_ms,
                                                  const EntrainmentConfig& cfg) {
  if (!(cfg.grid_hz > 0.0) || cfg.window_ms <= 0 || cfg.edge_ms < 0 || cfg.buffer_ms <= 0) {
    return std::nullopt;
  }
  const auto& s = respiration.samples();
  const double T = static_cast<double>(t_ms);
  // Last sample at or before T.
  auto end_it = std::upper_bound(s.begin(), s.end(), T,
                                 [](double t, const RespirationBuffer::Sample& x) { return t < x.t_ms; });
  if (end_it == s.begin()) return std::nullopt;
  const std::size_t last = static_cast<std::size_t>(end_it - s.begin()) - 1;
  const double max_gap = static_cast<double>(cfg.max_gap_ms);
  if (s[last].t_ms < T - max_gap) return std::nullopt;  // not breathing into the sensor now

  const double step = 1000.0 / cfg.grid_hz;
  const auto e = static_cast<std::int64_t>(std::floor(s[last].t_ms / step));
  const auto n_max = static_cast<std::int64_t>(std::llround(static_cast<double>(cfg.buffer_ms) / step));
  const auto n_window = static_cast<std::int64_t>(std::llround(static_cast<double>(cfg.window_ms) / step));
  const auto n_edge = static_cast<std::int64_t>(std::llround(static_cast<double>(cfg.edge_ms) / step));
  const std::int64_t n_min = n_window + 2 * n_edge;
  if (n_window < 2) return std::nullopt;

  // The contiguous run (gaps <= max_gap) that ends at the last sample.
  std::size_t first = last;
  const double reach = static_cast<double>(e - n_max + 1) * step;
  while (first > 0 && s[first].t_ms > reach && s[first].t_ms - s[first - 1].t_ms <= max_gap) --first;
  const auto k_run = static_cast<std::int64_t>(std::ceil(s[first].t_ms / step));
  // The newest points of the run, as many as an FFT-friendly length allows
  // (smooth_even_at_most: a dozen sizes between 40 and 60 s instead of one
  // per second of a growing run; the window is 5 s from the newest end).
  const std::int64_t available = e - std::max(e - n_max + 1, k_run) + 1;
  if (available < n_min) return std::nullopt;
  const auto count = static_cast<std::int64_t>(smooth_even_at_most(static_cast<std::size_t>(available)));
  if (count < n_min) return std::nullopt;
  const std::int64_t k_first = e - count + 1;

  // Linear interpolation onto the grid.
  std::vector<double> x(static_cast<std::size_t>(count));
  std::size_t j = first;
  for (std::int64_t i = 0; i < count; ++i) {
    const double tk = static_cast<double>(k_first + i) * step;
    while (j + 1 <= last && s[j + 1].t_ms <= tk) ++j;
    if (s[j].t_ms == tk || j == last) {
      x[static_cast<std::size_t>(i)] = s[j].value;
    } else {
      const double t0 = s[j].t_ms, t1 = s[j + 1].t_ms;
      const double w = (tk - t0) / (t1 - t0);
      x[static_cast<std::size_t>(i)] = s[j].value + w * (s[j + 1].value - s[j].value);
    }
  }

  const auto sos = butterworth_bandpass(cfg.filter_order, cfg.band_lo_hz, cfg.band_hi_hz, cfg.grid_hz);
  if (!sos) return std::nullopt;
  const auto filtered = sosfiltfilt(*sos, x);
  if (!filtered) return std::nullopt;
  const auto analytic = analytic_signal(*filtered);

  const std::int64_t i_end = count - 1 - n_edge;  // inclusive
  const std::int64_t i_begin = i_end - n_window + 1;
  const double w_from = static_cast<double>(k_first + i_begin) * step;
  const double w_to = static_cast<double>(k_first + i_end) * step;
  if (!pacer.ran_throughout_ms(w_from, w_to)) return std::nullopt;

  std::complex<double> sum(0.0, 0.0);
  for (std::int64_t i = i_begin; i <= i_end; ++i) {
    const double tk = static_cast<double>(k_first + i) * step;
    const auto p = pacer.phase_history_at_ms(tk);
    if (!p) return std::nullopt;
    const double phi = std::arg(analytic[static_cast<std::size_t>(i)]);
    sum += std::polar(1.0, phi - kTwoPi * *p);
  }
  sum /= static_cast<double>(n_window);
  PacerEntrainment out;
  out.plv = std::min(1.0, std::abs(sum));
  out.rel_phase_rad = std::arg(sum);
  out.window_end_ms = static_cast<std::int64_t>(std::llround(w_to));
  return out;
}

}  // namespace attune::core
