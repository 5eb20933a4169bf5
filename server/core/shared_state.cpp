#include "core/shared_state.hpp"

#include <cmath>

namespace attune::core {

SharedDecision shared_state(const PartnerStatus& a, const PartnerStatus& b,
                            std::optional<double> ab_wcc_peak_r, double connected_min_abs_r) {
  return shared_state_above_chance(
      a, b, ab_wcc_peak_r && std::fabs(*ab_wcc_peak_r) >= connected_min_abs_r);
}

SharedDecision shared_state_above_chance(const PartnerStatus& a, const PartnerStatus& b,
                                         bool above_chance, bool rising_together) {
  using RS = RegulationState;
  SharedDecision d;
  if (!a.streaming || !b.streaming) {
    d.state = SharedState::Waiting;
  } else if (a.calibrating || b.calibrating) {
    d.state = SharedState::Calibrating;
  } else if (a.state == RS::Unknown || b.state == RS::Unknown) {
    d.state = SharedState::LowSignal;
  } else if (a.state == RS::ShutDown || b.state == RS::ShutDown) {
    d.state = SharedState::Withdrawn;
  } else if ((a.state == RS::Activated && b.state == RS::Activated) || rising_together) {
    d.state = SharedState::CoEscalation;
  } else if (a.state == RS::Activated || b.state == RS::Activated) {
    d.state = SharedState::OneActivated;
    d.activated = (a.state == RS::Activated) ? Seat::A : Seat::B;
  } else if (above_chance) {
    d.state = SharedState::Connected;
  } else {
    d.state = SharedState::Settled;
  }
  return d;
}

}  // namespace attune::core
