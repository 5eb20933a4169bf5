// What `attune simulate` prints: one line per room state, errors, the
// summary. Text for people, or one JSON object per line for scripts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attune/v1/attune.pb.h"
#include "sim/pacer_schedule.hpp"
#include "sim/scenario.hpp"

namespace attune::sim {

// "mm:ss" of data time into the session (minutes keep counting past 59).
std::string data_clock(std::int64_t t_ms, std::int64_t start_ms);

// "02:31 CONNECTED | A SETTLED hr 72.1 rmssd 41.0 | B ... | AB r +0.52 lag +1.25 s"
std::string room_state_text(const attune::v1::RoomState& rs, std::int64_t start_ms);
// extra_fields: more members for the object, each starting with ',' (see
// status_fields_json).
std::string room_state_json(const attune::v1::RoomState& rs, std::int64_t start_ms,
                            const std::string& extra_fields = "");

// ---- the intervention loop, added to each status line

// The pacer at the status line's data time, as the displayed seat sees it.
struct PacerView {
  bool known = false;    // a PacerState has arrived
  bool running = false;
  double rate_bpm = 0.0;
  double phase = 0.0;    // 0..1, 0 = start of the inhale
  PacerSchedule schedule;  // for the part and fill of the phase
};

struct ClockView {
  Seat seat = Seat::A;
  double offset_ms = 0.0;       // client = server + offset
  double uncertainty_ms = 0.0;
};

struct PromptSeen {
  Seat seat = Seat::A;  // who received it
  attune::v1::Prompt prompt;
};

struct StatusExtras {
  PacerView pacer;
  std::size_t prompts_total = 0;         // received by all seats so far
  std::vector<PromptSeen> new_prompts;   // since the last status line
  std::vector<ClockView> clocks;         // seats with an estimate
};

// "[in ====    ]": the part of the pattern (in, hold, out) and how full the
// lungs are (8 cells).
std::string pacer_bar(const PacerView& p);

// " | pacer 6.0/min [in ====    ] | prompts 2 | clock A +3700.1 (+-0.4) B +0.2 (+-0.3) ms"
std::string status_suffix_text(const StatusExtras& x);

// ',"pacer":{"running":true,"rate_bpm":6,"phase":0.42},"prompts":[...],"prompts_total":2,"clock":{...}'
std::string status_fields_json(const StatusExtras& x);

// "prompt for A [pause_co_escalation]: The conversation can't ..."
std::string prompt_text(Seat seat, const attune::v1::Prompt& p);

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
