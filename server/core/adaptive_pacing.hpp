// Adaptive pacing (ours; SYNCHRONY.md "Pacing"; docs/prompts.md "Adaptive
// pacing"): start near the slower partner's current breath rate, then step
// toward the target rate (default 6 breaths/min, or a person's stored
// resonance rate) by at most 0.5 breaths/min per minute of data time, and
// only while both partners' breathing follows the pacer; otherwise hold.
// Resonance breathing near 0.1 Hz: Lehrer, Vaschillo & Vaschillo 2000.
#pragma once

#include <cstdint>
#include <optional>

#include "core/pacer.hpp"

namespace attune::core {

// Configuration (not the literature's: ours).
struct AdaptivePacingConfig {
  // Largest rate change per minute of data time while both follow.
  double max_step_bpm_per_min = 0.5;
  // A partner follows the pacer when their entrainment PLV (pacer_entrainment)
  // is at least this; both_following() uses it.
  double follow_plv_min = 0.5;
  // A single step() never credits more than this much data time (a gap in
  // the room's calls must not turn into a jump of the rate).
  double max_dt_s = 5.0;
};

// The rate to start the pacer at: the lower (slower) of the partners' current
// breath rates that are known (finite, > 0), else `fallback`; never below
// `target`, and within 3-30 breaths/min. A non-finite target counts as 6.
double initial_rate(std::optional<double> breath_rate_a, std::optional<double> breath_rate_b,
                    double target, double fallback = 10.0);

// Both partners' entrainment is known and at least cfg.follow_plv_min.
bool both_following(std::optional<double> plv_a, std::optional<double> plv_b,
                    const AdaptivePacingConfig& cfg = {});

// One step of data time dt_s ending at t_us: when the schedule runs, is
// adaptive and both follow, its rate moves toward the target by at most
// cfg.max_step_bpm_per_min * min(dt_s, cfg.max_dt_s) / 60 (set_rate: the
// phase stays continuous, the pattern's ratios are kept). Otherwise, and
// when the scaled pattern would not be valid (a hold under 0.5 s), the rate
// holds. Returns true when the rate changed.
bool step(PacerSchedule& schedule, std::int64_t t_us, bool both_following, double dt_s,
          const AdaptivePacingConfig& cfg = {});

}  // namespace attune::core
