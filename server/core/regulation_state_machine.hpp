// Per-person regulation state with hysteresis (ours; the window-of-tolerance
// model of SYNCHRONY.md). Fed one smoothed arousal value per data second.
//
// - No arousal value (calibrating, not streaming, low quality): UNKNOWN, and
//   both hold counters restart.
// - SETTLED -> ACTIVATED once arousal > activate_above in consecutive seconds
//   adding up to activate_hold_ms (default: the 10th such second).
// - ACTIVATED -> SETTLED once arousal < settle_below in consecutive seconds
//   adding up to settle_hold_ms (default: the 15th such second).
// - Leaving UNKNOWN resumes the last known state (SETTLED at first), so a
//   short signal drop during an activation does not show as "settled".
// SHUT_DOWN needs stillness and flattened variability: not in this slice.
#pragma once

#include <cstdint>
#include <optional>

#include "core/types.hpp"

namespace attune::core {

struct RegulationThresholds {
  double activate_above = 1.0;
  std::int64_t activate_hold_ms = 10000;
  double settle_below = 0.5;
  std::int64_t settle_hold_ms = 15000;
};

class RegulationStateMachine {
 public:
  explicit RegulationStateMachine(RegulationThresholds t = {}) : t_(t) {}

  // One data second (step_ms long) with its arousal; returns the new state.
  RegulationState step(std::optional<double> arousal, std::int64_t step_ms = 1000);

  RegulationState state() const { return state_; }

 private:
  RegulationThresholds t_;
  RegulationState state_ = RegulationState::Unknown;
  RegulationState last_known_ = RegulationState::Settled;
  std::int64_t above_ms_ = 0;  // consecutive time above activate_above
  std::int64_t below_ms_ = 0;  // consecutive time below settle_below
};

}  // namespace attune::core
