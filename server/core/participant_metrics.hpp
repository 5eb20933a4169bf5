// The per-second values of one person at snapshot time T, computed only
// from beats with t_ms <= T (docs/metrics.md "Per-person metrics"):
//
//   streaming:  the last beat lies in [T - max_gap_ms, T]; otherwise every
//               value below is absent.
//   segment:    beats since the last gap > max_gap_ms (nothing is carried
//               or extrapolated across a gap).
//   RMSSD window: beats of the segment with t in (T - rmssd_window_ms, T];
//               artefacts replaced by rr_interpolate_artifacts over this
//               window; artifact_fraction = artefacts / beats of the window.
//   HR:         mean of 60000 / RR (corrected series) over the beats with t
//               in (T - hr_window_ms, T]; needs one clean beat among them.
//   RMSSD:      over the corrected window; needs T - segment start >=
//               rmssd_min_ms, >= 2 beats, artifact_fraction <=
//               max_artifact_fraction.
#pragma once

#include <cstdint>
#include <optional>

#include "core/beat_series.hpp"
#include "core/engine_config.hpp"

namespace attune::core {

struct ParticipantSecond {
  bool streaming = false;
  std::optional<double> hr_bpm;
  std::optional<double> rmssd_ms;
  std::optional<double> ln_rmssd;
  std::optional<double> artifact_fraction;
};

ParticipantSecond participant_metrics_at(const BeatSeries& series, std::int64_t t_ms,
                                         const EngineConfig& cfg);

}  // namespace attune::core
