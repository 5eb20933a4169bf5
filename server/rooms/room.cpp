#include "rooms/room.hpp"

#include <algorithm>
#include <cmath>

#include "store/token.hpp"

namespace attune::rooms {
namespace {

constexpr std::size_t kMaxMarkerLabel = 200;
constexpr std::size_t kMaxMarkers = 1000;

const char* seat_label(SeatKind kind) {
  switch (kind) {
    case SeatKind::PartnerA: return "partner_a";
    case SeatKind::PartnerB: return "partner_b";
    case SeatKind::Clinician: return "clinician";
    case SeatKind::Observer: return "observer";
  }
  return "unknown";
}

v1::Role role_of(SeatKind kind) {
  switch (kind) {
    case SeatKind::PartnerA: return v1::ROLE_PARTNER_A;
    case SeatKind::PartnerB: return v1::ROLE_PARTNER_B;
    case SeatKind::Clinician: return v1::ROLE_CLINICIAN;
    case SeatKind::Observer: return v1::ROLE_OBSERVER;
  }
  return v1::ROLE_UNSPECIFIED;
}

bool is_partner(SeatKind kind) { return kind == SeatKind::PartnerA || kind == SeatKind::PartnerB; }

codec::View view_of(SeatKind kind) { return static_cast<codec::View>(static_cast<int>(kind)); }

core::Seat core_seat(SeatKind kind) { return static_cast<core::Seat>(static_cast<int>(kind)); }

}  // namespace

Room::Room(RoomIdentity identity, const RoomSettings& settings, store::Store& store, const Clock& clock,
           RoomCounters& counters)
    : identity_(std::move(identity)), settings_(settings), store_(store), clock_(clock), counters_(counters) {}

const std::string& Room::session_id() const {
  static const std::string none;
  return session_ ? session_->id : none;
}

std::size_t Room::member_count() const { return all_members().size(); }

bool Room::idle() const { return !session_ && member_count() == 0; }

std::vector<Member*> Room::all_members() const {
  std::vector<Member*> out;
  for (const auto& seat : seats_)
    if (seat.member) out.push_back(seat.member.get());
  for (const auto& o : observers_) out.push_back(o.get());
  return out;
}

bool Room::anyone_streaming_connected() const {
  return std::any_of(seats_.begin(), seats_.end(), [](const Seat& s) { return s.member != nullptr; });
}

Room::Seat* Room::seat_of(Member* member, SeatKind* kind) {
  for (std::size_t i = 0; i < seats_.size(); ++i) {
    if (seats_[i].member.get() == member) {
      if (kind) *kind = static_cast<SeatKind>(i);
      return &seats_[i];
    }
  }
  return nullptr;
}

std::optional<std::size_t> Room::observer_index(Member* member) const {
  for (std::size_t i = 0; i < observers_.size(); ++i)
    if (observers_[i].get() == member) return i;
  return std::nullopt;
}

// ------------------------------------------------------------------ messages out

v1::ServerMessage Room::envelope() {
  v1::ServerMessage m;
  m.set_seq(next_seq_++);
  m.set_server_time_us(clock_.now_us());
  return m;
}

void Room::send(Member& member, const v1::ServerMessage& message, bool replaceable) {
  const auto format = member.format();
  member.send(std::make_shared<const std::string>(codec::encode_server(message, format)), format, replaceable);
  counters_.message_out();
}

void Room::send_error(Member& member, v1::ErrorCode code, std::string text, std::uint64_t in_reply_to) {
  auto m = envelope();
  auto* e = m.mutable_error();
  e->set_code(code);
  e->set_message(std::move(text));
  e->set_in_reply_to(in_reply_to);
  send(member, m);
  counters_.error_sent(code);
}

void Room::reject(const std::shared_ptr<Member>& member, v1::ErrorCode code, std::string text,
                  std::uint64_t seq, CloseCode close_code) {
  send_error(*member, code, text, seq);
  member->close(close_code, std::move(text));
}

// ------------------------------------------------------------------ joining

void Room::join(const std::shared_ptr<Member>& member, SeatKind kind, const v1::Hello& hello,
                std::uint64_t seq) {
  if (kind == SeatKind::Observer) {
    if (observers_.size() >= settings_.max_observers) {
      reject(member, v1::ERROR_CODE_SEAT_TAKEN, "This room has no free observer seat.", seq, CloseCode::SeatTaken);
      return;
    }
    observers_.push_back(member);
    Seat scratch;
    welcome(scratch, kind, false, "");
    publish_presence();
    return;
  }

  Seat& seat = seats_[static_cast<std::size_t>(kind)];
  bool resuming = !hello.resume_token().empty() && !seat.resume_hash.empty() &&
                  store::constant_time_equal(store::sha256_hex(hello.resume_token()), seat.resume_hash);
  if (seat.member && !resuming) {
    reject(member, v1::ERROR_CODE_SEAT_TAKEN,
           std::string("Someone is already connected as ") + seat_label(kind) +
               ". To move this seat to a new connection, send the resume token from its Welcome.",
           seq, CloseCode::SeatTaken);
    return;
  }
  if (seat.member) seat.member->close(CloseCode::Replaced, "This seat continued on another connection.");
  // A fresh join numbers its batches from 1 again; a resume keeps the count so
  // that batches resent after a drop are recognised and ignored.
  if (!resuming) seat.last_applied_seq = 0;
  // Every connection starts a fresh clock estimate (it may be another device);
  // its first batches wait for it (see apply_samples).
  seat.clock_offset_us.reset();
  seat.held_batches.clear();
  seat.member = member;
  seat.client_name = codec::utf8_prefix(hello.client_name(), 64);
  seat.ever_joined = true;
  everyone_gone_since_ms_.reset();

  if (!session_ && is_partner(kind)) start_session();
  std::string resume_token = store::generate_token();
  seat.resume_hash = store::sha256_hex(resume_token);
  welcome(seat, kind, resuming, resume_token);
  publish_presence();
}

void Room::start_session() {
  session_.emplace(Session{store::generate_id("ses_"), clock_.now_ms(), core::SynchronyEngine(settings_.engine), {}, 0,
                           Intervention(settings_.catalogue), nullptr, 0, "unavailable", std::nullopt});
  session_->last_checkpoint_ms = session_->started_at_ms;
  for (auto& seat : seats_) {
    seat.cursor = {};
    seat.last_beat_server_ms = codec::StreamCursor::kNone;
  }
  store_.session_started({session_->id, identity_.room_id, session_->started_at_ms});
  load_stored_baselines();
  if (identity_.recording && !settings_.recordings_dir.empty()) {
    session_->recorder = std::make_unique<SessionRecorder>(settings_.recordings_dir, session_->id);
    if (!session_->recorder->ok()) session_->recorder.reset();  // the summary still comes; only the recording is lost
  }
  counters_.session_started();
}

void Room::welcome(Seat& seat, SeatKind kind, bool resumed, const std::string& resume_token) {
  auto m = envelope();
  auto* w = m.mutable_welcome();
  w->set_participant_id(identity_.room_id + "/" + seat_label(kind) +
                        (kind == SeatKind::Observer ? std::to_string(++observers_joined_) : ""));
  w->set_role(role_of(kind));
  w->set_room_id(identity_.room_id);
  w->set_session_id(session_id());
  w->set_resume_token(resume_token);
  w->set_resumed(resumed);
  w->set_last_applied_seq(seat.last_applied_seq);
  auto* limits = w->mutable_limits();
  limits->set_max_frame_bytes(settings_.max_frame_bytes);
  limits->set_batch_interval_ms(settings_.batch_interval_ms);
  limits->set_max_batches_per_second(settings_.max_batches_per_second);
  limits->set_max_waveform_values(static_cast<std::uint32_t>(settings_.validation.max_waveform_values));
  limits->set_max_beats_per_batch(static_cast<std::uint32_t>(settings_.validation.max_beats));
  limits->set_max_scalars_per_batch(static_cast<std::uint32_t>(settings_.validation.max_scalars));
  limits->set_max_waveforms_per_batch(static_cast<std::uint32_t>(settings_.validation.max_waveforms));
  limits->set_grace_period_s(static_cast<std::uint32_t>(settings_.grace_ms / 1000));
  Member* member = kind == SeatKind::Observer ? observers_.back().get() : seat.member.get();
  send(*member, m);
}

// ------------------------------------------------------------------ messages in

void Room::receive(Member* member, const v1::ClientMessage& message) {
  v1::ClientMessage copy = message;
  receive(member, std::move(copy));
}

void Room::receive(Member* member, v1::ClientMessage&& message) {
  SeatKind kind = SeatKind::Observer;
  Seat* seat = seat_of(member, &kind);
  bool observer = !seat && observer_index(member).has_value();
  if (!seat && !observer) return;  // replaced or already gone: nothing to answer

  switch (message.payload_case()) {
    case v1::ClientMessage::kHello:
      send_error(*member, v1::ERROR_CODE_ALREADY_JOINED, "This connection has already joined.", message.seq());
      return;
    case v1::ClientMessage::kSamples:
      if (observer) {
        send_error(*member, v1::ERROR_CODE_FORBIDDEN, "Observers watch; they do not stream samples.", message.seq());
        return;
      }
      apply_samples(*seat, kind, std::move(message));
      return;
    case v1::ClientMessage::kMarker:
      if (observer) {
        send_error(*member, v1::ERROR_CODE_FORBIDDEN, "Observers cannot set markers.", message.seq());
        return;
      }
      apply_marker(kind, message.marker());
      return;
    case v1::ClientMessage::kLeave:
      leave(member, kind, observer, message.leave(), message.seq());
      return;
    case v1::ClientMessage::kPacer:
    case v1::ClientMessage::kPromptAck:
    case v1::ClientMessage::kSendPrompt:
    case v1::ClientMessage::kAutoPrompts:
      if (observer) {
        send_error(*member, v1::ERROR_CODE_FORBIDDEN, "Observers watch; they cannot steer the session.", message.seq());
        return;
      }
      if (!session_) {
        send_error(*member, v1::ERROR_CODE_SESSION_ENDED, "There is no session in progress.", message.seq());
        return;
      }
      if (message.has_pacer()) apply_pacer_command(*member, kind, message.pacer(), message.seq());
      if (message.has_prompt_ack()) apply_prompt_ack(*member, kind, message.prompt_ack(), message.seq());
      if (message.has_send_prompt()) apply_send_prompt(*member, kind, message.send_prompt(), message.seq());
      if (message.has_auto_prompts()) apply_auto_prompts(*member, kind, message.auto_prompts(), message.seq());
      return;
    default:
      send_error(*member, v1::ERROR_CODE_UNSUPPORTED, "This server does not handle that message yet.", message.seq());
  }
}

void Room::apply_samples(Seat& seat, SeatKind kind, v1::ClientMessage&& message) {
  const auto seq = message.seq();
  if (seq != 0 && seq <= seat.last_applied_seq) return;  // a resend: already applied
  if (!session_) return;  // a clinician streaming before any partner: nothing to attach it to
  // Until the connection's first clock estimate (under a second after
  // Welcome), batches wait, so a phone whose clock is off never puts data on
  // the wrong timeline. A client that never answers probes is taken as is
  // once a few seconds' worth of batches have waited.
  if (!seat.clock_offset_us && seat.held_batches.size() < kMaxHeldBatches) {
    seat.held_batches.push_back(std::move(message));
    return;
  }
  if (!seat.clock_offset_us) release_held(seat, kind);
  apply_batch(seat, kind, message);
}

void Room::release_held(Seat& seat, SeatKind kind) {
  auto held = std::move(seat.held_batches);
  seat.held_batches.clear();
  if (!seat.clock_offset_us) seat.clock_offset_us = 0;  // never answered: its clock as it is
  for (auto& m : held)
    if (m.seq() == 0 || m.seq() > seat.last_applied_seq) apply_batch(seat, kind, m);
}

void Room::apply_batch(Seat& seat, SeatKind kind, v1::ClientMessage& message) {
  const auto seq = message.seq();
  auto& batch = *message.mutable_samples();
  // Order is checked on the client's own clock (monotonic for the device);
  // distance from now and everything the engine sees use the server's clock.
  // So the cursor looks at the batch before its times are shifted in place
  // (no copy of the batch), and a cursor problem is reported after a
  // validation problem, as before.
  auto order_problem = seat.cursor.check(batch);
  codec::StreamCursor advanced = seat.cursor;
  advanced.advance(batch);
  const std::int64_t offset_ms = seat.clock_offset_us ? std::llround(*seat.clock_offset_us / 1000.0) : 0;
  codec::shift(batch, -offset_ms);
  auto problem = codec::validate_batch(batch, clock_.now_ms(), settings_.validation);
  if (!problem) problem = std::move(order_problem);
  if (problem) {
    send_error(*seat.member, problem->code, problem->message, seq);
    return;
  }
  auto core = core_seat(kind);
  for (const auto& b : batch.beats()) {
    session_->engine.add_beat(core, core::Beat{b.t_ms(), b.rr_ms(), b.flags()});
    seat.last_beat_server_ms = std::max(seat.last_beat_server_ms, b.t_ms());
  }
  auto& entrainment_buffer = session_->loop.respiration[static_cast<std::size_t>(core)];
  // Entrainment is computed only while the pacer runs, so the room keeps a
  // seat's breathing for it only then (60 s of samples is ~24 KiB per seat,
  // the largest thing a room held besides its engine); a stopped pacer
  // empties it, and a started one fills it from then on.
  const bool keep_for_entrainment = session_->loop.pacer.running();
  if (!keep_for_entrainment && !entrainment_buffer.empty()) entrainment_buffer = core::RespirationBuffer();
  for (const auto& w : batch.waveforms()) {
    const auto n = static_cast<std::size_t>(w.values_size());
    session_->engine.add_respiration(core, w.t0_ms(), w.rate_hz(), w.values().data(), n);
    if (keep_for_entrainment) entrainment_buffer.add(w.t0_ms(), w.rate_hz(), w.values().data(), n);
  }
  if (session_->recorder) session_->recorder->record(core, batch);
  seat.cursor = advanced;
  if (seq != 0) seat.last_applied_seq = seq;

  // Data time moves with the slowest seat that is still streaming, so that a
  // second is computed once both partners' beats for it have arrived; a seat
  // silent for longer than the gap limit no longer holds time back.
  std::int64_t latest = codec::StreamCursor::kNone;
  for (const auto& s : seats_) latest = std::max(latest, s.last_beat_server_ms);
  std::int64_t data_time = latest;
  for (const auto& s : seats_)
    if (s.last_beat_server_ms != codec::StreamCursor::kNone &&
        s.last_beat_server_ms >= latest - settings_.engine.max_gap_ms)
      data_time = std::min(data_time, s.last_beat_server_ms);
  if (data_time != codec::StreamCursor::kNone && data_time > session_->data_time_ms) {
    session_->data_time_ms = data_time;
    if (session_->recorder) session_->recorder->advance(data_time);
    session_->engine.advance_to(data_time, [this](const core::Snapshot& s) { on_data_second(s); });
  }
}

void Room::apply_marker(SeatKind kind, const v1::Marker& marker) {
  if (!session_ || session_->markers.size() >= kMaxMarkers) return;
  v1::MarkerRecord record;
  record.set_role(role_of(kind));
  record.set_t_ms(marker.t_ms());
  record.set_label(codec::utf8_prefix(marker.label(), kMaxMarkerLabel));
  session_->markers.push_back(std::move(record));
}

void Room::leave(Member* member, SeatKind kind, bool is_observer, const v1::Leave& leave, std::uint64_t seq) {
  if (leave.end_session()) {
    if (is_observer) {
      send_error(*member, v1::ERROR_CODE_FORBIDDEN, "Only the partners or the clinician can end the session.", seq);
      return;
    }
    if (!session_) {
      send_error(*member, v1::ERROR_CODE_SESSION_ENDED, "There is no session in progress to end.", seq);
      return;
    }
    end_session(std::string("ended_by_") + seat_label(kind), CloseCode::Normal);
    return;
  }
  member->close(CloseCode::Normal, "Left the room.");
  disconnected(member);
  if (!is_observer) seats_[static_cast<std::size_t>(kind)].resume_hash.clear();  // left on purpose
}

void Room::set_clock(Member* member, std::int64_t offset_us, std::int64_t uncertainty_us) {
  SeatKind kind = SeatKind::Observer;
  if (Seat* seat = seat_of(member, &kind)) {
    seat->clock_offset_us = offset_us;
    seat->clock_uncertainty_us = uncertainty_us;
    if (!seat->held_batches.empty() && session_) release_held(*seat, kind);
  }
}

void Room::disconnected(Member* member) {
  if (Seat* seat = seat_of(member)) {
    seat->member.reset();
  } else if (auto i = observer_index(member)) {
    observers_.erase(observers_.begin() + static_cast<std::ptrdiff_t>(*i));
  } else {
    return;
  }
  if (!anyone_streaming_connected() && !everyone_gone_since_ms_) everyone_gone_since_ms_ = clock_.now_ms();
  publish_presence();
}

// ------------------------------------------------------------------ publishing

void Room::broadcast(const std::function<void(codec::View, v1::ServerMessage&)>& fill, bool replaceable) {
  const auto seq = next_seq_++;
  const auto now_us = clock_.now_us();
  // Serialised once per (view, format) actually needed, shared by members.
  std::array<std::array<std::shared_ptr<const std::string>, 2>, codec::kViewCount> frames;
  auto deliver = [&](Member& member, SeatKind kind) {
    const auto view = view_of(kind);
    const auto format = member.format();
    auto& frame = frames[static_cast<std::size_t>(view)][format == codec::FrameFormat::Binary ? 0 : 1];
    if (!frame) {
      v1::ServerMessage m;
      m.set_seq(seq);
      m.set_server_time_us(now_us);
      fill(view, m);
      frame = std::make_shared<const std::string>(codec::encode_server(m, format));
    }
    member.send(frame, format, replaceable);
    counters_.message_out();
  };
  for (std::size_t i = 0; i < seats_.size(); ++i)
    if (seats_[i].member) deliver(*seats_[i].member, static_cast<SeatKind>(i));
  for (const auto& o : observers_) deliver(*o, SeatKind::Observer);
}

void Room::publish_presence() {
  v1::Presence presence;
  for (std::size_t i = 0; i < seats_.size(); ++i) {
    if (!seats_[i].ever_joined) continue;
    auto* entry = presence.add_members();
    entry->set_role(role_of(static_cast<SeatKind>(i)));
    entry->set_connected(seats_[i].member != nullptr);
    entry->set_client_name(seats_[i].client_name);
  }
  for (std::size_t i = 0; i < observers_.size(); ++i) {
    auto* entry = presence.add_members();
    entry->set_role(v1::ROLE_OBSERVER);
    entry->set_connected(true);
  }
  broadcast([&](codec::View, v1::ServerMessage& m) { *m.mutable_presence() = presence; }, false);
}

void Room::publish_state() {
  if (!session_) return;
  static const core::Snapshot kEmpty{};
  const auto& latest = session_->engine.latest();
  const core::Snapshot& snapshot = latest ? *latest : kEmpty;
  codec::RoomStateContext context;
  context.session_id = session_->id;
  context.share_metrics_with_partners = identity_.share_metrics_with_partners;
  for (std::size_t i = 0; i < seats_.size(); ++i) {
    context.connected[i] = seats_[i].member != nullptr;
    if (seats_[i].clock_offset_us)
      context.clock[i] = codec::ClockView{*seats_[i].clock_offset_us / 1000.0, seats_[i].clock_uncertainty_us / 1000.0};
  }
  broadcast(
      [&](codec::View view, v1::ServerMessage& m) {
        auto& state = *m.mutable_room_state();
        state = codec::to_room_state(snapshot, view, context);
        state.set_published_at_us(m.server_time_us());
        *state.mutable_pacer() = pacer_state(view);
        state.set_auto_prompts(session_->loop.auto_prompts);
      },
      true);
}

void Room::tick() {
  if (!session_) return;
  const auto now = clock_.now_ms();
  if (everyone_gone_since_ms_ && now - *everyone_gone_since_ms_ >= settings_.grace_ms) {
    end_session("grace_expired", CloseCode::Normal);
    return;
  }
  publish_state();
  if (session_->recorder) session_->recorder->flush();
  if (settings_.checkpoint_ms > 0 && now - session_->last_checkpoint_ms >= settings_.checkpoint_ms) {
    session_->last_checkpoint_ms = now;
    if (auto record = checkpoint_record("checkpoint")) store_.checkpoint(std::move(*record));
  }
}

// ------------------------------------------------------------------ ending

v1::SessionSummary Room::build_summary(const std::string& reason) const {
  v1::SessionSummary summary;
  summary.set_session_id(session_->id);
  summary.set_room_id(identity_.room_id);
  summary.set_started_at_ms(session_->started_at_ms);
  summary.set_ended_at_ms(clock_.now_ms());
  summary.set_end_reason(reason);
  summary.set_algorithm_version(core::kAlgorithmVersion);
  summary.set_parameters_json(settings_.engine.to_json());
  codec::fill_summary(session_->engine.summary(), summary);
  for (const auto& marker : session_->markers) *summary.add_markers() = marker;
  fill_intervention_summary(summary);
  fill_baseline_summary(summary);
  return summary;
}

store::SummaryRecord Room::record_of(const v1::SessionSummary& summary) {
  store::SummaryRecord record;
  record.session_id = summary.session_id();
  record.room_id = summary.room_id();
  record.started_at_ms = summary.started_at_ms();
  record.ended_at_ms = summary.ended_at_ms();
  record.end_reason = summary.end_reason();
  record.algorithm_version = summary.algorithm_version();
  record.parameters_json = summary.parameters_json();
  record.summary_json = codec::to_json(summary);
  return record;
}

std::optional<store::SummaryRecord> Room::checkpoint_record(const std::string& reason) const {
  if (!session_) return std::nullopt;
  return record_of(build_summary(reason));
}

void Room::end_session(const std::string& reason, CloseCode close_code) {
  std::string close_text = close_code == CloseCode::GoingAway ? "The server is shutting down." : "The session has ended.";
  if (session_) {
    const v1::SessionSummary full = build_summary(reason);
    store_.save_summary(record_of(full), [](bool) {});

    // Each member gets the summary as its role may see it; the store keeps it whole.
    const bool shared = identity_.share_metrics_with_partners;
    broadcast([&](codec::View view, v1::ServerMessage& m) { *m.mutable_summary() = codec::summary_for_view(full, view, shared); },
              false);
    session_.reset();
    counters_.session_ended();
  }
  for (Member* member : all_members()) member->close(close_code, close_text);
  for (auto& seat : seats_) {
    seat.member.reset();
    seat.resume_hash.clear();
    seat.last_applied_seq = 0;
    seat.ever_joined = false;
  }
  observers_.clear();
  everyone_gone_since_ms_.reset();
}

}  // namespace attune::rooms
