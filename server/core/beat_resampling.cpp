#include "core/beat_resampling.hpp"

#include <algorithm>

#include "core/heart_rate.hpp"
#include "core/resample_spline.hpp"

namespace attune::core {

std::optional<std::int64_t> last_clean_beat_at(const BeatSeries& s, std::int64_t t_ms,
                                               std::int64_t max_gap_ms) {
  const auto& beats = s.beats();
  const std::size_t end = s.end_at(t_ms);
  if (end == 0 || t_ms - beats[end - 1].t_ms > max_gap_ms) return std::nullopt;  // not streaming
  for (std::size_t i = end; i-- > 0;) {
    if (!artifact_at(beats[i], t_ms)) return beats[i].t_ms;
  }
  return std::nullopt;
}

bool resample_clean_beats_into(const BeatSeries& s, std::int64_t t_ms, std::int64_t first_k,
                               std::size_t count, double step_ms, BeatQuantity q,
                               const EngineConfig& cfg, std::vector<double>& out) {
  const auto& beats = s.beats();
  const std::size_t end = s.end_at(t_ms);
  if (end == 0 || count == 0) return false;
  const std::int64_t segment_start = s.segment_start_ms(end - 1);
  const double t_lo = static_cast<double>(first_k) * step_ms;
  const double knot_lo = std::max(t_lo - static_cast<double>(cfg.wcc_spline_margin_ms),
                                  static_cast<double>(segment_start));
  // Beats are in time order: start at the first one at or after knot_lo.
  auto it = std::lower_bound(beats.begin(), beats.begin() + static_cast<std::ptrdiff_t>(end), knot_lo,
                             [](const StoredBeat& b, double t) { return static_cast<double>(b.t_ms) < t; });
  // Knots and spline per thread, reused: the WCC resamples every second.
  thread_local std::vector<double> x, y;
  thread_local NaturalCubicSpline spline;
  x.clear();
  y.clear();
  std::int64_t prev_t = 0, first_t = 0;
  for (; it != beats.begin() + static_cast<std::ptrdiff_t>(end); ++it) {
    const StoredBeat& b = *it;
    if (artifact_at(b, t_ms)) continue;
    if (!x.empty() && b.t_ms - prev_t > cfg.wcc_max_knot_gap_ms) return false;
    if (x.empty()) first_t = b.t_ms;
    x.push_back(static_cast<double>(b.t_ms - t_ms) / 1000.0);
    y.push_back(q == BeatQuantity::HeartRateBpm ? heart_rate_instantaneous_bpm(b.rr_ms) : b.rr_ms);
    prev_t = b.t_ms;
  }
  if (x.size() < 2 || static_cast<double>(first_t) > t_lo) return false;
  if (!spline.refit(x.data(), y.data(), x.size())) return false;
  spline.evaluate_grid(first_k, count, step_ms, static_cast<double>(t_ms), out);
  return true;
}

std::optional<std::vector<double>> resample_clean_beats(const BeatSeries& s, std::int64_t t_ms,
                                                        std::int64_t first_k, std::size_t count,
                                                        double step_ms, BeatQuantity q,
                                                        const EngineConfig& cfg) {
  std::vector<double> out;
  if (!resample_clean_beats_into(s, t_ms, first_k, count, step_ms, q, cfg, out)) return std::nullopt;
  return out;
}

}  // namespace attune::core
