// The prompt policy (ours; docs/prompts.md): from the room's shared
// regulation state, and how long it has lasted, to prompts for the people in
// the room. Pure and deterministic; evaluated once per data second; times in
// milliseconds of data time on the server clock.
//
// - A rule's trigger must hold continuously for its min_state_ms before it
//   can fire (a state hovering at a threshold never gets there).
// - A rule does not fire again for the same recipient within cooldown_ms.
// - Nobody gets more than one prompt per per_person_interval_ms, hand-sent
//   prompts included (note_sent).
// - When several rules qualify for one person, the highest priority wins
//   (equal priorities: the earlier rule in the catalogue).
// - Partners never receive ClinicianActivated prompts; those go to the
//   clinician alone. ACTIVATED / SETTLED audiences resolve from `activated`.
// - With auto_enabled false nothing is produced (the trigger clocks keep
//   running, so a state that has lasted long enough qualifies as soon as
//   automatic prompts are back on).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"

namespace attune::core {

enum class Trigger : std::uint8_t {
  CoEscalation,        // shared state CO_ESCALATION
  OneActivated,        // shared state ONE_ACTIVATED (with who)
  Connected,           // shared state CONNECTED
  Withdrawn,           // shared state WITHDRAWN
  ClinicianActivated,  // the clinician streams and their own state is ACTIVATED
};
inline constexpr std::size_t kTriggerCount = 5;

enum class Audience : std::uint8_t {
  Both,       // both partners
  Activated,  // the activated partner (ONE_ACTIVATED only)
  Settled,    // the settled partner (ONE_ACTIVATED only)
  Clinician,  // the clinician alone
};

// Catalogue names: "CO_ESCALATION", "ONE_ACTIVATED", "CONNECTED", "WITHDRAWN",
// "CLINICIAN_ACTIVATED"; "BOTH", "ACTIVATED", "SETTLED", "CLINICIAN".
const char* trigger_name(Trigger t);
const char* audience_name(Audience a);
std::optional<Trigger> trigger_from_name(std::string_view name);
std::optional<Audience> audience_from_name(std::string_view name);

struct PromptRule {
  std::string id, text;
  Trigger trigger = Trigger::CoEscalation;
  Audience audience = Audience::Both;
  int priority = 0;
  std::int64_t min_state_ms = 0;
  std::int64_t cooldown_ms = 0;
  bool start_pacer = false;  // a hint to the room: start the shared pacer with this prompt
};

inline constexpr std::size_t kMaxPromptTextChars = 280;  // as SendPrompt free text (bytes of UTF-8)

struct PromptCatalogue {
  std::vector<PromptRule> rules;
  std::int64_t per_person_interval_ms = 60000;

  // nullopt when usable; otherwise one sentence naming the first problem:
  // ids 1-64 characters of [a-z0-9_], unique; text 1-280 bytes; durations
  // 0-24 h (interval 0-1 h); ACTIVATED/SETTLED audiences only with
  // ONE_ACTIVATED; CLINICIAN_ACTIVATED only to the CLINICIAN.
  std::optional<std::string> catalogue_problem() const;
  // The rule with this id, or nullptr.
  const PromptRule* find(std::string_view id) const;
};

struct PolicyInput {
  std::int64_t t_ms = 0;  // the data second evaluated
  SharedState shared = SharedState::Waiting;
  std::optional<Seat> activated;  // with OneActivated: who
  RegulationState state_a = RegulationState::Unknown;
  RegulationState state_b = RegulationState::Unknown;
  RegulationState state_clinician = RegulationState::Unknown;
  bool clinician_streaming = false;
  bool auto_enabled = true;
};

struct PromptDecision {
  std::string rule_id, text;
  Seat recipient = Seat::A;
  Audience audience = Audience::Both;
  int priority = 0;
  Trigger trigger = Trigger::CoEscalation;  // what fired it (for PromptRecord.shared_state)
  bool start_pacer = false;
};

class PromptPolicy {
 public:
  // Throws std::invalid_argument with catalogue_problem() when not usable.
  explicit PromptPolicy(PromptCatalogue catalogue);

  // One data second. Returns at most one decision per recipient (A, B,
  // clinician, in that order), and records them as sent. Calls must come in
  // increasing t_ms; an earlier or equal t_ms returns nothing and changes
  // nothing.
  std::vector<PromptDecision> evaluate(const PolicyInput& in);

  // A prompt reached `seat` at t_ms by another way (sent by hand): it counts
  // toward the per-person interval.
  void note_sent(Seat seat, std::int64_t t_ms);

  const PromptCatalogue& catalogue() const { return catalogue_; }
  // How long the trigger has held at the last evaluation (nullopt: not holding).
  std::optional<std::int64_t> held_ms(Trigger t) const;

 private:
  PromptCatalogue catalogue_;
  std::optional<std::int64_t> last_t_;
  std::array<std::optional<std::int64_t>, kTriggerCount> since_{};  // trigger holds since
  std::optional<Seat> since_activated_;                              // who, for OneActivated
  std::array<std::optional<std::int64_t>, kSeatCount> last_prompt_{};
  std::vector<std::array<std::optional<std::int64_t>, kSeatCount>> last_fired_;  // per rule
};

}  // namespace attune::core
