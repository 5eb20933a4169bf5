#include "core/breathing.hpp"

#include <array>
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

// The filtered buffer of one seat ending at grid point e, and (on demand)
// its unit phasors exp(i phi). Each second needs it for the breath rate and
// again for every pair with that seat, so it is computed once: a per-thread
// memo keyed by the series' identity and revision, e and T holds the last
// few frames. The key covers everything the values depend on, so a hit
// returns exactly what recomputing would (the engine stays pure); per thread
// because rooms run on several threads, and not per room because it is
// 36 KiB per seat (it lives only for the second being computed).
struct Frame {
  std::uint64_t identity = 0, revision = 0;
  std::int64_t e = 0, t_ms = 0;
  std::uint64_t used = 0;  // for least-recently-used replacement
  bool ok = false, has_phasors = false;
  std::vector<double> filtered;
  std::vector<std::complex<double>> phasors;
};

Frame& frame_of(const RespirationSeries& r, std::int64_t e, std::int64_t t_ms,
                const EngineConfig& cfg, const std::vector<Biquad>& sos) {
  constexpr std::size_t kFrames = 6;  // 3 seats, and pairs ending earlier
  thread_local std::array<Frame, kFrames> frames;
  thread_local std::uint64_t clock = 0;
  ++clock;
  Frame* victim = &frames[0];
  for (Frame& f : frames) {
    if (f.used != 0 && f.identity == r.identity() && f.revision == r.revision() && f.e == e &&
        f.t_ms == t_ms) {
      f.used = clock;
      return f;
    }
    if (f.used < victim->used) victim = &f;
  }
  Frame& f = *victim;
  f.identity = r.identity();
  f.revision = r.revision();
  f.e = e;
  f.t_ms = t_ms;
  f.used = clock;
  f.has_phasors = false;
  const RespGrid g = resp_grid(cfg);
  thread_local std::vector<double> raw;
  f.ok = r.on_grid_into(e - static_cast<std::int64_t>(g.n) + 1, g.n, g.step_ms,
                        static_cast<double>(cfg.resp_max_gap_ms), static_cast<double>(t_ms), raw) &&
         sosfiltfilt_into(sos, raw, f.filtered);
  return f;
}

const std::vector<std::complex<double>>& unit_phasors(Frame& f) {
  if (!f.has_phasors) {
    analytic_signal_into(f.filtered.data(), f.filtered.size(), f.phasors);
    for (auto& v : f.phasors) {
      const double m = std::abs(v);
      v = m > 0 ? v / m : std::complex<double>(0.0, 0.0);
    }
    f.has_phasors = true;
  }
  return f.phasors;
}

}  // namespace

RespirationSecond respiration_at(const RespirationSeries& r, std::int64_t t_ms,
                                 const EngineConfig& cfg, const std::vector<Biquad>& sos,
                                 bool with_rate) {
  RespirationSecond out;
  const auto last = streaming_last(r, t_ms, cfg);
  if (!last) return out;
  out.streaming = true;
  if (!with_rate) return out;
  const RespGrid g = resp_grid(cfg);
  const auto e = static_cast<std::int64_t>(std::floor(*last / g.step_ms));
  const Frame& f = frame_of(r, e, t_ms, cfg, sos);
  if (!f.ok) return out;
  const std::size_t w = std::min(points(cfg.breath_window_ms, g.step_ms), f.filtered.size());
  thread_local std::vector<double> win;
  win.assign(f.filtered.end() - static_cast<std::ptrdiff_t>(w), f.filtered.end());
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
  Frame& f1 = frame_of(first, e, t_ms, cfg, sos);
  if (!f1.ok) return std::nullopt;
  Frame& f2 = frame_of(second, e, t_ms, cfg, sos);
  if (!f2.ok) return std::nullopt;
  const auto& p1 = unit_phasors(f1);
  const auto& p2 = unit_phasors(f2);
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
      // Position in the valid region: rel = i - edge; partner index
      // edge + (rel + v - s) mod v, walked without a division per sample.
      std::size_t j = (begin - edge + v - s) % v;
      for (std::size_t i = begin; i < begin + w; ++i) {
        acc += p1[i] * std::conj(p2[edge + j]);
        if (++j == v) j = 0;
      }
      surr.push_back(std::abs(acc / static_cast<double>(w)));
    }
    out.plv_z = surrogate_z(out.plv, surr);
  }
  return out;
}

}  // namespace attune::core
