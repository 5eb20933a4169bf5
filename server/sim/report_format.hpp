// What `attune simulate` prints: one line per room state, errors, the
// summary. Text for people, or one JSON object per line for scripts.
#pragma once

#include <cstdint>
#include <string>

#include "attune/v1/attune.pb.h"
#include "sim/scenario.hpp"

namespace attune::sim {

// "mm:ss" of data time into the session (minutes keep counting past 59).
std::string data_clock(std::int64_t t_ms, std::int64_t start_ms);

// "02:31 CONNECTED | A SETTLED hr 72.1 rmssd 41.0 | B ... | AB r +0.52 lag +1.25 s"
std::string room_state_text(const attune::v1::RoomState& rs, std::int64_t start_ms);
std::string room_state_json(const attune::v1::RoomState& rs, std::int64_t start_ms);

std::string error_text(Seat seat, const attune::v1::Error& e);
std::string error_json(Seat seat, const attune::v1::Error& e);

// A few lines for people; the caller adds "session_id=..." for scripts.
std::string summary_text(const attune::v1::SessionSummary& s);
std::string summary_json(const attune::v1::SessionSummary& s);

// Short names: ROLE_PARTNER_A -> "A", SHARED_STATE_ONE_ACTIVATED -> "ONE_ACTIVATED".
std::string role_short(attune::v1::Role r);
std::string shared_short(attune::v1::SharedState s);
std::string regulation_short(attune::v1::RegulationState s);

}  // namespace attune::sim
