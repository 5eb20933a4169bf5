// Shared regulation state of the room (interim rules of the first slice;
// SYNCHRONY.md "Shared regulation state"). Evaluated in this order, the
// first match wins:
//   1. WAITING       partner A or B not streaming
//   2. CALIBRATING   A or B calibrating
//   3. LOW_SIGNAL    A or B UNKNOWN
//   4. WITHDRAWN     A or B SHUT_DOWN (not produced by this slice)
//   5. CO_ESCALATION both ACTIVATED, or both arousal indices rising together
//                    (`rising_together`, core/arousal_trend.hpp)
//   6. ONE_ACTIVATED exactly one ACTIVATED (`activated` names who)
//   7. CONNECTED     both SETTLED and |peak WCC r of A-B| >= connected_min_abs_r
//   8. SETTLED       otherwise (both SETTLED)
// Rule 7 as |r| is the first slice's stand-in; shared_state_above_chance
// is the rule of SYNCHRONY.md.
#pragma once

#include <optional>

#include "core/types.hpp"

namespace attune::core {

struct PartnerStatus {
  bool streaming = false;
  bool calibrating = true;
  RegulationState state = RegulationState::Unknown;
};

struct SharedDecision {
  SharedState state = SharedState::Waiting;
  std::optional<Seat> activated;  // with OneActivated
};

SharedDecision shared_state(const PartnerStatus& a, const PartnerStatus& b,
                            std::optional<double> ab_wcc_peak_r, double connected_min_abs_r);

// The rule the engine uses since surrogates exist: rule 7 reads "both
// SETTLED and A-B heart-rate or breathing synchrony above chance"
// (above_chance: a surrogate z-score >= above_chance_min_z). Rule 5 also
// holds when `rising_together` (SYNCHRONY.md: "or both arousal indices
// rising together (arousal concordance high and rising)"); it wins over
// ONE_ACTIVATED, so a joint climb reads as co-escalation before both have
// crossed the ACTIVATED threshold.
SharedDecision shared_state_above_chance(const PartnerStatus& a, const PartnerStatus& b,
                                         bool above_chance, bool rising_together = false);

}  // namespace attune::core
