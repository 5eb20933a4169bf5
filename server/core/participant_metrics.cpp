#include "core/participant_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/beat_resampling.hpp"
#include "core/heart_rate.hpp"
#include "core/hrv_frequency.hpp"
#include "core/hrv_rmssd.hpp"
#include "core/hrv_time_domain.hpp"
#include "core/numeric.hpp"
#include "core/rr_cleaning.hpp"

namespace attune::core {
namespace {

// A window of the current segment, before and after correction.
struct WindowSeries {
  std::vector<std::int64_t> t_ms;
  std::vector<double> rr_raw;
  std::vector<std::uint8_t> artifact;  // 0 or 1 (not vector<bool>: read per beat every second)
  std::vector<double> rr;  // corrected
  std::size_t clean = 0;
  std::size_t size() const { return t_ms.size(); }
  // The same value as rr_artifact_fraction: artefacts / beats.
  double fraction() const {
    if (t_ms.empty()) return 0.0;
    return static_cast<double>(size() - clean) / static_cast<double>(size());
  }
};

// w.rr: the raw series with its artefacts interpolated (the raw series
// itself when nothing needs correcting: the usual second).
const WindowSeries& corrected(WindowSeries& w) {
  if (w.clean == w.size()) {
    w.rr.assign(w.rr_raw.begin(), w.rr_raw.end());
  } else {
    rr_interpolate_artifacts_into(w.t_ms.data(), w.rr_raw.data(), w.artifact.data(), w.size(), w.rr);
  }
  return w;
}

// Fills `w` (its vectors are reused: the callers keep one per window kind
// and thread, so a second allocates nothing once warm).
const WindowSeries& window_series(const BeatSeries& series, std::size_t end, std::int64_t t_ms,
                                  std::int64_t window_ms, WindowSeries& w) {
  const auto& beats = series.beats();
  const std::int64_t segment_start = series.segment_start_ms(end - 1);
  const std::int64_t lo = std::max(t_ms - window_ms + 1, segment_start);
  // The first beat with t >= lo (beats are in time order).
  const auto first = std::lower_bound(beats.begin(), beats.begin() + static_cast<std::ptrdiff_t>(end), lo,
                                      [](const StoredBeat& b, std::int64_t t) { return b.t_ms < t; });
  const auto begin = static_cast<std::size_t>(first - beats.begin());
  const std::size_t n = end - begin;
  w.t_ms.resize(n);
  w.rr_raw.resize(n);
  w.artifact.resize(n);
  std::size_t clean = 0;
  for (std::size_t k = 0; k < n; ++k) {
    const StoredBeat& b = beats[begin + k];
    const bool art = artifact_at(b, t_ms);
    w.t_ms[k] = b.t_ms;
    w.rr_raw[k] = b.rr_ms;
    w.artifact[k] = art ? 1 : 0;
    clean += art ? 0 : 1;
  }
  w.clean = clean;
  return corrected(w);
}

// The window of window_ms within a wider one of the same T and segment
// (`wider` holds every beat with t >= its own lo, which is <= this lo):
// the same beats and verdicts as window_series, copied instead of read
// back from the beat ring (the 60 s and 64 s windows within the 120 s one).
// When the first beat of the narrower window is clean, every artefact in it
// has its clean neighbours inside it, so its correction is the wider one's
// (rr_interpolate_artifacts leans on the nearest clean beats on each side,
// and both windows end at the same beat): copied, not recomputed.
const WindowSeries& window_within(const WindowSeries& wider, std::int64_t t_ms,
                                  std::int64_t window_ms, std::int64_t segment_start,
                                  WindowSeries& w) {
  const std::int64_t lo = std::max(t_ms - window_ms + 1, segment_start);
  const auto begin = static_cast<std::size_t>(
      std::lower_bound(wider.t_ms.begin(), wider.t_ms.end(), lo) - wider.t_ms.begin());
  const auto off = static_cast<std::ptrdiff_t>(begin);
  w.t_ms.assign(wider.t_ms.begin() + off, wider.t_ms.end());
  w.rr_raw.assign(wider.rr_raw.begin() + off, wider.rr_raw.end());
  w.artifact.assign(wider.artifact.begin() + off, wider.artifact.end());
  w.clean = static_cast<std::size_t>(std::count(w.artifact.begin(), w.artifact.end(), std::uint8_t{0}));
  if (!w.artifact.empty() && w.artifact.front() == 0) {
    w.rr.assign(wider.rr.begin() + off, wider.rr.end());
    return w;
  }
  return corrected(w);
}

std::optional<double> hr_of_window(const WindowSeries& w, std::int64_t t_ms,
                                   const EngineConfig& cfg) {
  thread_local std::vector<double> rr;  // reused every second
  rr.clear();
  bool any_clean = false;
  for (std::size_t i = 0; i < w.t_ms.size(); ++i) {
    if (w.t_ms[i] <= t_ms - cfg.hr_window_ms) continue;
    rr.push_back(w.rr[i]);
    any_clean = any_clean || !w.artifact[i];
  }
  if (!any_clean) return std::nullopt;
  return heart_rate_mean_bpm(rr);
}

// RR on the grid: `count` points ending at floor(last clean beat / step).
std::optional<std::vector<double>> rr_on_grid(const BeatSeries& series, std::int64_t t_ms,
                                              std::size_t count, const EngineConfig& cfg) {
  const auto last = last_clean_beat_at(series, t_ms, cfg.max_gap_ms);
  if (!last) return std::nullopt;
  const double step = 1000.0 / cfg.grid_hz;
  const auto e = static_cast<std::int64_t>(std::floor(static_cast<double>(*last) / step));
  if (static_cast<double>(t_ms) - static_cast<double>(e) * step > static_cast<double>(cfg.max_gap_ms)) {
    return std::nullopt;
  }
  return resample_clean_beats(series, t_ms, e - static_cast<std::int64_t>(count) + 1, count, step,
                              BeatQuantity::RrMs, cfg);
}

std::size_t grid_points(std::int64_t window_ms, const EngineConfig& cfg) {
  return static_cast<std::size_t>(std::llround(static_cast<double>(window_ms) * cfg.grid_hz / 1000.0));
}

}  // namespace

ParticipantSecond participant_metrics_at(const BeatSeries& series, std::int64_t t_ms,
                                         const EngineConfig& cfg,
                                         std::optional<double> breath_rate_hz,
                                         bool with_coherence, bool with_spectral) {
  ParticipantSecond out;
  const std::size_t end = series.end_at(t_ms);
  if (end == 0) return out;
  const StoredBeat& last = series.beats()[end - 1];
  if (t_ms - last.t_ms > cfg.max_gap_ms) return out;
  out.streaming = true;
  const std::int64_t segment_start = series.segment_start_ms(end - 1);
  const std::int64_t segment_age = t_ms - segment_start;

  thread_local WindowSeries w_scratch, lw_scratch, cw_scratch;
  // The long window once; the shorter ones within it when they fit.
  const WindowSeries& lw = window_series(series, end, t_ms, cfg.long_window_ms, lw_scratch);
  const auto window_of = [&](std::int64_t window_ms,
                             WindowSeries& scratch) -> const WindowSeries& {
    if (window_ms <= cfg.long_window_ms) {
      return window_within(lw, t_ms, window_ms, segment_start, scratch);
    }
    return window_series(series, end, t_ms, window_ms, scratch);
  };
  const WindowSeries& w = window_of(cfg.rmssd_window_ms, w_scratch);
  const double fraction = w.fraction();
  out.artifact_fraction = fraction;
  out.hr_bpm = finite_or_none(hr_of_window(w, t_ms, cfg));
  if (segment_age >= cfg.rmssd_min_ms && w.clean > 0 && fraction <= cfg.max_artifact_fraction) {
    out.rmssd_ms = finite_or_none(hrv_rmssd(w.rr));
    if (out.rmssd_ms) out.ln_rmssd = finite_or_none(hrv_ln_rmssd(*out.rmssd_ms, cfg.ln_rmssd_floor_ms));
  }

  const bool long_ok = lw.clean > 0 && lw.fraction() <= cfg.max_artifact_fraction;
  if (long_ok && segment_age >= cfg.long_window_min_ms) {
    out.sdnn_ms = finite_or_none(hrv_sdnn(lw.rr));
    out.pnn50 = finite_or_none(hrv_pnn50(lw.rr));
  }
  SpectralSettings ss;
  ss.fs_hz = cfg.grid_hz;
  ss.nperseg = static_cast<std::size_t>(cfg.welch_nperseg);
  ss.noverlap = static_cast<std::size_t>(cfg.welch_noverlap);
  ss.nfft = static_cast<std::size_t>(cfg.welch_nfft);
  // The 120 s of RR on the grid for LF/HF, when resampled this second.
  std::optional<std::vector<double>> long_rr;
  if (long_ok && with_spectral) {
    long_rr = rr_on_grid(series, t_ms, grid_points(cfg.long_window_ms, cfg), cfg);
    const auto psd = long_rr ? hrv_welch_psd(*long_rr, ss) : std::nullopt;
    if (psd) {
      const HrvBands b = hrv_lf_hf(*psd, cfg.lf_lo_hz, cfg.lf_hi_hz, cfg.hf_lo_hz, cfg.hf_hi_hz);
      out.lf_ms2 = finite_or_none(b.lf_ms2);
      out.hf_ms2 = finite_or_none(b.hf_ms2);
      if (breath_rate_hz) {
        out.rsa_ms2 = finite_or_none(hrv_rsa_band_power(*psd, *breath_rate_hz, cfg.rsa_half_width_hz));
      }
    }
  }
  if (with_coherence) {
    const WindowSeries& cw = window_of(cfg.coherence_window_ms, cw_scratch);
    if (cw.clean > 0 && cw.fraction() <= cfg.max_artifact_fraction) {
      // Its grid points are the last ones of the 120 s grid (both end at the
      // last clean beat): taken from that resample when there is one, one
      // spline for both (docs/metrics.md "Coherence"); else resampled alone.
      const std::size_t count = grid_points(cfg.coherence_window_ms, cfg);
      thread_local std::vector<double> x;
      bool have = false;
      if (long_rr && long_rr->size() >= count) {
        x.assign(long_rr->end() - static_cast<std::ptrdiff_t>(count), long_rr->end());
        have = true;
      } else if (const auto rr = rr_on_grid(series, t_ms, count, cfg)) {
        x.assign(rr->begin(), rr->end());
        have = true;
      }
      if (have) {
        double mean = 0.0;
        for (double v : x) mean += v;
        mean /= static_cast<double>(x.size());
        for (double& v : x) v -= mean;
        const auto psd = periodogram_psd(x, cfg.grid_hz, ss.nfft);
        if (psd) {
          CoherenceSettings cs{cfg.coherence_peak_lo_hz, cfg.coherence_peak_hi_hz,
                               cfg.coherence_peak_width_hz, cfg.coherence_total_lo_hz,
                               cfg.coherence_total_hi_hz};
          out.coherence = finite_or_none(hrv_coherence_ratio(*psd, cs));
        }
      }
    }
  }
  return out;
}

std::optional<double> epoch_ln_rmssd(const BeatSeries& series, std::int64_t t_ms,
                                     const EngineConfig& cfg) {
  const std::size_t end = series.end_at(t_ms);
  if (end == 0) return std::nullopt;
  const StoredBeat& last = series.beats()[end - 1];
  if (t_ms - last.t_ms > cfg.max_gap_ms || t_ms - series.segment_start_ms(end - 1) < cfg.hrv_epoch_ms) {
    return std::nullopt;
  }
  thread_local WindowSeries scratch;
  const WindowSeries& w = window_series(series, end, t_ms, cfg.hrv_epoch_ms, scratch);
  if (w.clean == 0 || w.fraction() > cfg.max_artifact_fraction) return std::nullopt;
  const auto rmssd = hrv_rmssd(w.rr);
  if (!rmssd) return std::nullopt;
  return finite_or_none(hrv_ln_rmssd(*rmssd, cfg.ln_rmssd_floor_ms));
}

}  // namespace attune::core
