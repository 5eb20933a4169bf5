#include "core/breathing.hpp"

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

std::optional<std::vector<double>> filtered_buffer(const RespirationSeries& r, std::int64_t e,
                                                   std::int64_t t_ms, const EngineConfig& cfg,
                                                   const std::vector<Biquad>& sos) {
  const RespGrid g = resp_grid(cfg);
  const auto raw = r.on_grid(e - static_cast<std::int64_t>(g.n) + 1, g.n, g.step_ms,
                             static_cast<double>(cfg.resp_max_gap_ms), static_cast<double>(t_ms));
  if (!raw) return std::nullopt;
  return sosfiltfilt(sos, *raw);
}

std::vector<std::complex<double>> unit_phasors(const std::vector<double>& x) {
  auto a = analytic_signal(x);
  for (auto& v : a) {
    const double m = std::abs(v);
    v = m > 0 ? v / m : std::complex<double>(0.0, 0.0);
  }
  return a;
}

}  // namespace

RespirationSecond respiration_at(const RespirationSeries& r, std::int64_t t_ms,
                                 const EngineConfig& cfg, const std::vector<Biquad>& sos) {
  RespirationSecond out;
  const auto last = streaming_last(r, t_ms, cfg);
  if (!last) return out;
  out.streaming = true;
  const RespGrid g = resp_grid(cfg);
  const auto e = static_cast<std::int64_t>(std::floor(*last / g.step_ms));
  const auto f = filtered_buffer(r, e, t_ms, cfg, sos);
  if (!f) return out;
  const std::size_t w = std::min(points(cfg.breath_window_ms, g.step_ms), f->size());
  const std::vector<double> win(f->end() - static_cast<std::ptrdiff_t>(w), f->end());
  const BreathCycleStats s = breath_cycle_stats(win, g.step_ms / 1000.0);
  out.breath_rate_bpm = finite_or_none(s.rate_bpm);
  out.ie_ratio = finite_or_none(s.ie_ratio);
  return out;
}

std::optional<BreathingSynchrony> breathing_synchrony(const RespirationSeries& first,
                                                      const RespirationSeries& second,
                                                      std::int64_t t_ms, const EngineConfig& cfg,
                                                      const std::vector<Biquad>& sos,
                                                      bool with_surrogates) {
  const auto l1 = streaming_last(first, t_ms, cfg);
  const auto l2 = streaming_last(second, t_ms, cfg);
  if (!l1 || !l2) return std::nullopt;
  const RespGrid g = resp_grid(cfg);
  const auto e = static_cast<std::int64_t>(std::floor(std::min(*l1, *l2) / g.step_ms));
  const auto f1 = filtered_buffer(first, e, t_ms, cfg, sos);
  const auto f2 = filtered_buffer(second, e, t_ms, cfg, sos);
  if (!f1 || !f2) return std::nullopt;
  const auto p1 = unit_phasors(*f1);
  const auto p2 = unit_phasors(*f2);
  const std::size_t n = p1.size();
  const std::size_t edge = points(cfg.plv_edge_ms, g.step_ms);
  const std::size_t w = points(cfg.plv_window_ms, g.step_ms);
  if (w == 0 || edge + w > n) return std::nullopt;
  const std::size_t begin = n - edge - w;
  std::complex<double> sum(0.0, 0.0);
  for (std::size_t i = begin; i < begin + w; ++i) sum += p1[i] * std::conj(p2[i]);
  const std::complex<double> mean = sum / static_cast<double>(w);
  BreathingSynchrony out;
  out.plv = std::abs(mean);
  out.rel_phase_rad = std::arg(mean);
  if (!std::isfinite(out.plv) || !std::isfinite(out.rel_phase_rad)) return std::nullopt;
  if (with_surrogates && n > 2 * edge) {
    const std::size_t v = n - 2 * edge;  // valid region [edge, n - edge)
    std::vector<double> surr;
    for (std::size_t s : circular_shifts(v, points(cfg.surrogate_min_shift_ms, g.step_ms),
                                         std::max<std::size_t>(1, points(cfg.plv_surrogate_shift_step_ms, g.step_ms)))) {
      std::complex<double> acc(0.0, 0.0);
      for (std::size_t i = begin; i < begin + w; ++i) {
        const std::size_t rel = i - edge;  // position in the valid region
        acc += p1[i] * std::conj(p2[edge + (rel + v - s) % v]);
      }
      surr.push_back(std::abs(acc / static_cast<double>(w)));
    }
    out.plv_z = surrogate_z(out.plv, surr);
  }
  return out;
}

}  // namespace attune::core
