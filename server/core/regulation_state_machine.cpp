#include "core/regulation_state_machine.hpp"

namespace attune::core {

RegulationState RegulationStateMachine::step(std::optional<double> arousal, std::int64_t step_ms) {
  if (!arousal) {
    state_ = RegulationState::Unknown;
    above_ms_ = below_ms_ = 0;
    return state_;
  }
  if (state_ == RegulationState::Unknown) state_ = last_known_;
  const double a = *arousal;
  if (state_ == RegulationState::Activated) {
    below_ms_ = (a < t_.settle_below) ? below_ms_ + step_ms : 0;
    if (below_ms_ >= t_.settle_hold_ms) {
      state_ = RegulationState::Settled;
      above_ms_ = below_ms_ = 0;
    }
  } else {
    above_ms_ = (a > t_.activate_above) ? above_ms_ + step_ms : 0;
    if (above_ms_ >= t_.activate_hold_ms) {
      state_ = RegulationState::Activated;
      above_ms_ = below_ms_ = 0;
    }
  }
  last_known_ = state_;
  return state_;
}

}  // namespace attune::core
