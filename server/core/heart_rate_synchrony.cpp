#include "core/heart_rate_synchrony.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/heart_rate.hpp"
#include "core/numeric.hpp"
#include "core/beat_resampling.hpp"
#include "core/resample_spline.hpp"

namespace attune::core {
namespace {

struct GridWindow {
  std::int64_t first_k = 0;  // earliest grid index (lags included)
  std::size_t n = 0;         // window length in samples
  std::size_t lags = 0;      // max lag in samples
  double step_ms = 0.0;
  double t_lo_ms() const { return static_cast<double>(first_k) * step_ms; }
};

}  // namespace

std::optional<HeartRateSynchrony> heart_rate_synchrony(const BeatSeries& first,
                                                       const BeatSeries& second,
                                                       std::int64_t t_ms,
                                                       const EngineConfig& cfg) {
  const auto last1 = last_clean_beat_at(first, t_ms, cfg.max_gap_ms);
  const auto last2 = last_clean_beat_at(second, t_ms, cfg.max_gap_ms);
  if (!last1 || !last2) return std::nullopt;

  GridWindow g;
  g.step_ms = 1000.0 / cfg.grid_hz;
  g.n = static_cast<std::size_t>(std::llround(static_cast<double>(cfg.wcc_window_ms) / g.step_ms));
  g.lags = static_cast<std::size_t>(std::llround(static_cast<double>(cfg.wcc_max_lag_ms) / g.step_ms));
  const auto e = static_cast<std::int64_t>(
      std::floor(static_cast<double>(std::min(*last1, *last2)) / g.step_ms));
  if (static_cast<double>(t_ms) - static_cast<double>(e) * g.step_ms >
      static_cast<double>(cfg.max_gap_ms)) {
    return std::nullopt;
  }
  g.first_k = e - static_cast<std::int64_t>(g.n + g.lags) + 1;

  thread_local std::vector<double> x, y;  // reused every second
  if (!resample_clean_beats_into(first, t_ms, g.first_k, g.n + g.lags, g.step_ms,
                                 BeatQuantity::HeartRateBpm, cfg, x) ||
      !resample_clean_beats_into(second, t_ms, g.first_k, g.n + g.lags, g.step_ms,
                                 BeatQuantity::HeartRateBpm, cfg, y)) {
    return std::nullopt;
  }
  const auto wcc = windowed_cross_correlation(x, y, g.n, g.lags, cfg.wcc_min_sd_bpm);
  if (!wcc) return std::nullopt;

  HeartRateSynchrony out;
  out.r0 = wcc->r0;
  out.peak_r = wcc->peak_r;
  out.peak_lag_s = static_cast<double>(wcc->peak_lag_steps) * g.step_ms / 1000.0;
  out.peak_z = fisher_z(wcc->peak_r);
  out.grid_end_k = e;
  if (!std::isfinite(out.r0) || !std::isfinite(out.peak_r) || !std::isfinite(out.peak_z)) {
    return std::nullopt;
  }
  return out;
}

}  // namespace attune::core
