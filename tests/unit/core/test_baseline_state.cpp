// Robust baseline, arousal index, the regulation state machine's hysteresis
// and the shared-state rules.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/arousal_index.hpp"
#include "core/regulation_state_machine.hpp"
#include "core/robust_baseline.hpp"
#include "core/shared_state.hpp"

using namespace attune::core;

TEST_CASE("median and MAD by hand", "[baseline]") {
  CHECK(*median({3, 1, 2}) == 2.0);
  CHECK(*median({4, 1, 3, 2}) == 2.5);
  CHECK_FALSE(median({}));
  // |x - 3| for {1, 2, 3, 4, 100} = {2, 1, 0, 1, 97} -> MAD 1
  CHECK(*median_absolute_deviation({1, 2, 3, 4, 100}) == 1.0);
  const auto b = robust_baseline({1, 2, 3, 4, 100}, 1.4826, 0.01);
  REQUIRE(b);
  CHECK(b->median == 3.0);
  CHECK(b->scale == Approx(1.4826));
}

TEST_CASE("MAD of zero is floored so z-scores stay finite", "[baseline]") {
  const auto b = robust_baseline({70, 70, 70, 70}, 1.4826, 1.0);
  REQUIRE(b);
  CHECK(b->scale == 1.0);
  CHECK(robust_z(73, *b) == 3.0);
  CHECK_FALSE(robust_baseline({}, 1.4826, 1.0));
}

TEST_CASE("arousal index is the mean of z(HR) and -z(lnRMSSD) (and z(breath))", "[baseline]") {
  const RobustBaseline hr{70.0, 4.0};
  const RobustBaseline ln{3.5, 0.25};
  const RobustBaseline br{13.0, 2.0};
  CHECK(arousal_index(78.0, 3.0, hr, ln) == Approx((2.0 + 2.0) / 2));
  CHECK(arousal_index(70.0, 3.5, hr, ln) == 0.0);
  CHECK(arousal_index(78.0, 3.0, 17.0, hr, ln, br) == Approx((2.0 + 2.0 + 2.0) / 3));
  // Adding the breath term does not widen the index: one unit-z term moved
  // alone moves it by a third, not by a whole unit.
  CHECK(arousal_index(70.0, 3.5, 15.0, hr, ln, br) == Approx(1.0 / 3));
}

namespace {
RegulationState run(RegulationStateMachine& m, double arousal, int seconds) {
  RegulationState s = m.state();
  for (int i = 0; i < seconds; ++i) s = m.step(arousal);
  return s;
}
}  // namespace

TEST_CASE("state machine: enter ACTIVATED after 10 s above 1.0", "[state]") {
  RegulationStateMachine m;
  CHECK(m.state() == RegulationState::Unknown);
  CHECK(m.step(0.0) == RegulationState::Settled);
  CHECK(run(m, 1.5, 9) == RegulationState::Settled);
  CHECK(m.step(1.5) == RegulationState::Activated);  // the 10th second
}

TEST_CASE("state machine: an interruption restarts the hold", "[state]") {
  RegulationStateMachine m;
  run(m, 1.5, 9);
  m.step(1.0);  // not above 1.0
  CHECK(run(m, 1.5, 9) == RegulationState::Settled);
  CHECK(m.step(1.5) == RegulationState::Activated);
}

TEST_CASE("state machine: leave ACTIVATED after 15 s below 0.5", "[state]") {
  RegulationStateMachine m;
  run(m, 2.0, 10);
  REQUIRE(m.state() == RegulationState::Activated);
  CHECK(run(m, 0.7, 30) == RegulationState::Activated);  // in the hysteresis band
  CHECK(run(m, 0.4, 14) == RegulationState::Activated);
  CHECK(m.step(0.4) == RegulationState::Settled);  // the 15th second
}

TEST_CASE("state machine: UNKNOWN without a value, then resumes", "[state]") {
  RegulationStateMachine m;
  run(m, 2.0, 10);
  REQUIRE(m.state() == RegulationState::Activated);
  CHECK(m.step(std::nullopt) == RegulationState::Unknown);
  CHECK(m.step(0.8) == RegulationState::Activated);  // resumes the last known state
  run(m, 0.1, 14);
  m.step(std::nullopt);  // the settle hold restarts
  CHECK(run(m, 0.1, 14) == RegulationState::Activated);
  CHECK(m.step(0.1) == RegulationState::Settled);
}

TEST_CASE("state machine: thresholds come from configuration", "[state]") {
  RegulationStateMachine m(RegulationThresholds{2.0, 3000, 1.0, 2000});
  CHECK(run(m, 1.9, 20) == RegulationState::Settled);
  CHECK(run(m, 2.1, 3) == RegulationState::Activated);
  CHECK(run(m, 0.9, 2) == RegulationState::Settled);
}

TEST_CASE("shared state rules, in order", "[shared]") {
  using RS = RegulationState;
  const PartnerStatus settled{true, false, RS::Settled};
  const PartnerStatus activated{true, false, RS::Activated};
  const PartnerStatus unknown{true, false, RS::Unknown};
  const PartnerStatus calibrating{true, true, RS::Unknown};
  const PartnerStatus absent{false, true, RS::Unknown};
  const PartnerStatus shut{true, false, RS::ShutDown};

  auto state = [](PartnerStatus a, PartnerStatus b, std::optional<double> r = std::nullopt) {
    return shared_state(a, b, r, 0.5).state;
  };
  CHECK(state(absent, settled) == SharedState::Waiting);
  CHECK(state(activated, absent) == SharedState::Waiting);
  CHECK(state(calibrating, activated) == SharedState::Calibrating);
  CHECK(state(unknown, activated) == SharedState::LowSignal);
  CHECK(state(shut, settled) == SharedState::Withdrawn);
  CHECK(state(activated, activated, 0.9) == SharedState::CoEscalation);
  CHECK(state(settled, settled, 0.49) == SharedState::Settled);
  CHECK(state(settled, settled) == SharedState::Settled);
  CHECK(state(settled, settled, 0.5) == SharedState::Connected);
  CHECK(state(settled, settled, -0.7) == SharedState::Connected);  // anti-phase counts by |r|

  const auto a_up = shared_state(activated, settled, 0.9, 0.5);
  CHECK(a_up.state == SharedState::OneActivated);
  REQUIRE(a_up.activated);
  CHECK(*a_up.activated == Seat::A);
  const auto b_up = shared_state(settled, activated, std::nullopt, 0.5);
  CHECK(*b_up.activated == Seat::B);
  CHECK_FALSE(shared_state(settled, settled, 0.9, 0.5).activated);
}
