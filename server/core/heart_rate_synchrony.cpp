#include "core/heart_rate_synchrony.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/heart_rate.hpp"
#include "core/numeric.hpp"
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

std::optional<std::int64_t> last_clean_at(const BeatSeries& s, std::int64_t t_ms,
                                          std::int64_t max_gap_ms) {
  const auto& beats = s.beats();
  const std::size_t end = s.end_at(t_ms);
  if (end == 0 || t_ms - beats[end - 1].t_ms > max_gap_ms) return std::nullopt;  // not streaming
  for (std::size_t i = end; i-- > 0;) {
    if (!beats[i].artifact) return beats[i].t_ms;
  }
  return std::nullopt;
}

// The grid samples of one partner's HR spline, or nullopt if its clean
// beats do not cover the grid without a gap.
std::optional<std::vector<double>> resampled_hr(const BeatSeries& s, std::int64_t t_ms,
                                                const GridWindow& g, const EngineConfig& cfg) {
  const auto& beats = s.beats();
  const std::size_t end = s.end_at(t_ms);
  if (end == 0) return std::nullopt;
  // Knots come from the current segment only: a data gap is never bridged.
  const std::int64_t segment_start = beats[end - 1].segment_start_ms;
  const double t_lo = g.t_lo_ms();
  const double knot_lo = std::max(t_lo - static_cast<double>(cfg.wcc_spline_margin_ms),
                                  static_cast<double>(segment_start));
  std::vector<double> x, y;
  std::int64_t prev_t = 0, first_t = 0;
  for (std::size_t i = 0; i < end; ++i) {
    const StoredBeat& b = beats[i];
    if (b.artifact || static_cast<double>(b.t_ms) < knot_lo) continue;
    if (!x.empty() && b.t_ms - prev_t > cfg.wcc_max_knot_gap_ms) return std::nullopt;
    if (x.empty()) first_t = b.t_ms;
    x.push_back(static_cast<double>(b.t_ms - t_ms) / 1000.0);
    y.push_back(heart_rate_instantaneous_bpm(b.rr_ms));
    prev_t = b.t_ms;
  }
  if (x.size() < 2 || static_cast<double>(first_t) > t_lo) return std::nullopt;
  std::vector<double> grid;
  grid.reserve(g.n + g.lags);
  for (std::size_t i = 0; i < g.n + g.lags; ++i) {
    const double tk = static_cast<double>(g.first_k + static_cast<std::int64_t>(i)) * g.step_ms;
    grid.push_back((tk - static_cast<double>(t_ms)) / 1000.0);
  }
  return resample_spline(std::move(x), std::move(y), grid);
}

}  // namespace

std::optional<HeartRateSynchrony> heart_rate_synchrony(const BeatSeries& first,
                                                       const BeatSeries& second,
                                                       std::int64_t t_ms,
                                                       const EngineConfig& cfg) {
  const auto last1 = last_clean_at(first, t_ms, cfg.max_gap_ms);
  const auto last2 = last_clean_at(second, t_ms, cfg.max_gap_ms);
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

  const auto x = resampled_hr(first, t_ms, g, cfg);
  const auto y = resampled_hr(second, t_ms, g, cfg);
  if (!x || !y) return std::nullopt;
  const auto wcc = windowed_cross_correlation(*x, *y, g.n, g.lags, cfg.wcc_min_sd_bpm);
  if (!wcc) return std::nullopt;

  HeartRateSynchrony out;
  out.r0 = wcc->r0;
  out.peak_r = wcc->peak_r;
  out.peak_lag_s = static_cast<double>(wcc->peak_lag_steps) * g.step_ms / 1000.0;
  out.peak_z = fisher_z(wcc->peak_r);
  if (!std::isfinite(out.r0) || !std::isfinite(out.peak_r) || !std::isfinite(out.peak_z)) {
    return std::nullopt;
  }
  return out;
}

}  // namespace attune::core
