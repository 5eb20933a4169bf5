// Serialisation and validation of EngineConfig. JSON is written by hand (the
// core links only the standard library); numbers use std::to_chars, which is
// locale-independent and round-trips doubles exactly.
#include "core/engine_config.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

namespace attune::core {
namespace {

class JsonObjectWriter {
 public:
  JsonObjectWriter() { out_ = "{"; }

  void field(const char* name, double v) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    key(name);
    if (res.ec == std::errc() && std::isfinite(v)) {
      out_.append(buf, res.ptr);
    } else {
      out_ += "null";  // JSON has no NaN/inf
    }
  }

  void field(const char* name, std::int64_t v) {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    key(name);
    out_.append(buf, res.ptr);
  }

  void field(const char* name, const char* v) {
    key(name);
    out_ += '"';
    out_ += v;  // only our own constant strings, no escaping needed
    out_ += '"';
  }

  std::string finish() { return out_ + "}"; }

 private:
  void key(const char* name) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += name;
    out_ += "\":";
  }

  std::string out_;
  bool first_ = true;
};

}  // namespace

std::string EngineConfig::to_json() const {
  JsonObjectWriter w;
  w.field("algorithm_version", kAlgorithmVersion);
  w.field("rr_min_ms", rr_min_ms);
  w.field("rr_max_ms", rr_max_ms);
  w.field("malik_fraction", malik_fraction);
  w.field("max_gap_ms", max_gap_ms);
  w.field("max_artifact_fraction", max_artifact_fraction);
  w.field("hr_window_ms", hr_window_ms);
  w.field("rmssd_window_ms", rmssd_window_ms);
  w.field("rmssd_min_ms", rmssd_min_ms);
  w.field("baseline_ms", baseline_ms);
  w.field("arousal_smoothing_ms", arousal_smoothing_ms);
  w.field("activate_above", activate_above);
  w.field("activate_hold_ms", activate_hold_ms);
  w.field("settle_below", settle_below);
  w.field("settle_hold_ms", settle_hold_ms);
  w.field("grid_hz", grid_hz);
  w.field("wcc_window_ms", wcc_window_ms);
  w.field("wcc_max_lag_ms", wcc_max_lag_ms);
  w.field("leader_dead_zone_s", leader_dead_zone_s);
  w.field("ln_rmssd_floor_ms", ln_rmssd_floor_ms);
  w.field("mad_scale", mad_scale);
  w.field("baseline_hr_scale_floor_bpm", baseline_hr_scale_floor_bpm);
  w.field("baseline_ln_rmssd_scale_floor", baseline_ln_rmssd_scale_floor);
  w.field("baseline_min_values", baseline_min_values);
  w.field("connected_min_abs_r", connected_min_abs_r);
  w.field("wcc_spline_margin_ms", wcc_spline_margin_ms);
  w.field("wcc_max_knot_gap_ms", wcc_max_knot_gap_ms);
  w.field("wcc_min_sd_bpm", wcc_min_sd_bpm);
  w.field("max_buffered_beats", max_buffered_beats);
  w.field("cleaning", cleaning == CleaningMethod::Malik ? "malik" : "lipponen_tarvainen_2019");
  w.field("lt_c1", lt_c1);
  w.field("lt_c2", lt_c2);
  w.field("lt_alpha", lt_alpha);
  w.field("lt_window_beats", lt_window_beats);
  w.field("lt_median_beats", lt_median_beats);
  w.field("lt_threshold_floor_fraction", lt_threshold_floor_fraction);
  w.field("long_window_ms", long_window_ms);
  w.field("long_window_min_ms", long_window_min_ms);
  w.field("welch_nperseg", welch_nperseg);
  w.field("welch_noverlap", welch_noverlap);
  w.field("welch_nfft", welch_nfft);
  w.field("lf_lo_hz", lf_lo_hz);
  w.field("lf_hi_hz", lf_hi_hz);
  w.field("hf_lo_hz", hf_lo_hz);
  w.field("hf_hi_hz", hf_hi_hz);
  w.field("rsa_half_width_hz", rsa_half_width_hz);
  w.field("spectral_update_ms", spectral_update_ms);
  w.field("coherence_window_ms", coherence_window_ms);
  w.field("coherence_update_ms", coherence_update_ms);
  w.field("coherence_peak_lo_hz", coherence_peak_lo_hz);
  w.field("coherence_peak_hi_hz", coherence_peak_hi_hz);
  w.field("coherence_peak_width_hz", coherence_peak_width_hz);
  w.field("coherence_total_lo_hz", coherence_total_lo_hz);
  w.field("coherence_total_hi_hz", coherence_total_hi_hz);
  w.field("resp_grid_hz", resp_grid_hz);
  w.field("resp_band_lo_hz", resp_band_lo_hz);
  w.field("resp_band_hi_hz", resp_band_hi_hz);
  w.field("resp_filter_order", resp_filter_order);
  w.field("resp_buffer_ms", resp_buffer_ms);
  w.field("breath_window_ms", breath_window_ms);
  w.field("resp_max_gap_ms", resp_max_gap_ms);
  w.field("resp_update_ms", resp_update_ms);
  w.field("max_buffered_resp_samples", max_buffered_resp_samples);
  w.field("baseline_breath_scale_floor_bpm", baseline_breath_scale_floor_bpm);
  w.field("plv_window_ms", plv_window_ms);
  w.field("plv_edge_ms", plv_edge_ms);
  w.field("arousal_concordance_window_ms", arousal_concordance_window_ms);
  w.field("arousal_concordance_min_values", arousal_concordance_min_values);
  w.field("hrv_epoch_ms", hrv_epoch_ms);
  w.field("hrv_linkage_window_ms", hrv_linkage_window_ms);
  w.field("hrv_linkage_min_epochs", hrv_linkage_min_epochs);
  w.field("leader_window_ms", leader_window_ms);
  w.field("surrogate_span_ms", surrogate_span_ms);
  w.field("surrogate_min_shift_ms", surrogate_min_shift_ms);
  w.field("surrogate_shift_step_ms", surrogate_shift_step_ms);
  w.field("plv_span_ms", plv_span_ms);
  w.field("surrogate_window_step_ms", surrogate_window_step_ms);
  w.field("surrogate_lowpass_ms", surrogate_lowpass_ms);
  w.field("surrogate_lowpass_hz", surrogate_lowpass_hz);
  w.field("surrogate_grid_hz", surrogate_grid_hz);
  w.field("surrogate_update_ms", surrogate_update_ms);
  w.field("above_chance_min_z", above_chance_min_z);
  w.field("co_rise_window_ms", co_rise_window_ms);
  w.field("co_rise_min_slope_per_min", co_rise_min_slope_per_min);
  w.field("co_rise_min_arousal", co_rise_min_arousal);
  w.field("co_rise_min_concordance", co_rise_min_concordance);
  w.field("co_rise_min_concordance_gain", co_rise_min_concordance_gain);
  w.field("episode_max_signal_loss_ms", episode_max_signal_loss_ms);
  w.field("episode_list_max", episode_list_max);
  return w.finish();
}

std::vector<std::string> EngineConfig::problems() const {
  std::vector<std::string> p;
  auto need = [&p](bool ok, const char* what) {
    if (!ok) p.emplace_back(what);
  };
  auto finite_pos = [](double v) { return std::isfinite(v) && v > 0; };
  need(finite_pos(rr_min_ms) && std::isfinite(rr_max_ms) && rr_min_ms < rr_max_ms,
       "rr_min_ms must be positive and below rr_max_ms");
  need(finite_pos(malik_fraction), "malik_fraction must be positive");
  need(max_gap_ms > 0, "max_gap_ms must be positive");
  need(std::isfinite(max_artifact_fraction) && max_artifact_fraction >= 0,
       "max_artifact_fraction must be >= 0");
  need(hr_window_ms > 0, "hr_window_ms must be positive");
  need(rmssd_window_ms > 0 && rmssd_min_ms >= 0 && rmssd_min_ms <= rmssd_window_ms,
       "rmssd_min_ms must lie in [0, rmssd_window_ms]");
  need(baseline_ms > 0, "baseline_ms must be positive");
  need(arousal_smoothing_ms > 0, "arousal_smoothing_ms must be positive");
  need(std::isfinite(activate_above) && std::isfinite(settle_below) &&
           settle_below <= activate_above,
       "settle_below must not exceed activate_above");
  need(activate_hold_ms >= 0 && settle_hold_ms >= 0, "hold times must be >= 0");
  need(finite_pos(grid_hz) && grid_hz <= 100, "grid_hz must lie in (0, 100]");
  need(wcc_window_ms > 0 && wcc_max_lag_ms >= 0, "WCC window must be positive");
  need(finite_pos(grid_hz) && static_cast<double>(wcc_window_ms) * grid_hz / 1000.0 >= 3,
       "the WCC window must hold at least 3 grid samples");
  need(std::isfinite(leader_dead_zone_s) && leader_dead_zone_s >= 0,
       "leader_dead_zone_s must be >= 0");
  need(finite_pos(ln_rmssd_floor_ms), "ln_rmssd_floor_ms must be positive");
  need(finite_pos(mad_scale), "mad_scale must be positive");
  need(finite_pos(baseline_hr_scale_floor_bpm) && finite_pos(baseline_ln_rmssd_scale_floor),
       "baseline scale floors must be positive");
  need(baseline_min_values >= 1, "baseline_min_values must be >= 1");
  need(std::isfinite(connected_min_abs_r), "connected_min_abs_r must be finite");
  need(wcc_spline_margin_ms >= 0, "wcc_spline_margin_ms must be >= 0");
  need(wcc_max_knot_gap_ms > 0, "wcc_max_knot_gap_ms must be positive");
  need(std::isfinite(wcc_min_sd_bpm) && wcc_min_sd_bpm >= 0, "wcc_min_sd_bpm must be >= 0");
  need(max_buffered_beats >= 16, "max_buffered_beats must be >= 16");
  need(std::isfinite(lt_c1) && std::isfinite(lt_c2) && finite_pos(lt_alpha),
       "lt_c1, lt_c2 must be finite and lt_alpha positive");
  need(lt_window_beats >= 3 && lt_median_beats >= 1, "lt windows must hold beats");
  need(finite_pos(lt_threshold_floor_fraction), "lt_threshold_floor_fraction must be positive");
  need(long_window_ms > 0 && long_window_min_ms >= 0 && long_window_min_ms <= long_window_ms,
       "long_window_min_ms must lie in [0, long_window_ms]");
  need(welch_nperseg >= 2 && welch_noverlap >= 0 && welch_noverlap < welch_nperseg &&
           welch_nfft >= welch_nperseg && welch_nfft % 2 == 0 && welch_nfft <= (1 << 20),
       "Welch settings: 0 <= noverlap < nperseg <= nfft (even)");
  need(finite_pos(grid_hz) &&
           static_cast<double>(long_window_ms) * grid_hz / 1000.0 >= static_cast<double>(welch_nperseg),
       "the long window must hold one Welch segment");
  need(finite_pos(grid_hz) &&
           static_cast<double>(coherence_window_ms) * grid_hz / 1000.0 >= 2 &&
           static_cast<double>(coherence_window_ms) * grid_hz / 1000.0 <= static_cast<double>(welch_nfft),
       "the coherence window must fit the FFT length");
  need(coherence_update_ms > 0, "coherence_update_ms must be positive");
  need(spectral_update_ms > 0, "spectral_update_ms must be positive");
  need(resp_update_ms > 0, "resp_update_ms must be positive");
  need(lf_lo_hz < lf_hi_hz && hf_lo_hz < hf_hi_hz && rsa_half_width_hz > 0 &&
           coherence_peak_lo_hz < coherence_peak_hi_hz && coherence_peak_width_hz > 0 &&
           coherence_total_lo_hz < coherence_total_hi_hz,
       "frequency bands must have lo < hi");
  need(finite_pos(resp_grid_hz) && resp_grid_hz <= 1000, "resp_grid_hz must lie in (0, 1000]");
  need(resp_band_lo_hz > 0 && resp_band_hi_hz > resp_band_lo_hz &&
           resp_band_hi_hz < resp_grid_hz / 2,
       "respiration band must satisfy 0 < lo < hi < resp_grid_hz / 2");
  need(resp_filter_order >= 2 && resp_filter_order % 2 == 0 && resp_filter_order <= 8,
       "resp_filter_order must be even, 2..8");
  need(breath_window_ms > 0 && resp_buffer_ms >= breath_window_ms &&
           resp_buffer_ms >= plv_window_ms + plv_edge_ms && plv_window_ms > 0 && plv_edge_ms >= 0,
       "resp_buffer_ms must hold the breath window and the PLV window with its edge");
  need(finite_pos(resp_grid_hz) &&
           static_cast<double>(resp_buffer_ms) * resp_grid_hz / 1000.0 >= 64 &&
           static_cast<double>(resp_buffer_ms) * resp_grid_hz / 1000.0 <= 1e6,
       "the respiration buffer must hold 64 .. 1e6 samples");
  need(resp_max_gap_ms > 0, "resp_max_gap_ms must be positive");
  need(max_buffered_resp_samples >= 1024, "max_buffered_resp_samples must be >= 1024");
  need(finite_pos(baseline_breath_scale_floor_bpm), "baseline_breath_scale_floor_bpm must be positive");
  need(arousal_concordance_window_ms > 0 && arousal_concordance_min_values >= 3,
       "arousal concordance needs a window and >= 3 values");
  need(hrv_epoch_ms > 0 && hrv_linkage_window_ms >= hrv_epoch_ms && hrv_linkage_min_epochs >= 3,
       "HRV linkage needs epochs and >= 3 of them");
  need(leader_window_ms > 0, "leader_window_ms must be positive");
  need(surrogate_span_ms >= wcc_window_ms + wcc_max_lag_ms && surrogate_min_shift_ms > 0 &&
           2 * surrogate_min_shift_ms < surrogate_span_ms && surrogate_shift_step_ms > 0 &&
           surrogate_update_ms > 0 && surrogate_window_step_ms > 0,
       "surrogates: span >= WCC window + lag, 0 < 2 * min shift < span, positive steps");
  need(plv_span_ms >= plv_window_ms && 2 * surrogate_min_shift_ms < plv_span_ms,
       "the breathing test's span holds the PLV window and two minimum shifts");
  need(static_cast<double>(surrogate_lowpass_ms) * grid_hz >= 1000.0 && surrogate_span_ms >= wcc_window_ms + wcc_max_lag_ms + surrogate_lowpass_ms &&
           2 * surrogate_min_shift_ms < surrogate_span_ms - surrogate_lowpass_ms &&
           std::isfinite(surrogate_lowpass_hz) && surrogate_lowpass_hz > 0.0 &&
           std::isfinite(surrogate_grid_hz) && surrogate_grid_hz > 0.0 && surrogate_grid_hz <= grid_hz &&
           std::fabs(grid_hz / surrogate_grid_hz - std::round(grid_hz / surrogate_grid_hz)) < 1e-9 &&
           surrogate_lowpass_hz < surrogate_grid_hz / 2,
       "heart-rate surrogate prewhitening: length >= one grid step, span >= WCC window + lag + length, grid_hz a whole "
       "multiple of surrogate_grid_hz, 0 < cutoff < surrogate_grid_hz / 2");
  need(std::isfinite(above_chance_min_z), "above_chance_min_z must be finite");
  need(co_rise_window_ms >= 2000 && co_rise_window_ms % 1000 == 0 &&
           co_rise_window_ms <= arousal_concordance_window_ms,
       "co_rise_window_ms must be whole seconds, >= 2 s and <= the concordance window");
  need(std::isfinite(co_rise_min_slope_per_min) && co_rise_min_slope_per_min > 0,
       "co_rise_min_slope_per_min must be positive (rising)");
  need(std::isfinite(co_rise_min_arousal), "co_rise_min_arousal must be finite");
  need(std::isfinite(co_rise_min_concordance) && co_rise_min_concordance <= 1,
       "co_rise_min_concordance must be finite and <= 1");
  need(std::isfinite(co_rise_min_concordance_gain) && co_rise_min_concordance_gain >= 0,
       "co_rise_min_concordance_gain must be >= 0 (rising)");
  need(episode_max_signal_loss_ms >= 0, "episode_max_signal_loss_ms must be >= 0");
  need(episode_list_max >= 0 && episode_list_max <= 10000,
       "episode_list_max must lie in [0, 10000]");
  return p;
}

}  // namespace attune::core
