// The per-second heart values of one person at snapshot time T, computed
// only from beats with t_ms <= T and their verdicts as of T
// (docs/metrics.md "Per-person metrics"):
//
//   streaming:  the last beat lies in [T - max_gap_ms, T]; otherwise every
//               value below is absent.
//   segment:    beats since the last gap > max_gap_ms (nothing is carried
//               or extrapolated across a gap).
//   window W:   beats of the segment with t in (T - W, T]; artefacts
//               replaced by rr_interpolate_artifacts over this window;
//               artefact fraction = artefacts / beats of the window.
//   HR:         mean of 60000 / RR (corrected series, 60 s window) over the
//               beats with t in (T - hr_window_ms, T]; one clean beat needed.
//   RMSSD:      60 s window; T - segment start >= rmssd_min_ms, >= 2 beats,
//               fraction <= max_artifact_fraction.
//   SDNN, pNN50: 120 s window; T - segment start >= long_window_min_ms,
//               >= 2 beats, fraction <= max_artifact_fraction.
//   LF, HF, RSA: RR of the clean beats on the 4 Hz grid (beat_resampling),
//               480 points ending at floor(last clean beat / step); Welch;
//               120 s fraction <= max_artifact_fraction.
//   coherence:  256 grid points (64 s) ending there; one Hann periodogram;
//               64 s fraction <= max_artifact_fraction.
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
  std::optional<double> sdnn_ms;
  std::optional<double> pnn50;
  std::optional<double> lf_ms2;
  std::optional<double> hf_ms2;
  std::optional<double> rsa_ms2;
  std::optional<double> coherence;  // only when asked for
};

// breath_rate_hz: the person's breath rate at T (for RSA band power), if known.
// with_spectral false leaves LF, HF and RSA absent (the engine computes them
// every spectral_update_ms and holds them in between).
ParticipantSecond participant_metrics_at(const BeatSeries& series, std::int64_t t_ms,
                                         const EngineConfig& cfg,
                                         std::optional<double> breath_rate_hz = std::nullopt,
                                         bool with_coherence = false, bool with_spectral = true);

// lnRMSSD of one HRV-linkage epoch (T - hrv_epoch_ms, T]: the segment must
// cover the whole epoch, >= 2 beats, fraction <= max_artifact_fraction
// (Helm, Sbarra & Ferrer 2014).
std::optional<double> epoch_ln_rmssd(const BeatSeries& series, std::int64_t t_ms,
                                     const EngineConfig& cfg);

}  // namespace attune::core
