// Per-person breathing values and the pair's breathing synchrony at snapshot
// time T, from the respiration waveforms (docs/metrics.md "Respiration").
//
// Grid: t_k = k * 1000 / resp_grid_hz ms (25 Hz: 40 ms), shared by all
// seats. The buffer holds N = resp_buffer_ms points (60 s: 1500) ending at
// e = floor(last sample <= T / step) (for a pair: the earlier of the two),
// by linear interpolation of the samples (RespirationSeries::on_grid);
// band-passed with sosfiltfilt over the whole buffer.
//   breath rate, I:E: breath_cycle_stats of the last breath_window_ms
//                (30 s: 750 points) of the filtered buffer.
//   PLV (Lachaux et al. 1999, Hum Brain Mapp 8:194; Mormann et al. 2000,
//                Physica D 144:358): analytic signal (scipy hilbert) of each
//                filtered buffer; phases phi; the window is the plv_window_ms
//                (750 points) ending plv_edge_ms (125 points) before e;
//                PLV = |mean(exp(i(phi1 - phi2)))|, mean relative phase =
//                arg of that mean (positive: the first partner's breath is
//                ahead).
//   PLV surrogates: the valid region drops plv_edge at both buffer ends
//                (V = N - 2 * edge points); the second partner's phases on
//                it are shifted circularly by s (>= surrogate_min_shift_ms,
//                step plv_surrogate_shift_step_ms); the PLV over the same
//                window positions is one surrogate.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/engine_config.hpp"
#include "core/respiration.hpp"

namespace attune::core {

struct RespirationSecond {
  bool streaming = false;  // last sample in [T - max_gap_ms, T]
  std::optional<double> breath_rate_bpm;
  std::optional<double> ie_ratio;
};

// with_rate false gives only `streaming` (the engine computes the breath
// rate and I:E every resp_update_ms and holds them in between).
RespirationSecond respiration_at(const RespirationSeries& r, std::int64_t t_ms,
                                 const EngineConfig& cfg, const std::vector<Biquad>& sos,
                                 bool with_rate = true);

struct BreathingSynchrony {
  double plv = 0.0;
  double rel_phase_rad = 0.0;
  std::optional<double> plv_z;  // with surrogates only
};

std::optional<BreathingSynchrony> breathing_synchrony(const RespirationSeries& first,
                                                      const RespirationSeries& second,
                                                      std::int64_t t_ms, const EngineConfig& cfg,
                                                      const std::vector<Biquad>& sos,
                                                      bool with_surrogates);

}  // namespace attune::core
