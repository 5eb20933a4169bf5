// Heart-rate synchrony of one pair at snapshot time T: each partner's clean
// beats become instantaneous HR (60000 / RR at the beat's time), a natural
// cubic spline through them is sampled on the common grid
// t_k = k / grid_hz s, and windowed_cross_correlation compares the two.
// Source: Boker et al. (2002), Psychol Methods 7:338. Exact construction,
// reproduced by tests/reference/core_reference.py (docs/metrics.md "WCC"):
//
//   step   = 1000 / grid_hz ms; n = wcc_window_ms / step (120);
//            L = wcc_max_lag_ms / step (20).
//   e      = floor(min(last clean beat <= T of each partner) / step): the
//            window ends at the last grid point both splines cover, so no
//            value is extrapolated past either partner's data.
//   grid   = k = e-n-L+1 .. e (n + L points); t_lo = (e-n-L+1) * step.
//   knots  = each partner's clean beats of the current segment (since the
//            last gap > max_gap_ms) with t in [t_lo - margin, T],
//            x = (t_ms - T) / 1000 s, y = 60000 / RR.
//   valid  = both streaming, T - e*step <= max_gap_ms, first knot <= t_lo
//            (so the segment covers the whole grid: no data gap inside),
//            successive knots <= wcc_max_knot_gap_ms apart (the spline
//            bridges short runs of corrected beats, not long ones), and r
//            defined at every lag.
#pragma once

#include <cstdint>
#include <optional>

#include "core/beat_series.hpp"
#include "core/engine_config.hpp"
#include "core/windowed_cross_correlation.hpp"

namespace attune::core {

struct HeartRateSynchrony {
  double r0 = 0.0;
  double peak_r = 0.0;
  double peak_lag_s = 0.0;  // positive: second partner follows the first
  double peak_z = 0.0;      // Fisher z of peak_r
  std::int64_t grid_end_k = 0;  // e: index of the window's last grid point
};

std::optional<HeartRateSynchrony> heart_rate_synchrony(const BeatSeries& first,
                                                       const BeatSeries& second,
                                                       std::int64_t t_ms,
                                                       const EngineConfig& cfg);

}  // namespace attune::core
