// Every window, threshold and bound the engine uses, with the defaults of
// SYNCHRONY.md. Summaries record these values (to_json) with the algorithm
// version, so any published number can be reproduced.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace attune::core {

inline constexpr const char* kAlgorithmVersion = "attune-core/0.6.0";

// Which rule judges ectopic / missed / extra / long-short beats.
enum class CleaningMethod : std::uint8_t { LipponenTarvainen, Malik };

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
  // Ours: per-second values over two calm minutes are strongly autocorrelated,
  // so their MAD measures the two minutes, not how far a settled person
  // wanders over a session (simulated calm: HR by ~3 bpm, lnRMSSD by ~0.2).
  // The floors are that within-session calm spread, so ordinary drift stays
  // below 1 scale unit; a real activation (+12 bpm, RMSSD halved) is still
  // ~3 units of each. docs/metrics.md "Calibration baseline" has the figures.
  double baseline_hr_scale_floor_bpm = 4.0;
  double baseline_ln_rmssd_scale_floor = 0.25;
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

  // ---- Added with the complete core (issue 3; docs/metrics.md explains each).
  // Cleaning: Lipponen & Tarvainen 2019 (SYNCHRONY.md), Malik as fallback.
  CleaningMethod cleaning = CleaningMethod::LipponenTarvainen;
  double lt_c1 = 0.13;
  double lt_c2 = 0.17;
  double lt_alpha = 5.2;
  std::int64_t lt_window_beats = 91;    // quartile (threshold) window
  std::int64_t lt_median_beats = 11;    // median window
  double lt_threshold_floor_fraction = 0.05;  // ours: Th1, Th2 >= this * median RR
  // Long time-domain window: SDNN, pNN50 (valid from long_window_min_ms).
  std::int64_t long_window_ms = 120000;
  std::int64_t long_window_min_ms = 60000;
  // Welch over the RR series on the 4 Hz grid (window = long_window_ms).
  std::int64_t welch_nperseg = 256;
  std::int64_t welch_noverlap = 128;
  std::int64_t welch_nfft = 1024;
  double lf_lo_hz = 0.04, lf_hi_hz = 0.15;
  double hf_lo_hz = 0.15, hf_hi_hz = 0.40;
  double rsa_half_width_hz = 0.03;
  // LF, HF and RSA are computed at seconds that are multiples of this and
  // held in between (ours, issue 3: a 120 s Welch estimate barely moves in
  // a second, and recomputing it each second was a fifth of the engine).
  std::int64_t spectral_update_ms = 5000;
  // Coherence ratio (McCraty et al. 2009).
  std::int64_t coherence_window_ms = 64000;
  std::int64_t coherence_update_ms = 5000;
  double coherence_peak_lo_hz = 0.04, coherence_peak_hi_hz = 0.26;
  double coherence_peak_width_hz = 0.030;
  double coherence_total_lo_hz = 0.0033, coherence_total_hi_hz = 0.4;
  // Respiration: common grid, band-pass, buffer and windows.
  double resp_grid_hz = 25.0;
  double resp_band_lo_hz = 0.05, resp_band_hi_hz = 3.0;
  std::int64_t resp_filter_order = 2;
  std::int64_t resp_buffer_ms = 60000;   // filtered (and Hilbert) buffer
  std::int64_t breath_window_ms = 30000; // breath rate, I:E: end of the buffer
  std::int64_t resp_max_gap_ms = 1000;   // samples further apart: no value
  std::int64_t max_buffered_resp_samples = 200000;
  // Breath rate, I:E, PLV and relative phase are computed at seconds that
  // are multiples of this and held in between (ours, issue 3: their 30 s
  // windows move little in a second, and the zero-phase filter and Hilbert
  // transform of the 60 s buffers were two thirds of the engine's time).
  std::int64_t resp_update_ms = 5000;
  // Breath-rate baseline scale floor (ours): the calibration's breath rates
  // are a 30 s estimate refreshed every second, present only in its last
  // 60 s (the 60 s buffer fills first), so their MAD is ~0.1-0.9/min, while
  // calm breathing wanders by 1-2/min over minutes.
  double baseline_breath_scale_floor_bpm = 2.0;
  // Breathing synchrony (PLV): window inside the buffer, edge dropped at its end.
  std::int64_t plv_window_ms = 30000;
  std::int64_t plv_edge_ms = 5000;
  // Dyadic correlations.
  std::int64_t arousal_concordance_window_ms = 60000;
  std::int64_t arousal_concordance_min_values = 30;
  std::int64_t hrv_epoch_ms = 30000;
  std::int64_t hrv_linkage_window_ms = 300000;
  std::int64_t hrv_linkage_min_epochs = 6;
  std::int64_t leader_window_ms = 300000;
  // Above chance: circular-shift surrogates. Span and shift step are the
  // heart-rate test's (docs/metrics.md "Above chance"); the minimum shift
  // is shared with PLV.
  std::int64_t surrogate_span_ms = 300000;
  std::int64_t surrogate_min_shift_ms = 20000;
  std::int64_t surrogate_shift_step_ms = 8000;
  // The breathing test's span (docs/metrics.md "plv_above_chance_z"): its
  // shift step is resp_update_ms, its minimum shift surrogate_min_shift_ms.
  std::int64_t plv_span_ms = 180000;
  // Heart-rate test: WCC windows end every this much over the span, and
  // the peak of their lag-by-lag mean r is tested (wcc_span_test.hpp).
  std::int64_t surrogate_window_step_ms = 15000;
  // Heart-rate test prewhitening (prewhitening.hpp): low-pass FIR of this
  // length (taps = 2 round(length / grid step / 2) + 1) and cutoff (the
  // LF/HF boundary), on the test's grid (grid_hz / surrogate_grid_hz must
  // be a whole number), then the first difference.
  std::int64_t surrogate_lowpass_ms = 15000;
  double surrogate_lowpass_hz = 0.15;
  double surrogate_grid_hz = 1.0;
  std::int64_t surrogate_update_ms = 15000;
  double above_chance_min_z = 1.96;

  // ---- Added with co-regulation episodes (issue 3; docs/metrics.md
  // "Co-regulation episodes" and "CO_ESCALATION by rising arousal"; ours).
  // CO_ESCALATION also when both arousal indices rise together: over the
  // last co_rise_window_ms both least-squares slopes >= min_slope (units per
  // minute), both indices >= min_arousal, the 60 s arousal concordance
  // >= min_concordance and up by >= min_concordance_gain over the window.
  std::int64_t co_rise_window_ms = 20000;
  double co_rise_min_slope_per_min = 2.0;
  double co_rise_min_arousal = 0.5;
  double co_rise_min_concordance = 0.5;
  double co_rise_min_concordance_gain = 0.05;
  // An episode survives a signal loss (either partner UNKNOWN) up to this
  // long: a strap dropout withholds RMSSD for ~30 s after the gap.
  std::int64_t episode_max_signal_loss_ms = 45000;
  // Episodes listed one by one in the summary (all are counted).
  std::int64_t episode_list_max = 100;

  // Empty when every value is usable; otherwise one sentence per problem.
  std::vector<std::string> problems() const;

  std::string to_json() const;
};

}  // namespace attune::core
