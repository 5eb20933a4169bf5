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
  return p;
}

}  // namespace attune::core
