// Every window, threshold and bound the engine uses, with the defaults of
// SYNCHRONY.md. Summaries record these values (to_json) with the algorithm
// version, so any published number can be reproduced.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace attune::core {

inline constexpr const char* kAlgorithmVersion = "attune-core/0.1.0";

struct EngineConfig {
  // Cleaning
  double rr_min_ms = 300.0;          // plausibility bounds (SYNCHRONY.md)
  double rr_max_ms = 2000.0;
  double malik_fraction = 0.20;      // |RR_i - RR_{i-1}| > 20 % of RR_{i-1}: ectopic
  std::int64_t max_gap_ms = 3000;    // a longer gap ends window validity
  double max_artifact_fraction = 0.10;  // more corrected beats: no HRV value

  // Per person
  std::int64_t hr_window_ms = 5000;
  std::int64_t rmssd_window_ms = 60000;
  std::int64_t rmssd_min_ms = 30000;     // valid from 30 s of data
  std::int64_t baseline_ms = 120000;     // calibration: first 2 minutes
  std::int64_t arousal_smoothing_ms = 10000;
  double activate_above = 1.0;           // arousal to enter ACTIVATED ...
  std::int64_t activate_hold_ms = 10000; // ... held this long
  double settle_below = 0.5;             // arousal to leave ACTIVATED ...
  std::int64_t settle_hold_ms = 15000;   // ... held this long

  // Per pair: heart-rate windowed cross-correlation (Boker et al. 2002)
  double grid_hz = 4.0;                  // common resampling grid
  std::int64_t wcc_window_ms = 30000;
  std::int64_t wcc_max_lag_ms = 5000;
  double leader_dead_zone_s = 0.5;

  // ---- Added with the first core slice (docs/metrics.md explains each).
  // lnRMSSD = ln(max(RMSSD, floor)): RR is reported at ~1 ms resolution, so
  // a smaller RMSSD is below what the sensor can tell apart, and ln(0) is -inf.
  double ln_rmssd_floor_ms = 1.0;
  // Baseline: the robust scale is MAD * mad_scale (consistent with the SD of
  // a normal distribution), floored so a flat calibration never divides by 0.
  double mad_scale = 1.4826;
  double baseline_hr_scale_floor_bpm = 1.0;
  double baseline_ln_rmssd_scale_floor = 0.05;
  // Per-second values of each metric needed inside the calibration window;
  // with fewer the calibration window slides on until there are enough.
  std::int64_t baseline_min_values = 20;
  // Shared state: CONNECTED when both settled and |peak WCC r| reaches this
  // (interim rule until the surrogate above-chance test exists).
  double connected_min_abs_r = 0.5;
  // Extra clean beats before the earliest grid point that feed the spline,
  // so its natural boundary condition has no effect inside the window.
  std::int64_t wcc_spline_margin_ms = 5000;
  // The HR spline bridges runs of corrected beats up to this long (clean
  // knots this far apart). A premature beat flags ~3 beats under the Malik
  // rule (premature, compensatory pause, the next normal one), so this must
  // exceed max_gap_ms; data gaps (> max_gap_ms between any beats) are never
  // bridged: the knots come from the current segment only.
  std::int64_t wcc_max_knot_gap_ms = 5000;
  // A lagged window whose SD is below this is flat: Pearson r is undefined.
  double wcc_min_sd_bpm = 1e-6;
  // Hard bound on beats held per seat (memory), whatever the caller does.
  std::int64_t max_buffered_beats = 20000;

  // Empty when every value is usable; otherwise one sentence per problem.
  std::vector<std::string> problems() const;

  std::string to_json() const;
};

}  // namespace attune::core
