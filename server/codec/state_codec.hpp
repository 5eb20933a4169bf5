// Core values -> protocol messages, including who may see what
// (DESIGN.md, "Roles, rooms and who may see what").
#pragma once

#include <array>
#include <string>

#include "attune/v1/attune.pb.h"
#include "core/synchrony_engine.hpp"

namespace attune::codec {

// What a recipient may see of a room's state.
enum class View : std::uint8_t { PartnerA = 0, PartnerB = 1, Clinician = 2, Observer = 3 };
inline constexpr std::size_t kViewCount = 4;

v1::Role role_of(core::Seat seat);
v1::RegulationState to_proto(core::RegulationState state);
v1::SharedState to_proto(core::SharedState state);
v1::EpisodeOutcome to_proto(core::EpisodeOutcome outcome);

struct ClockView {
  double offset_ms = 0;
  double uncertainty_ms = 0;
};

struct RoomStateContext {
  std::string session_id;
  std::array<bool, core::kSeatCount> connected{};  // seat has a live connection
  bool share_metrics_with_partners = false;       // consent setting of the room
  std::array<std::optional<ClockView>, core::kSeatCount> clock{};  // shown to the clinician
};

// Partners see the shared state, each partner's regulation state, their own
// metrics and the A-B synchrony; the other partner's raw values only when the
// room shares them. The clinician sees everything, and is the only one who
// sees the clinician's own state and the clinician-partner pairs. Observers
// see the shared state and every partner's regulation state, never raw values.
v1::RoomState to_room_state(const core::Snapshot& snapshot, View view, const RoomStateContext& context);

void fill_summary(const core::EngineSummary& summary, v1::SessionSummary& out);
void fill_coregulation(const core::EpisodeSummary& episodes, v1::CoregulationSummary& out);

// The session summary as one member may see it, by the same rules as the room
// state: others' figures reduce to their time in each state (unless shared),
// and the clinician's own figures and pairs go to the clinician alone.
v1::SessionSummary summary_for_view(const v1::SessionSummary& full, View view, bool share_metrics_with_partners);

// The longest prefix of `text` of at most `max_bytes` bytes that does not cut
// a UTF-8 character in two (protobuf strings must stay valid UTF-8).
std::string utf8_prefix(const std::string& text, std::size_t max_bytes);

}  // namespace attune::codec
