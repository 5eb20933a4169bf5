// Shared regulation state of the room (interim rules of the first slice;
// SYNCHRONY.md "Shared regulation state"). Evaluated in this order, the
// first match wins:
//   1. WAITING       partner A or B not streaming
//   2. CALIBRATING   A or B calibrating
//   3. LOW_SIGNAL    A or B UNKNOWN
//   4. WITHDRAWN     A or B SHUT_DOWN (not produced by this slice)
//   5. CO_ESCALATION both ACTIVATED
//   6. ONE_ACTIVATED exactly one ACTIVATED (`activated` names who)
//   7. CONNECTED     both SETTLED and |peak WCC r of A-B| >= connected_min_abs_r
//   8. SETTLED       otherwise (both SETTLED)
// Rule 7 stands in for "synchrony above chance" until surrogates exist.
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

}  // namespace attune::core
