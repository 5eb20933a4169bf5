#include "core/prompt_policy.hpp"

#include <stdexcept>

namespace attune::core {
namespace {

constexpr std::int64_t kMaxDurationMs = 24LL * 3600 * 1000;
constexpr std::int64_t kMaxIntervalMs = 3600LL * 1000;
constexpr int kMaxPriority = 1000;
constexpr std::size_t kMaxIdChars = 64;

bool id_ok(const std::string& id) {
  if (id.empty() || id.size() > kMaxIdChars) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool audience_has(Audience a, Seat seat, std::optional<Seat> activated) {
  switch (a) {
    case Audience::Both: return seat == Seat::A || seat == Seat::B;
    case Audience::Clinician: return seat == Seat::Clinician;
    case Audience::Activated:
      return activated && (*activated == Seat::A || *activated == Seat::B) && seat == *activated;
    case Audience::Settled:
      return activated && (*activated == Seat::A || *activated == Seat::B) &&
             (seat == Seat::A || seat == Seat::B) && seat != *activated;
  }
  return false;
}

}  // namespace

const char* trigger_name(Trigger t) {
  switch (t) {
    case Trigger::CoEscalation: return "CO_ESCALATION";
    case Trigger::OneActivated: return "ONE_ACTIVATED";
    case Trigger::Connected: return "CONNECTED";
    case Trigger::Withdrawn: return "WITHDRAWN";
    case Trigger::ClinicianActivated: return "CLINICIAN_ACTIVATED";
  }
  return "?";
}

const char* audience_name(Audience a) {
  switch (a) {
    case Audience::Both: return "BOTH";
    case Audience::Activated: return "ACTIVATED";
    case Audience::Settled: return "SETTLED";
    case Audience::Clinician: return "CLINICIAN";
  }
  return "?";
}

std::optional<Trigger> trigger_from_name(std::string_view name) {
  for (Trigger t : {Trigger::CoEscalation, Trigger::OneActivated, Trigger::Connected,
                    Trigger::Withdrawn, Trigger::ClinicianActivated}) {
    if (name == trigger_name(t)) return t;
  }
  return std::nullopt;
}

std::optional<Audience> audience_from_name(std::string_view name) {
  for (Audience a : {Audience::Both, Audience::Activated, Audience::Settled, Audience::Clinician}) {
    if (name == audience_name(a)) return a;
  }
  return std::nullopt;
}

std::optional<std::string> PromptCatalogue::catalogue_problem() const {
  if (per_person_interval_ms < 0 || per_person_interval_ms > kMaxIntervalMs) {
    return "The prompt catalogue's per_person_interval_ms is " +
           std::to_string(per_person_interval_ms) + "; it must lie within 0-3600000 (one hour).";
  }
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const PromptRule& r = rules[i];
    const std::string where = "Prompt rule " + std::to_string(i + 1) +
                              (r.id.empty() ? std::string() : " (\"" + r.id + "\")") + ": ";
    if (!id_ok(r.id)) {
      return where + "the id must be 1-64 characters of lower-case letters, digits and '_'.";
    }
    for (std::size_t k = 0; k < i; ++k) {
      if (rules[k].id == r.id) return where + "the id is used by an earlier rule too.";
    }
    if (r.text.empty()) return where + "the text is empty.";
    if (r.text.size() > kMaxPromptTextChars) {
      return where + "the text is " + std::to_string(r.text.size()) +
             " bytes long; at most 280 are allowed.";
    }
    if (r.priority < 0 || r.priority > kMaxPriority) {
      return where + "the priority is " + std::to_string(r.priority) + "; it must lie within 0-1000.";
    }
    if (r.min_state_ms < 0 || r.min_state_ms > kMaxDurationMs) {
      return where + "min_state_ms must lie within 0-86400000 (24 hours).";
    }
    if (r.cooldown_ms < 0 || r.cooldown_ms > kMaxDurationMs) {
      return where + "cooldown_ms must lie within 0-86400000 (24 hours).";
    }
    if ((r.audience == Audience::Activated || r.audience == Audience::Settled) &&
        r.trigger != Trigger::OneActivated) {
      return where + "the audience " + audience_name(r.audience) +
             " needs the trigger ONE_ACTIVATED (only then is one partner activated and the other settled).";
    }
    if (r.trigger == Trigger::ClinicianActivated && r.audience != Audience::Clinician) {
      return where + "a CLINICIAN_ACTIVATED prompt goes to the CLINICIAN alone; partners never see the clinician's state.";
    }
  }
  return std::nullopt;
}

const PromptRule* PromptCatalogue::find(std::string_view id) const {
  for (const auto& r : rules) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

PromptPolicy::PromptPolicy(PromptCatalogue catalogue) : catalogue_(std::move(catalogue)) {
  if (auto problem = catalogue_.catalogue_problem()) throw std::invalid_argument(*problem);
  last_fired_.resize(catalogue_.rules.size());
}

std::optional<std::int64_t> PromptPolicy::held_ms(Trigger t) const {
  const auto& s = since_[static_cast<std::size_t>(t)];
  if (!s || !last_t_) return std::nullopt;
  return *last_t_ - *s;
}

void PromptPolicy::note_sent(Seat seat, std::int64_t t_ms) {
  auto& last = last_prompt_[static_cast<std::size_t>(seat)];
  if (!last || t_ms > *last) last = t_ms;
}

std::vector<PromptDecision> PromptPolicy::evaluate(const PolicyInput& in) {
  std::vector<PromptDecision> out;
  if (last_t_ && in.t_ms <= *last_t_) return out;
  const std::int64_t t = in.t_ms;
  last_t_ = t;

  // Which triggers hold this second, and since when.
  const bool one_partner_activated =
      in.shared == SharedState::OneActivated && in.activated &&
      (*in.activated == Seat::A || *in.activated == Seat::B);
  std::array<bool, kTriggerCount> holds{};
  holds[static_cast<std::size_t>(Trigger::CoEscalation)] = in.shared == SharedState::CoEscalation;
  holds[static_cast<std::size_t>(Trigger::OneActivated)] = one_partner_activated;
  holds[static_cast<std::size_t>(Trigger::Connected)] = in.shared == SharedState::Connected;
  holds[static_cast<std::size_t>(Trigger::Withdrawn)] = in.shared == SharedState::Withdrawn;
  holds[static_cast<std::size_t>(Trigger::ClinicianActivated)] =
      in.clinician_streaming && in.state_clinician == RegulationState::Activated;
  // A switch of who is activated starts the ONE_ACTIVATED clock afresh.
  auto& one_since = since_[static_cast<std::size_t>(Trigger::OneActivated)];
  if (one_partner_activated && since_activated_ != in.activated) one_since.reset();
  since_activated_ = one_partner_activated ? in.activated : std::nullopt;
  for (std::size_t k = 0; k < kTriggerCount; ++k) {
    if (!holds[k]) {
      since_[k].reset();
    } else if (!since_[k]) {
      since_[k] = t;
    }
  }
  if (!in.auto_enabled) return out;

  const std::int64_t interval = catalogue_.per_person_interval_ms;
  for (Seat seat : {Seat::A, Seat::B, Seat::Clinician}) {
    const auto si = static_cast<std::size_t>(seat);
    if (last_prompt_[si] && t - *last_prompt_[si] < interval) continue;
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < catalogue_.rules.size(); ++i) {
      const PromptRule& r = catalogue_.rules[i];
      const auto k = static_cast<std::size_t>(r.trigger);
      if (!holds[k] || !since_[k] || t - *since_[k] < r.min_state_ms) continue;
      if (r.trigger == Trigger::ClinicianActivated && seat != Seat::Clinician) continue;
      if (!audience_has(r.audience, seat, in.activated)) continue;
      const auto& fired = last_fired_[i][si];
      if (fired && t - *fired < r.cooldown_ms) continue;
      if (!best || r.priority > catalogue_.rules[*best].priority) best = i;
    }
    if (!best) continue;
    const PromptRule& r = catalogue_.rules[*best];
    last_fired_[*best][si] = t;
    last_prompt_[si] = t;
    out.push_back({r.id, r.text, seat, r.audience, r.priority, r.trigger, r.start_pacer});
  }
  return out;
}

}  // namespace attune::core
