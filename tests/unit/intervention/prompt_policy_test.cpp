// The prompt policy (server/core/prompt_policy.hpp) on the default
// catalogue (config/prompts.json) and on small hand-made ones.
#include <catch2/catch.hpp>

#include <map>
#include <stdexcept>

#include "codec/prompt_catalogue.hpp"
#include "core/prompt_policy.hpp"

using namespace attune::core;

namespace {
constexpr std::int64_t kT0 = 1'700'000'000'000;

PolicyInput in_state(std::int64_t t, SharedState shared, std::optional<Seat> activated = {}) {
  PolicyInput in;
  in.t_ms = t;
  in.shared = shared;
  in.activated = activated;
  const bool co = shared == SharedState::CoEscalation;
  in.state_a = co || activated == Seat::A ? RegulationState::Activated : RegulationState::Settled;
  in.state_b = co || activated == Seat::B ? RegulationState::Activated : RegulationState::Settled;
  return in;
}

const PromptDecision* to(const std::vector<PromptDecision>& d, Seat s) {
  for (const auto& x : d) {
    if (x.recipient == s) return &x;
  }
  return nullptr;
}

PromptRule rule(std::string id, Trigger t, Audience a, int prio, std::int64_t min_ms,
                std::int64_t cool_ms) {
  PromptRule r;
  r.id = std::move(id);
  r.text = "Text of " + r.id + ".";
  r.trigger = t;
  r.audience = a;
  r.priority = prio;
  r.min_state_ms = min_ms;
  r.cooldown_ms = cool_ms;
  return r;
}
}  // namespace

TEST_CASE("co-escalation held 10 s sends the pause to both partners", "[policy]") {
  PromptPolicy policy(attune::codec::load_default_catalogue());
  std::int64_t fired_at = -1;
  std::vector<PromptDecision> got;
  for (int s = 0; s <= 15; ++s) {
    auto d = policy.evaluate(in_state(kT0 + s * 1000, SharedState::CoEscalation));
    if (!d.empty() && fired_at < 0) {
      fired_at = s;
      got = d;
    }
  }
  REQUIRE(fired_at >= 0);
  CHECK(fired_at <= 10);
  REQUIRE(got.size() == 2);
  CHECK(to(got, Seat::A)->rule_id == "pause_co_escalation");
  CHECK(to(got, Seat::B)->rule_id == "pause_co_escalation");
  CHECK(to(got, Seat::A)->audience == Audience::Both);
  CHECK(to(got, Seat::A)->start_pacer);
  CHECK_FALSE(to(got, Seat::Clinician));
}

TEST_CASE("co-escalation shorter than min_state sends nothing", "[policy]") {
  PromptPolicy policy(attune::codec::load_default_catalogue());
  for (int s = 0; s < 7; ++s) {
    CHECK(policy.evaluate(in_state(kT0 + s * 1000, SharedState::CoEscalation)).empty());
  }
  CHECK(policy.evaluate(in_state(kT0 + 7000, SharedState::Settled)).empty());
  for (int s = 8; s < 15; ++s) {
    CHECK(policy.evaluate(in_state(kT0 + s * 1000, SharedState::CoEscalation)).empty());
  }
}

TEST_CASE("one activated: anchor to the settled and breathe to the activated", "[policy]") {
  for (Seat who : {Seat::A, Seat::B}) {
    const Seat other = who == Seat::A ? Seat::B : Seat::A;
    PromptPolicy policy(attune::codec::load_default_catalogue());
    std::vector<PromptDecision> got;
    for (int s = 0; s <= 15 && got.empty(); ++s) {
      got = policy.evaluate(in_state(kT0 + s * 1000, SharedState::OneActivated, who));
    }
    REQUIRE(got.size() == 2);
    REQUIRE(to(got, who));
    REQUIRE(to(got, other));
    CHECK(to(got, who)->rule_id == "breathe_together_activated");
    CHECK(to(got, who)->audience == Audience::Activated);
    CHECK(to(got, other)->rule_id == "anchor_settled_partner");
    CHECK(to(got, other)->audience == Audience::Settled);
  }
}

TEST_CASE("a switch of who is activated restarts the clock", "[policy]") {
  PromptPolicy policy(attune::codec::load_default_catalogue());
  for (int s = 0; s < 8; ++s) {
    CHECK(policy.evaluate(in_state(kT0 + s * 1000, SharedState::OneActivated, Seat::A)).empty());
  }
  for (int s = 8; s < 17; ++s) {
    CHECK(policy.evaluate(in_state(kT0 + s * 1000, SharedState::OneActivated, Seat::B)).empty());
  }
  CHECK(policy.held_ms(Trigger::OneActivated) == 8000);
}

TEST_CASE("a hovering state never gets more than one prompt per person per minute", "[policy]") {
  // Toggling every 3 s for 10 minutes between SETTLED and each trigger state.
  const SharedState hovering[] = {SharedState::CoEscalation, SharedState::OneActivated,
                                  SharedState::Connected, SharedState::Withdrawn};
  for (SharedState st : hovering) {
    PromptPolicy policy(attune::codec::load_default_catalogue());
    int count = 0;
    for (int s = 0; s < 600; ++s) {
      const bool on = (s / 3) % 2 == 0;
      auto in = on ? in_state(kT0 + s * 1000, st, Seat::A) : in_state(kT0 + s * 1000, SharedState::Settled);
      if (st != SharedState::OneActivated) in.activated.reset();
      in.clinician_streaming = true;
      in.state_clinician = on ? RegulationState::Activated : RegulationState::Settled;
      count += static_cast<int>(policy.evaluate(in).size());
    }
    CHECK(count == 0);  // min_state (>= 8 s) is never met
  }

  // With a catalogue whose rules fire at once (min_state 0, no cooldown),
  // the per-person interval still holds: at most one a minute each.
  PromptCatalogue eager;
  eager.rules = {rule("a", Trigger::CoEscalation, Audience::Both, 5, 0, 0),
                 rule("b", Trigger::OneActivated, Audience::Settled, 5, 0, 0),
                 rule("c", Trigger::OneActivated, Audience::Activated, 5, 0, 0),
                 rule("d", Trigger::ClinicianActivated, Audience::Clinician, 5, 0, 0)};
  PromptPolicy policy(eager);
  std::map<Seat, std::vector<std::int64_t>> times;
  for (int s = 0; s < 600; ++s) {
    const int phase = (s / 3) % 3;
    PolicyInput in = phase == 0   ? in_state(kT0 + s * 1000, SharedState::CoEscalation)
                     : phase == 1 ? in_state(kT0 + s * 1000, SharedState::OneActivated, Seat::B)
                                  : in_state(kT0 + s * 1000, SharedState::Settled);
    in.clinician_streaming = true;
    in.state_clinician = phase == 0 ? RegulationState::Activated : RegulationState::Settled;
    for (const auto& d : policy.evaluate(in)) times[d.recipient].push_back(in.t_ms);
  }
  for (Seat seat : {Seat::A, Seat::B, Seat::Clinician}) {
    const auto& ts = times[seat];
    CHECK(ts.size() >= 5);
    CHECK(ts.size() <= 10);
    for (std::size_t i = 1; i < ts.size(); ++i) CHECK(ts[i] - ts[i - 1] >= 60000);
  }
}

TEST_CASE("cooldown holds a rule back for the same recipient", "[policy]") {
  PromptCatalogue cat;
  cat.per_person_interval_ms = 0;
  cat.rules = {rule("pause", Trigger::CoEscalation, Audience::Both, 5, 2000, 30000)};
  PromptPolicy policy(cat);
  std::vector<std::int64_t> fired;
  for (int s = 0; s < 100; ++s) {
    auto d = policy.evaluate(in_state(kT0 + s * 1000, SharedState::CoEscalation));
    if (!d.empty()) fired.push_back(s);
  }
  CHECK(fired == std::vector<std::int64_t>{2, 32, 62, 92});
}

TEST_CASE("the highest priority wins for one person", "[policy]") {
  PromptCatalogue cat;
  cat.rules = {rule("low", Trigger::OneActivated, Audience::Both, 10, 0, 0),
               rule("high", Trigger::OneActivated, Audience::Settled, 50, 0, 0),
               rule("tie", Trigger::OneActivated, Audience::Settled, 50, 0, 0)};
  PromptPolicy policy(cat);
  auto d = policy.evaluate(in_state(kT0, SharedState::OneActivated, Seat::A));
  REQUIRE(d.size() == 2);
  CHECK(to(d, Seat::B)->rule_id == "high");  // first of the tied
  CHECK(to(d, Seat::A)->rule_id == "low");
}

TEST_CASE("the clinician's alert reaches only the clinician", "[policy]") {
  PromptPolicy policy(attune::codec::load_default_catalogue());
  std::vector<PromptDecision> all;
  for (int s = 0; s <= 20; ++s) {
    PolicyInput in = in_state(kT0 + s * 1000, SharedState::Settled);
    in.clinician_streaming = true;
    in.state_clinician = RegulationState::Activated;
    for (auto& d : policy.evaluate(in)) all.push_back(d);
  }
  REQUIRE(all.size() == 1);
  CHECK(all[0].recipient == Seat::Clinician);
  CHECK(all[0].rule_id == "clinician_own_exhale");
  CHECK(all[0].audience == Audience::Clinician);

  // Not streaming: no alert (the state is not known to be the clinician's now).
  PromptPolicy quiet(attune::codec::load_default_catalogue());
  for (int s = 0; s <= 20; ++s) {
    PolicyInput in = in_state(kT0 + s * 1000, SharedState::Settled);
    in.clinician_streaming = false;
    in.state_clinician = RegulationState::Activated;
    CHECK(quiet.evaluate(in).empty());
  }
}

TEST_CASE("automatic prompts off produce nothing", "[policy]") {
  PromptPolicy policy(attune::codec::load_default_catalogue());
  for (int s = 0; s < 120; ++s) {
    PolicyInput in = in_state(kT0 + s * 1000, SharedState::CoEscalation);
    in.clinician_streaming = true;
    in.state_clinician = RegulationState::Activated;
    in.auto_enabled = false;
    CHECK(policy.evaluate(in).empty());
  }
  // Switched back on: the state has lasted long enough, prompts come at once.
  PolicyInput in = in_state(kT0 + 120'000, SharedState::CoEscalation);
  CHECK(policy.evaluate(in).size() == 2);
}

TEST_CASE("hand-sent prompts count toward the per-person interval", "[policy]") {
  PromptPolicy policy(attune::codec::load_default_catalogue());
  policy.note_sent(Seat::A, kT0 + 5000);
  std::map<Seat, std::int64_t> first;
  for (int s = 0; s < 120; ++s) {
    for (auto& d : policy.evaluate(in_state(kT0 + s * 1000, SharedState::CoEscalation))) {
      if (!first.count(d.recipient)) first[d.recipient] = s;
    }
  }
  CHECK(first.at(Seat::B) == 8);
  CHECK(first.at(Seat::A) == 65);  // 60 s after the hand-sent one
}

TEST_CASE("time going backwards changes nothing", "[policy]") {
  PromptCatalogue cat;
  cat.rules = {rule("p", Trigger::CoEscalation, Audience::Both, 1, 0, 0)};
  PromptPolicy policy(cat);
  CHECK(policy.evaluate(in_state(kT0, SharedState::CoEscalation)).size() == 2);
  CHECK(policy.evaluate(in_state(kT0, SharedState::CoEscalation)).empty());
  CHECK(policy.evaluate(in_state(kT0 - 5000, SharedState::CoEscalation)).empty());
}

TEST_CASE("catalogue validation speaks in sentences", "[policy]") {
  auto problem = [](PromptCatalogue c) { return c.catalogue_problem(); };
  PromptCatalogue ok;
  ok.rules = {rule("p", Trigger::CoEscalation, Audience::Both, 1, 0, 0)};
  CHECK_FALSE(problem(ok));

  auto bad = ok;
  bad.rules[0].id = "Has Spaces";
  CHECK(problem(bad));
  bad = ok;
  bad.rules.push_back(ok.rules[0]);
  CHECK(problem(bad)->find("earlier rule") != std::string::npos);
  bad = ok;
  bad.rules[0].text.clear();
  CHECK(problem(bad));
  bad = ok;
  bad.rules[0].text.assign(281, 'x');
  CHECK(problem(bad));
  bad = ok;
  bad.rules[0].min_state_ms = -1;
  CHECK(problem(bad));
  bad = ok;
  bad.rules[0].cooldown_ms = -1;
  CHECK(problem(bad));
  bad = ok;
  bad.per_person_interval_ms = -5;
  CHECK(problem(bad));
  bad = ok;
  bad.rules[0].audience = Audience::Settled;  // needs ONE_ACTIVATED
  CHECK(problem(bad)->find("ONE_ACTIVATED") != std::string::npos);
  bad = ok;
  bad.rules[0].trigger = Trigger::ClinicianActivated;  // to partners
  CHECK(problem(bad)->find("CLINICIAN alone") != std::string::npos);
  CHECK_THROWS_AS(PromptPolicy(bad), std::invalid_argument);
}
