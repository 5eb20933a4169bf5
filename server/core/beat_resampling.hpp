// Clean beats of one seat as a regular series on the common grid
// t_k = k * step_ms (natural cubic spline, resample_spline.hpp). Shared by
// heart-rate synchrony (HR in bpm) and spectral HRV (RR in ms).
//
// Knots: the beats clean as of T (artifact_at) of the current segment (since
// the last gap > max_gap_ms) with t in [t_lo - wcc_spline_margin_ms, T],
// x = (t_ms - T) / 1000 s. Valid only if the first knot is at or before t_lo
// (the segment covers the grid: no data gap inside) and successive knots are
// at most wcc_max_knot_gap_ms apart.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/beat_series.hpp"
#include "core/engine_config.hpp"

namespace attune::core {

enum class BeatQuantity : std::uint8_t { HeartRateBpm, RrMs };

std::optional<std::vector<double>> resample_clean_beats(const BeatSeries& s, std::int64_t t_ms,
                                                        std::int64_t first_k, std::size_t count,
                                                        double step_ms, BeatQuantity q,
                                                        const EngineConfig& cfg);

// The same into `out` (its storage reused: no allocation once warm); false
// where the above gives nullopt.
bool resample_clean_beats_into(const BeatSeries& s, std::int64_t t_ms, std::int64_t first_k,
                               std::size_t count, double step_ms, BeatQuantity q,
                               const EngineConfig& cfg, std::vector<double>& out);

// Time of the last beat clean as of T, if the seat streams at T.
std::optional<std::int64_t> last_clean_beat_at(const BeatSeries& s, std::int64_t t_ms,
                                               std::int64_t max_gap_ms);

}  // namespace attune::core
