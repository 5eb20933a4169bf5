// Every window, threshold and bound the engine uses, with the defaults of
// SYNCHRONY.md. Summaries record these values (to_json) with the algorithm
// version, so any published number can be reproduced.
#pragma once

#include <cstdint>
#include <string>

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

  std::string to_json() const;
};

}  // namespace attune::core
