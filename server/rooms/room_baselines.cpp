// Stored baselines in a room (issue 3; docs/metrics.md "Stored baseline").
// A person is a seat of the room: when a session starts, the room's effective
// baselines are read on the store's thread and handed to the engine back on
// the room's strand. No database, a failure or a slow answer never holds the
// session up: until (unless) the answer comes, participants calibrate as
// before, and an answer that arrives after a seat's calibration has ended is
// ignored for that seat. The partners' stored resonance rates set the
// adaptive pacer's target unless the clinician has set one.
#include <cmath>
#include <utility>

#include "rooms/room.hpp"

namespace attune::rooms {
namespace {

std::optional<core::Seat> core_seat_of(store::SeatRole role) {
  switch (role) {
    case store::SeatRole::PartnerA: return core::Seat::A;
    case store::SeatRole::PartnerB: return core::Seat::B;
    case store::SeatRole::Clinician: return core::Seat::Clinician;
    case store::SeatRole::Observer: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<core::RobustBaseline> robust(const std::optional<store::BaselineStat>& s) {
  if (!s) return std::nullopt;
  return core::RobustBaseline{s->median, s->scale};
}

}  // namespace

void Room::load_stored_baselines() {
  if (!post_) return;  // stays "unavailable": the session calibrates
  const std::string session_id = session_->id;
  PostToRoom post = post_;
  store_.get_baselines(identity_.room_id, [post, session_id](std::optional<store::RoomBaselines> baselines) {
    // Runs on the store's thread (or inline when refused at once): back to the strand.
    post([session_id, baselines = std::move(baselines)](Room* room) {
      if (room && room->session_ && room->session_->id == session_id) room->apply_stored_baselines(baselines);
    });
  });
}

void Room::apply_stored_baselines(const std::optional<store::RoomBaselines>& baselines) {
  auto& session = *session_;
  if (!baselines) {
    session.stored_baselines = "unavailable";
    return;
  }
  bool loaded = false, late = false;
  std::vector<double> partner_resonance;
  for (const auto& seat : baselines->seats) {
    const auto core = core_seat_of(seat.seat);
    if (!core) continue;
    if (seat.hr_bpm && seat.ln_rmssd) {
      core::StoredBaseline stored{robust(seat.hr_bpm), robust(seat.ln_rmssd), robust(seat.breath_rate_bpm)};
      if (session.recorder) session.recorder->stored_baseline(*core, stored, session.data_time_ms);
      if (session.engine.set_stored_baseline(*core, stored)) {
        loaded = true;
      } else {
        late = true;
      }
    }
    if (seat.resonance_rate_bpm && *core != core::Seat::Clinician && std::isfinite(*seat.resonance_rate_bpm))
      partner_resonance.push_back(*seat.resonance_rate_bpm);
  }
  session.stored_baselines = loaded ? "loaded" : late ? "late" : "none";

  // The pacer's target: the mean of the partners' stored resonance rates (one
  // partner's alone when only one is known): the shared pacer serves both.
  auto& loop = session.loop;
  if (partner_resonance.empty() || loop.target_from_clinician) return;
  double sum = 0.0;
  for (double r : partner_resonance) sum += r;
  const double target = sum / static_cast<double>(partner_resonance.size());
  if (!loop.pacer.set_target_rate(target)) session.resonance_target_bpm = target;
}

void Room::fill_baseline_summary(v1::SessionSummary& summary) const {
  const auto& session = *session_;
  summary.set_stored_baselines(session.stored_baselines);
  if (session.resonance_target_bpm) summary.set_stored_resonance_target_bpm(*session.resonance_target_bpm);
  for (auto& p : *summary.mutable_participants()) {
    for (std::size_t i = 0; i < core::kSeatCount; ++i) {
      if (codec::role_of(static_cast<core::Seat>(i)) != p.role()) continue;
      if (auto rate = session.loop.resonance[i].rate_bpm()) p.set_resonance_rate_bpm(*rate);
    }
  }
}

}  // namespace attune::rooms
