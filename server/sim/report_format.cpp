#include "sim/report_format.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "sim/wire_codec.hpp"

namespace attune::sim {

namespace v1 = attune::v1;

namespace {

std::string strip(const std::string& name, const std::string& prefix) {
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

std::string fixed(double v, int decimals, bool sign = false) {
  char buf[32];
  std::snprintf(buf, sizeof buf, sign ? "%+.*f" : "%.*f", decimals, v);
  return buf;
}

// A JSON string literal; the values here are our own short names and the
// server's sentences, so escaping quotes, backslashes and controls suffices.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

std::string role_short(v1::Role r) {
  switch (r) {
    case v1::ROLE_PARTNER_A: return "A";
    case v1::ROLE_PARTNER_B: return "B";
    case v1::ROLE_CLINICIAN: return "C";
    case v1::ROLE_OBSERVER: return "O";
    default: return "?";
  }
}

std::string shared_short(v1::SharedState s) { return strip(v1::SharedState_Name(s), "SHARED_STATE_"); }

std::string regulation_short(v1::RegulationState s) {
  return strip(v1::RegulationState_Name(s), "REGULATION_STATE_");
}

std::string data_clock(std::int64_t t_ms, std::int64_t start_ms) {
  const std::int64_t s = t_ms > start_ms ? (t_ms - start_ms) / 1000 : 0;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  return buf;
}

std::string room_state_text(const v1::RoomState& rs, std::int64_t start_ms) {
  std::ostringstream out;
  out << data_clock(rs.data_time_ms(), start_ms) << ' ' << shared_short(rs.shared_state());
  if (rs.shared_state() == v1::SHARED_STATE_ONE_ACTIVATED) out << '(' << role_short(rs.activated_role()) << ')';
  for (const v1::ParticipantState& p : rs.participants()) {
    out << " | " << role_short(p.role()) << ' ';
    if (!p.connected()) {
      out << "offline";
      continue;
    }
    out << regulation_short(p.state());
    if (p.calibrating()) out << " (calibrating)";
    if (p.has_hr_bpm()) out << " hr " << fixed(p.hr_bpm(), 1);
    if (p.has_rmssd_ms()) out << " rmssd " << fixed(p.rmssd_ms(), 1);
  }
  for (const v1::PairState& pair : rs.pairs()) {
    if (pair.first() != v1::ROLE_PARTNER_A || pair.second() != v1::ROLE_PARTNER_B) continue;
    out << " | AB";
    if (pair.has_wcc_peak_r() && pair.has_wcc_peak_lag_s())
      out << " r " << fixed(pair.wcc_peak_r(), 2, true) << " lag " << fixed(pair.wcc_peak_lag_s(), 2, true) << " s";
    else
      out << " wcc n/a";
  }
  return out.str();
}

std::string room_state_json(const v1::RoomState& rs, std::int64_t start_ms, const std::string& extra_fields) {
  return "{\"type\":\"room_state\",\"data_clock\":" + quoted(data_clock(rs.data_time_ms(), start_ms)) +
         ",\"room_state\":" + to_json_line(rs) + extra_fields + "}";
}

std::string pacer_bar(const PacerView& p) {
  constexpr int kCells = 8;
  const char* label = "in";
  switch (p.schedule.part_at(p.phase)) {
    case PacerPart::Inhale: label = "in"; break;
    case PacerPart::HoldIn: label = "hold"; break;
    case PacerPart::Exhale: label = "out"; break;
    case PacerPart::HoldOut: label = "hold"; break;
  }
  const int filled = static_cast<int>(std::lround(p.schedule.fill_at(p.phase) * kCells));
  return std::string("[") + label + ' ' + std::string(static_cast<std::size_t>(filled), '=') +
         std::string(static_cast<std::size_t>(kCells - filled), ' ') + "]";
}

std::string status_suffix_text(const StatusExtras& x) {
  std::ostringstream out;
  out << " | pacer ";
  if (!x.pacer.known || !x.pacer.running)
    out << "off";
  else
    out << fixed(x.pacer.rate_bpm, 1) << "/min " << pacer_bar(x.pacer);
  out << " | prompts " << x.prompts_total;
  if (!x.clocks.empty()) {
    out << " | clock";
    for (const ClockView& c : x.clocks)
      out << ' ' << seat_name(c.seat) << ' ' << fixed(c.offset_ms, 1, true) << " (+-" << fixed(c.uncertainty_ms, 1)
          << ")";
    out << " ms";
  }
  return out.str();
}

std::string status_fields_json(const StatusExtras& x) {
  std::ostringstream out;
  out << ",\"pacer\":{\"running\":" << (x.pacer.known && x.pacer.running ? "true" : "false") << ",\"rate_bpm\":";
  if (x.pacer.known && x.pacer.running)
    out << fixed(x.pacer.rate_bpm, 3) << ",\"phase\":" << fixed(x.pacer.phase, 4);
  else
    out << "null,\"phase\":null";
  out << "},\"prompts\":[";
  for (std::size_t i = 0; i < x.new_prompts.size(); ++i) {
    const PromptSeen& p = x.new_prompts[i];
    out << (i ? "," : "") << "{\"seat\":" << quoted(seat_name(p.seat)) << ",\"prompt_id\":" << quoted(p.prompt.prompt_id())
        << ",\"catalogue_id\":" << quoted(p.prompt.catalogue_id()) << ",\"text\":" << quoted(p.prompt.text())
        << ",\"audience\":" << quoted(strip(v1::Audience_Name(p.prompt.audience()), "AUDIENCE_"))
        << ",\"from_clinician\":" << (p.prompt.from_clinician() ? "true" : "false") << "}";
  }
  out << "],\"prompts_total\":" << x.prompts_total << ",\"clock\":{";
  for (std::size_t i = 0; i < x.clocks.size(); ++i) {
    const ClockView& c = x.clocks[i];
    out << (i ? "," : "") << quoted(seat_name(c.seat)) << ":{\"offset_ms\":" << fixed(c.offset_ms, 3)
        << ",\"uncertainty_ms\":" << fixed(c.uncertainty_ms, 3) << "}";
  }
  out << "}";
  return out.str();
}

std::string prompt_text(Seat seat, const v1::Prompt& p) {
  std::string out = std::string("prompt for ") + seat_name(seat);
  if (p.from_clinician()) out += " from the clinician";
  out += " [" + (p.catalogue_id().empty() ? std::string("free text") : p.catalogue_id()) + "]: " + p.text();
  return out;
}

std::string error_text(Seat seat, const v1::Error& e) {
  return std::string("error from server (seat ") + seat_name(seat) + "): " +
         strip(v1::ErrorCode_Name(e.code()), "ERROR_CODE_") + ": " + e.message();
}

std::string error_json(Seat seat, const v1::Error& e) {
  return std::string("{\"type\":\"error\",\"seat\":") + quoted(seat_name(seat)) + ",\"error\":" + to_json_line(e) + "}";
}

std::string summary_text(const v1::SessionSummary& s) {
  std::ostringstream out;
  out << "session summary: " << fixed(s.data_seconds(), 0) << " s of data, ended: " << s.end_reason() << '\n';
  for (const v1::ParticipantSummary& p : s.participants()) {
    out << "  " << role_short(p.role()) << ": " << p.beats_received() << " beats (" << p.beats_rejected()
        << " rejected)";
    if (p.has_mean_hr_bpm()) out << ", mean hr " << fixed(p.mean_hr_bpm(), 1);
    if (p.has_mean_rmssd_ms()) out << ", mean rmssd " << fixed(p.mean_rmssd_ms(), 1);
    const v1::StateDurations& t = p.time_in_state();
    out << ", settled " << fixed(t.settled_s(), 0) << " s, activated " << fixed(t.activated_s(), 0) << " s\n";
  }
  for (const v1::PairSummary& p : s.pairs()) {
    out << "  " << role_short(p.first()) << role_short(p.second()) << ": " << p.windows() << " windows";
    if (p.has_mean_wcc_peak_r()) out << ", mean peak r " << fixed(p.mean_wcc_peak_r(), 2, true);
    out << ", " << role_short(p.first()) << " led " << fixed(100.0 * p.leader_first_share(), 0) << " %, "
        << role_short(p.second()) << " led " << fixed(100.0 * p.leader_second_share(), 0) << " %\n";
  }
  const v1::SharedStateDurations& d = s.time_in_shared_state();
  out << "  shared: connected " << fixed(d.connected_s(), 0) << " s, settled " << fixed(d.settled_s(), 0)
      << " s, one activated " << fixed(d.one_activated_s(), 0) << " s, co-escalation "
      << fixed(d.co_escalation_s(), 0) << " s, calibrating " << fixed(d.calibrating_s(), 0) << " s";
  if (s.has_coregulation()) {
    const v1::CoregulationSummary& c = s.coregulation();
    out << "\n  co-regulation: " << c.total() << " episodes (recovered " << c.recovered() << ", escalated "
        << c.escalated() << ", lost " << c.lost() << ", open " << c.open() << ")";
    if (c.has_median_recovery_s()) out << ", median recovery " << fixed(c.median_recovery_s(), 0) << " s";
  }
  return out.str();
}

std::string summary_json(const v1::SessionSummary& s) {
  return "{\"type\":\"summary\",\"summary\":" + to_json_line(s) + "}";
}

}  // namespace attune::sim
