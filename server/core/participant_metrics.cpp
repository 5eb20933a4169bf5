#include "core/participant_metrics.hpp"

#include <algorithm>
#include <vector>

#include "core/heart_rate.hpp"
#include "core/hrv_rmssd.hpp"
#include "core/numeric.hpp"
#include "core/rr_cleaning.hpp"

namespace attune::core {
namespace {

// The RMSSD window of the current segment, before and after correction.
struct WindowSeries {
  std::vector<std::int64_t> t_ms;
  std::vector<double> rr_raw;
  std::vector<bool> artifact;
  std::vector<double> rr;  // corrected
  std::size_t clean = 0;
};

WindowSeries window_series(const BeatSeries& series, std::size_t end, std::int64_t t_ms,
                           const EngineConfig& cfg) {
  const auto& beats = series.beats();
  const std::int64_t segment_start = beats[end - 1].segment_start_ms;
  const std::int64_t lo = std::max(t_ms - cfg.rmssd_window_ms + 1, segment_start);
  std::size_t begin = end;
  while (begin > 0 && beats[begin - 1].t_ms >= lo) --begin;
  WindowSeries w;
  for (std::size_t i = begin; i < end; ++i) {
    w.t_ms.push_back(beats[i].t_ms);
    w.rr_raw.push_back(beats[i].rr_ms);
    w.artifact.push_back(beats[i].artifact);
    w.clean += beats[i].artifact ? 0 : 1;
  }
  w.rr = rr_interpolate_artifacts(w.t_ms, w.rr_raw, w.artifact);
  return w;
}

std::optional<double> hr_of_window(const WindowSeries& w, std::int64_t t_ms,
                                   const EngineConfig& cfg) {
  std::vector<double> rr;
  bool any_clean = false;
  for (std::size_t i = 0; i < w.t_ms.size(); ++i) {
    if (w.t_ms[i] <= t_ms - cfg.hr_window_ms) continue;
    rr.push_back(w.rr[i]);
    any_clean = any_clean || !w.artifact[i];
  }
  if (!any_clean) return std::nullopt;
  return heart_rate_mean_bpm(rr);
}

}  // namespace

ParticipantSecond participant_metrics_at(const BeatSeries& series, std::int64_t t_ms,
                                         const EngineConfig& cfg) {
  ParticipantSecond out;
  const std::size_t end = series.end_at(t_ms);
  if (end == 0) return out;
  const StoredBeat& last = series.beats()[end - 1];
  if (t_ms - last.t_ms > cfg.max_gap_ms) return out;
  out.streaming = true;

  const WindowSeries w = window_series(series, end, t_ms, cfg);
  const double fraction = rr_artifact_fraction(w.artifact);
  out.artifact_fraction = fraction;
  out.hr_bpm = finite_or_none(hr_of_window(w, t_ms, cfg));

  const bool long_enough = t_ms - last.segment_start_ms >= cfg.rmssd_min_ms;
  if (long_enough && w.clean > 0 && fraction <= cfg.max_artifact_fraction) {
    out.rmssd_ms = finite_or_none(hrv_rmssd(w.rr));
    if (out.rmssd_ms) out.ln_rmssd = finite_or_none(hrv_ln_rmssd(*out.rmssd_ms, cfg.ln_rmssd_floor_ms));
  }
  return out;
}

}  // namespace attune::core
