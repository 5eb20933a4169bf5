// The intervention loop of a room (issue 4): the shared breathing pacer, the
// prompt policy, the clinician's controls, and what the summary keeps of
// them. Everything runs on data time, once per data second, so a simulator
// sending faster than real time sees the same loop a live couple would.
#include <algorithm>
#include <cmath>

#include "core/adaptive_pacing.hpp"
#include "rooms/room.hpp"

namespace attune::rooms {
namespace {

constexpr std::size_t kMaxPromptText = 280;
constexpr std::size_t kMaxPromptsKept = 2000;
// Rate changes smaller than this are not worth a PacerState of their own: the
// next RoomState carries them anyway.
constexpr double kPacerBroadcastStepBpm = 0.1;
const core::PacerPattern kDefaultPattern{4.0, 0.0, 6.0, 0.0};  // inhale:exhale 4:6 (SYNCHRONY.md)

v1::Role role_of_seat(core::Seat seat) { return codec::role_of(seat); }

v1::Audience to_proto(core::Audience audience) {
  switch (audience) {
    case core::Audience::Both: return v1::AUDIENCE_BOTH;
    case core::Audience::Activated: return v1::AUDIENCE_ACTIVATED;
    case core::Audience::Settled: return v1::AUDIENCE_SETTLED;
    case core::Audience::Clinician: return v1::AUDIENCE_CLINICIAN;
  }
  return v1::AUDIENCE_UNSPECIFIED;
}

core::PacerPattern from_proto(const v1::PacerPattern& p) {
  return {p.inhale_s(), p.hold_in_s(), p.exhale_s(), p.hold_out_s()};
}

// The same rule as every other raw value (codec::summary_for_view): one's
// own, everyone's for the clinician, the partners' for each other when the
// room shares them; the clinician's only for the clinician.
bool can_see_entrainment(codec::View view, v1::Role role, bool shared) {
  if (view == codec::View::Clinician) return true;
  if (role == v1::ROLE_CLINICIAN || view == codec::View::Observer) return false;
  if ((view == codec::View::PartnerA && role == v1::ROLE_PARTNER_A) ||
      (view == codec::View::PartnerB && role == v1::ROLE_PARTNER_B))
    return true;
  return shared;
}

// A clinician's explicit target (validated before) wins over a stored
// resonance rate, now and if the stored one arrives later.
template <typename Loop>
void set_clinician_target(Loop& loop, double rate_bpm) {
  loop.pacer.set_target_rate(rate_bpm);
  loop.target_from_clinician = true;
}

}  // namespace

std::int64_t Room::pacer_now_us() const {
  if (session_ && session_->data_time_ms > 0) return session_->data_time_ms * 1000;
  return clock_.now_us();
}

// ------------------------------------------------------------------ each data second

void Room::on_data_second(const core::Snapshot& snapshot) {
  auto& loop = session_->loop;
  const std::int64_t t_us = snapshot.t_ms * 1000;

  // Each person's locking to the pacer, and the adaptive step it allows.
  for (std::size_t i = 0; i < core::kSeatCount; ++i) {
    loop.entrainment[i].reset();
    if (!loop.pacer.running()) continue;
    if (auto e = core::pacer_entrainment(loop.respiration[i], loop.pacer, snapshot.t_ms)) {
      loop.entrainment[i] = e->plv;
      loop.entrainment_sum[i] += e->plv;
      ++loop.entrainment_n[i];
    }
  }
  // What the resonance estimate learns from this second (room_baselines.cpp).
  for (std::size_t i = 0; i < core::kSeatCount; ++i) {
    loop.resonance[i].add_second(loop.pacer.running() ? std::optional<double>(loop.pacer.rate_bpm()) : std::nullopt,
                                 loop.entrainment[i], snapshot.participants[i].lf_ms2);
  }
  if (loop.pacer.running()) {
    loop.running_s += 1.0;
    if (loop.pacer.adaptive()) {
      const bool following = core::both_following(loop.entrainment[0], loop.entrainment[1]);
      core::step(loop.pacer, t_us, following, 1.0);
      loop.last_rate_bpm = loop.pacer.rate_bpm();
      if (std::abs(loop.pacer.rate_bpm() - loop.broadcast_rate_bpm) >= kPacerBroadcastStepBpm) publish_pacer();
    }
  }

  // Prompts from the policy.
  core::PolicyInput in;
  in.t_ms = snapshot.t_ms;
  in.shared = snapshot.shared;
  in.activated = snapshot.activated;
  in.state_a = snapshot.participants[0].state;
  in.state_b = snapshot.participants[1].state;
  in.state_clinician = snapshot.participants[2].state;
  in.clinician_streaming = snapshot.participants[2].streaming;
  in.auto_enabled = loop.auto_prompts;
  for (const auto& d : loop.policy.evaluate(in)) {
    deliver_prompt(d.recipient, d.rule_id, d.text, to_proto(d.audience), d.priority, false,
                   core::trigger_name(d.trigger), snapshot.t_ms);
    // Only prompts to partners may start the shared pacer: one started for the
    // clinician's own alert would tell the partners about the clinician's state.
    if (d.start_pacer && d.recipient != core::Seat::Clinician && !loop.pacer.running()) {
      const double rate = core::initial_rate(snapshot.participants[0].breath_rate_bpm,
                                             snapshot.participants[1].breath_rate_bpm, loop.pacer.target_rate_bpm());
      if (!loop.pacer.start(core::scale_to_rate(kDefaultPattern, rate), t_us)) {
        loop.pacer_started_by = v1::ROLE_UNSPECIFIED;  // the policy started it
        ++loop.starts;
        if (loop.first_rate_bpm == 0) loop.first_rate_bpm = rate;
        loop.last_rate_bpm = rate;
        publish_pacer();
      }
    }
  }
}

// ------------------------------------------------------------------ prompts

void Room::deliver_prompt(core::Seat recipient, const std::string& catalogue_id, const std::string& text,
                          v1::Audience audience, int priority, bool from_clinician, const std::string& cause,
                          std::int64_t data_time_ms) {
  auto& loop = session_->loop;
  auto m = envelope();
  auto* p = m.mutable_prompt();
  p->set_prompt_id("pr_" + std::to_string(++loop.prompts_issued));
  p->set_catalogue_id(catalogue_id);
  p->set_text(text);
  p->set_audience(audience);
  p->set_priority(priority);
  p->set_issued_at_us(m.server_time_us());
  p->set_from_clinician(from_clinician);
  p->set_data_time_ms(data_time_ms);
  if (loop.prompts.size() < kMaxPromptsKept) {
    v1::PromptRecord record;
    record.set_prompt_id(p->prompt_id());
    record.set_catalogue_id(catalogue_id);
    record.set_recipient(role_of_seat(recipient));
    record.set_audience(audience);
    record.set_issued_at_ms(m.server_time_us() / 1000);
    record.set_from_clinician(from_clinician);
    record.set_shared_state(cause);
    record.set_data_time_ms(data_time_ms);
    loop.prompts.push_back(std::move(record));
  }
  // The prompt goes to its recipient alone (an absent one still has it on record).
  if (auto& member = seats_[static_cast<std::size_t>(recipient)].member) send(*member, m);
}

void Room::apply_prompt_ack(Member& member, SeatKind kind, const v1::PromptAck& ack, std::uint64_t seq) {
  const auto role = codec::role_of(static_cast<core::Seat>(kind));
  for (auto& record : session_->loop.prompts) {
    if (record.prompt_id() == ack.prompt_id() && record.recipient() == role) {
      if (record.acked_at_ms() == 0) record.set_acked_at_ms(clock_.now_ms());
      return;
    }
  }
  send_error(member, v1::ERROR_CODE_INVALID, "There is no prompt with that id for this seat to acknowledge.", seq);
}

void Room::apply_send_prompt(Member& member, SeatKind kind, const v1::SendPrompt& send, std::uint64_t seq) {
  if (kind != SeatKind::Clinician) {
    send_error(member, v1::ERROR_CODE_FORBIDDEN, "Only the clinician can send prompts by hand.", seq);
    return;
  }
  std::string text = send.text();
  int priority = 100;  // a person chose to say this: above any automatic prompt
  if (!send.catalogue_id().empty()) {
    const auto* rule = session_->loop.policy.catalogue().find(send.catalogue_id());
    if (!rule) {
      send_error(member, v1::ERROR_CODE_INVALID, "There is no prompt '" + codec::utf8_prefix(send.catalogue_id(), 64) +
                                                     "' in the catalogue.", seq);
      return;
    }
    text = rule->text;
  } else if (text.empty() || text.size() > kMaxPromptText) {
    send_error(member, v1::ERROR_CODE_INVALID,
               "A prompt needs a catalogue id, or a text of 1-" + std::to_string(kMaxPromptText) + " bytes.", seq);
    return;
  }
  std::vector<core::Seat> recipients;
  switch (send.audience()) {
    case v1::AUDIENCE_BOTH: recipients = {core::Seat::A, core::Seat::B}; break;
    case v1::AUDIENCE_PARTNER_A: recipients = {core::Seat::A}; break;
    case v1::AUDIENCE_PARTNER_B: recipients = {core::Seat::B}; break;
    case v1::AUDIENCE_CLINICIAN: recipients = {core::Seat::Clinician}; break;
    default:
      send_error(member, v1::ERROR_CODE_INVALID,
                 "A hand-sent prompt goes to BOTH, PARTNER_A, PARTNER_B or CLINICIAN.", seq);
      return;
  }
  for (auto seat : recipients) {
    deliver_prompt(seat, send.catalogue_id(), text, send.audience(), priority, true, "CLINICIAN",
                   session_->data_time_ms);
    // It counts toward the person's one-prompt-per-interval, so automatic
    // prompts do not pile on right after it.
    session_->loop.policy.note_sent(seat, session_->data_time_ms);
  }
}

void Room::apply_auto_prompts(Member& member, SeatKind kind, const v1::SetAutoPrompts& set, std::uint64_t seq) {
  if (kind != SeatKind::Clinician) {
    send_error(member, v1::ERROR_CODE_FORBIDDEN, "Only the clinician can switch automatic prompts.", seq);
    return;
  }
  session_->loop.auto_prompts = set.enabled();
}

// ------------------------------------------------------------------ the pacer

void Room::apply_pacer_command(Member& member, SeatKind kind, const v1::PacerCommand& command, std::uint64_t seq) {
  auto& loop = session_->loop;
  const bool clinician = kind == SeatKind::Clinician;
  const auto now_us = pacer_now_us();
  auto refuse = [&](v1::ErrorCode code, const std::string& why) { send_error(member, code, why, seq); };

  if ((command.has_pattern() || command.target_rate_bpm() != 0 || command.has_adaptive()) && !clinician) {
    refuse(v1::ERROR_CODE_FORBIDDEN, "Partners can start and stop the pacer; its pattern and target are the clinician's.");
    return;
  }
  // Check everything before changing anything, so a bad command changes nothing.
  std::optional<core::PacerPattern> pattern;
  if (command.has_pattern()) {
    pattern = from_proto(command.pattern());
    if (auto why = core::pattern_problem(*pattern)) return refuse(v1::ERROR_CODE_INVALID, *why);
  }
  if (command.target_rate_bpm() != 0) {
    if (auto why = core::rate_problem(command.target_rate_bpm())) return refuse(v1::ERROR_CODE_INVALID, *why);
  }

  switch (command.action()) {
    case v1::PacerCommand::ACTION_START: {
      if (loop.pacer.running()) {  // already breathing together: nothing to restart
        if (command.target_rate_bpm() != 0) set_clinician_target(loop, command.target_rate_bpm());
        break;
      }
      if (command.target_rate_bpm() != 0) set_clinician_target(loop, command.target_rate_bpm());
      const auto* latest = session_->engine.latest() ? &*session_->engine.latest() : nullptr;
      const double rate = core::initial_rate(latest ? latest->participants[0].breath_rate_bpm : std::nullopt,
                                             latest ? latest->participants[1].breath_rate_bpm : std::nullopt,
                                             loop.pacer.target_rate_bpm());
      const auto start_pattern = pattern ? *pattern : core::scale_to_rate(kDefaultPattern, rate);
      if (auto why = loop.pacer.start(start_pattern, now_us)) return refuse(v1::ERROR_CODE_INVALID, *why);
      loop.pacer_started_by = codec::role_of(static_cast<core::Seat>(kind));
      ++loop.starts;
      if (loop.first_rate_bpm == 0) loop.first_rate_bpm = loop.pacer.rate_bpm();
      loop.last_rate_bpm = loop.pacer.rate_bpm();
      break;
    }
    case v1::PacerCommand::ACTION_STOP:
      if (loop.pacer.running()) loop.pacer.stop(now_us);
      break;
    case v1::PacerCommand::ACTION_RETUNE:
      if (!clinician) return refuse(v1::ERROR_CODE_FORBIDDEN, "Only the clinician can retune the pacer.");
      if (!pattern && command.target_rate_bpm() == 0 && !command.has_adaptive())
        return refuse(v1::ERROR_CODE_INVALID, "A retune needs a pattern, a target rate, or the adaptive switch.");
      if (pattern) {
        if (auto why = loop.pacer.retune(*pattern, now_us)) return refuse(v1::ERROR_CODE_INVALID, *why);
        loop.last_rate_bpm = loop.pacer.rate_bpm();
      }
      if (command.target_rate_bpm() != 0) set_clinician_target(loop, command.target_rate_bpm());
      if (command.has_adaptive()) loop.pacer.set_adaptive(command.adaptive());
      break;
    default:
      return refuse(v1::ERROR_CODE_INVALID, "The pacer command needs an action: START, STOP or RETUNE.");
  }
  publish_pacer();
}

v1::PacerState Room::pacer_state(codec::View view) const {
  v1::PacerState out;
  if (!session_) return out;
  const auto& loop = session_->loop;
  const auto& pattern = loop.pacer.pattern();
  out.set_running(loop.pacer.running());
  auto* p = out.mutable_pattern();
  p->set_inhale_s(pattern.inhale_s);
  p->set_hold_in_s(pattern.hold_in_s);
  p->set_exhale_s(pattern.exhale_s);
  p->set_hold_out_s(pattern.hold_out_s);
  out.set_rate_bpm(loop.pacer.rate_bpm());
  out.set_target_rate_bpm(loop.pacer.target_rate_bpm());
  out.set_epoch_us(loop.pacer.epoch_us());
  out.set_adaptive(loop.pacer.adaptive());
  out.set_started_by(loop.pacer_started_by);
  for (std::size_t i = 0; i < core::kSeatCount; ++i) {
    const auto role = codec::role_of(static_cast<core::Seat>(i));
    if (!loop.entrainment[i] || !can_see_entrainment(view, role, identity_.share_metrics_with_partners)) continue;
    auto* e = out.add_entrainment();
    e->set_role(role);
    e->set_plv(*loop.entrainment[i]);
  }
  return out;
}

void Room::publish_pacer() {
  session_->loop.broadcast_rate_bpm = session_->loop.pacer.rate_bpm();
  broadcast([&](codec::View view, v1::ServerMessage& m) { *m.mutable_pacer() = pacer_state(view); }, false);
}

void Room::fill_intervention_summary(v1::SessionSummary& summary) const {
  const auto& loop = session_->loop;
  for (const auto& record : loop.prompts) *summary.add_prompts() = record;
  auto* pacer = summary.mutable_pacer();
  pacer->set_running_s(loop.running_s);
  pacer->set_starts(loop.starts);
  pacer->set_first_rate_bpm(loop.first_rate_bpm);
  pacer->set_last_rate_bpm(loop.last_rate_bpm);
  for (std::size_t i = 0; i < core::kSeatCount; ++i) {
    if (loop.entrainment_n[i] == 0) continue;
    auto* e = pacer->add_mean_entrainment();
    e->set_role(codec::role_of(static_cast<core::Seat>(i)));
    e->set_plv(loop.entrainment_sum[i] / loop.entrainment_n[i]);
  }
}

}  // namespace attune::rooms
