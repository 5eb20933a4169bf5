// One session room: its seats, its session lifecycle, its synchrony engine.
//
// Not thread-safe by design: every call happens on the room's strand
// (LiveRoom), or on the test's thread with fake members and a manual clock.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attune/v1/attune.pb.h"
#include "codec/sample_validation.hpp"
#include "codec/state_codec.hpp"
#include "core/pacer.hpp"
#include "core/pacer_entrainment.hpp"
#include "core/prompt_policy.hpp"
#include "core/resonance_estimate.hpp"
#include "core/synchrony_engine.hpp"
#include "rooms/clock.hpp"
#include "rooms/member.hpp"
#include "rooms/room_settings.hpp"
#include "rooms/session_recorder.hpp"
#include "store/store.hpp"

namespace attune::rooms {

// Counters the server exports; the room only increments them.
struct RoomCounters {
  virtual ~RoomCounters() = default;
  virtual void error_sent(v1::ErrorCode) {}
  virtual void message_out() {}
  virtual void session_started() {}
  virtual void session_ended() {}
};

class Room {
 public:
  Room(RoomIdentity identity, const RoomSettings& settings, store::Store& store, const Clock& clock,
       RoomCounters& counters);

  // A connection whose invite resolved to this room and seat kind. Replies
  // with Welcome, or with Error and a close.
  void join(const std::shared_ptr<Member>& member, SeatKind kind, const v1::Hello& hello,
            std::uint64_t seq);
  // Samples, markers, leave from a joined member. The rvalue form lets the
  // room shift a SampleBatch's times in place (the connection hands over the
  // message it decoded: no copy per batch); the other copies the message.
  void receive(Member* member, v1::ClientMessage&& message);
  void receive(Member* member, const v1::ClientMessage& message);
  // The member's connection is gone (any reason).
  void disconnected(Member* member);
  // The connection's clock estimate (client = server + offset). Incoming
  // timestamps are converted with it; the raw ones stay what the client sent.
  void set_clock(Member* member, std::int64_t offset_us, std::int64_t uncertainty_us);
  // Once a second of wall time: publish the state, end sessions whose grace ran out.
  void tick();
  // Ends the live session (if any) with this reason and closes every member.
  void end_session(const std::string& reason, CloseCode close_code);
  // The record end_session would store right now with this reason, without
  // ending anything; nullopt when no session is live. tick() hands one to
  // store.checkpoint() every settings.checkpoint_ms.
  std::optional<store::SummaryRecord> checkpoint_record(const std::string& reason) const;

  // Batches a seat may send before its first clock estimate; they wait for it.
  static constexpr std::size_t kMaxHeldBatches = 8;  // 4 s at the default 500 ms

  // How to run work on this room's strand later (LiveRoom sets it; the work
  // gets nullptr once the room has closed). Without it (unit tests with a
  // manual clock) stored baselines are not loaded: sessions calibrate.
  using PostToRoom = std::function<void(std::function<void(Room*)>)>;
  void set_post(PostToRoom post) { post_ = std::move(post); }

  bool has_session() const { return session_.has_value(); }
  bool idle() const;  // no members and no session: the registry may forget it
  const std::string& session_id() const;
  const RoomIdentity& identity() const { return identity_; }
  std::size_t member_count() const;

 private:
  struct Seat {
    std::shared_ptr<Member> member;     // null while disconnected
    std::string client_name;
    std::string resume_hash;            // sha256 of the seat's resume token
    std::uint64_t last_applied_seq = 0; // SampleBatch seqs at or below are resends
    codec::StreamCursor cursor;         // per stream: time reached, on the client's clock
    std::int64_t last_beat_server_ms = codec::StreamCursor::kNone;  // the same, on the server's clock
    std::optional<std::int64_t> clock_offset_us;  // client = server + offset
    std::int64_t clock_uncertainty_us = 0;
    std::vector<v1::ClientMessage> held_batches;  // waiting for the first clock estimate
    bool ever_joined = false;
  };
  // The intervention loop of one session: the shared pacer, the prompt
  // policy, and what the summary records of them (room_intervention.cpp).
  struct Intervention {
    explicit Intervention(const core::PromptCatalogue& catalogue) : policy(catalogue) {}
    core::PacerSchedule pacer;
    core::PromptPolicy policy;
    bool auto_prompts = true;
    v1::Role pacer_started_by = v1::ROLE_UNSPECIFIED;
    std::array<core::RespirationBuffer, core::kSeatCount> respiration;
    std::array<std::optional<double>, core::kSeatCount> entrainment;
    std::vector<v1::PromptRecord> prompts;
    std::uint64_t prompts_issued = 0;
    double broadcast_rate_bpm = 0;  // the rate last sent to clients
    // Summary accumulators.
    double running_s = 0;
    std::uint32_t starts = 0;
    double first_rate_bpm = 0, last_rate_bpm = 0;
    std::array<double, core::kSeatCount> entrainment_sum{};
    std::array<std::uint32_t, core::kSeatCount> entrainment_n{};
    // Stored baselines (room_baselines.cpp).
    bool target_from_clinician = false;  // a clinician's explicit target beats a stored resonance rate
    std::array<core::ResonanceEstimate, core::kSeatCount> resonance;
  };
  struct Session {
    std::string id;
    std::int64_t started_at_ms = 0;
    core::SynchronyEngine engine;
    std::vector<v1::MarkerRecord> markers;
    std::int64_t data_time_ms = 0;
    Intervention loop;
    std::unique_ptr<SessionRecorder> recorder;  // rooms with the recording consent only
    std::int64_t last_checkpoint_ms = 0;  // wall time of the last checkpoint (or the start)
    // SessionSummary.stored_baselines: "unavailable" until the store answers.
    std::string stored_baselines = "unavailable";
    std::optional<double> resonance_target_bpm;  // set from stored resonance rates
  };

  Seat* seat_of(Member* member, SeatKind* kind = nullptr);
  std::optional<std::size_t> observer_index(Member* member) const;
  void start_session();
  void welcome(Seat& seat, SeatKind kind, bool resumed, const std::string& resume_token);
  void apply_samples(Seat& seat, SeatKind kind, v1::ClientMessage&& message);
  void apply_batch(Seat& seat, SeatKind kind, v1::ClientMessage& message);  // shifts its times in place
  void release_held(Seat& seat, SeatKind kind);
  void apply_marker(SeatKind kind, const v1::Marker& marker);
  void leave(Member* member, SeatKind kind, bool is_observer, const v1::Leave& leave, std::uint64_t seq);
  // Sends one message to every member; `fill` makes it for a view, and it is
  // serialised once per (view, frame format) actually needed.
  void broadcast(const std::function<void(codec::View, v1::ServerMessage&)>& fill, bool replaceable);
  void publish_presence();
  void publish_state();

  // The intervention loop (room_intervention.cpp).
  void on_data_second(const core::Snapshot& snapshot);
  void apply_pacer_command(Member& member, SeatKind kind, const v1::PacerCommand& command, std::uint64_t seq);
  void apply_prompt_ack(Member& member, SeatKind kind, const v1::PromptAck& ack, std::uint64_t seq);
  void apply_send_prompt(Member& member, SeatKind kind, const v1::SendPrompt& send, std::uint64_t seq);
  void apply_auto_prompts(Member& member, SeatKind kind, const v1::SetAutoPrompts& set, std::uint64_t seq);
  void deliver_prompt(core::Seat recipient, const std::string& catalogue_id, const std::string& text,
                      v1::Audience audience, int priority, bool from_clinician, const std::string& cause,
                      std::int64_t data_time_ms);
  v1::PacerState pacer_state(codec::View view) const;
  void publish_pacer();
  std::int64_t pacer_now_us() const;  // the room's data time on the server clock
  void fill_intervention_summary(v1::SessionSummary& summary) const;

  // Stored baselines (room_baselines.cpp): asked for when a session starts,
  // off the strand (store thread); the answer comes back through post_.
  void load_stored_baselines();
  void apply_stored_baselines(const std::optional<store::RoomBaselines>& baselines);
  void fill_baseline_summary(v1::SessionSummary& summary) const;
  // The whole SessionSummary of the live session as of now (end_session and checkpoints).
  v1::SessionSummary build_summary(const std::string& reason) const;
  static store::SummaryRecord record_of(const v1::SessionSummary& summary);

  v1::ServerMessage envelope();
  void send(Member& member, const v1::ServerMessage& message, bool replaceable = false);
  void send_error(Member& member, v1::ErrorCode code, std::string text, std::uint64_t in_reply_to);
  void reject(const std::shared_ptr<Member>& member, v1::ErrorCode code, std::string text,
              std::uint64_t seq, CloseCode close_code);
  std::vector<Member*> all_members() const;
  bool anyone_streaming_connected() const;

  RoomIdentity identity_;
  const RoomSettings& settings_;
  store::Store& store_;
  const Clock& clock_;
  RoomCounters& counters_;

  std::array<Seat, core::kSeatCount> seats_;  // A, B, clinician
  std::vector<std::shared_ptr<Member>> observers_;
  std::optional<Session> session_;
  std::optional<std::int64_t> everyone_gone_since_ms_;
  std::uint64_t next_seq_ = 1;
  std::uint64_t observers_joined_ = 0;  // numbers observer ids, never reused
  PostToRoom post_;
};

}  // namespace attune::rooms
