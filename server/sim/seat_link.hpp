// The protocol of one seat on top of a Transport: Hello, Welcome, sequence
// numbers, sample batches, resume after a dropped connection, Leave.
//
// Sequence numbers count per seat across connections, so a resumed
// connection continues above everything sent before. Batches are kept
// (bounded) after sending, because nothing acknowledges them except the
// Welcome of a resumed connection (last_applied_seq): on resume, batches
// above it are sent again, renumbered so that seq stays strictly increasing
// on the new connection. No timers here: the owner decides when to reconnect.
//
// Clock probes are answered at once, on the seat's own clock (set_clock; by
// default the system clock): ClockReply{t0 echoed, t1 = when the probe
// arrived, t2 = when the reply was made}. The latest ClockOffset the server
// reports is kept (client = server + offset).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "attune/v1/attune.pb.h"
#include "sim/scenario.hpp"
#include "sim/transport.hpp"

namespace attune::sim {

class SeatLink : private Transport::Handler {
 public:
  enum class Phase {
    Idle,
    Connecting,    // transport opening
    Joining,       // Hello sent, waiting for Welcome
    Live,
    Disconnected,  // lost after a Welcome: call reconnect()
    Closing,
    Closed,
    Failed,        // could not join (see failure())
  };

  using MessageFn = std::function<void(Seat, const attune::v1::ServerMessage&)>;
  using ClockFn = std::function<std::int64_t()>;  // microseconds on the seat's own clock

  // Batches kept for resending after a resume: two minutes of data.
  static constexpr std::size_t kMaxKept = 240;

  SeatLink(Seat seat, std::string invite_token, bool json_frames, std::unique_ptr<Transport> transport,
           MessageFn on_message, std::string client_version);

  void start();
  void reconnect();
  void push_batch(attune::v1::SampleBatch batch);
  void leave(bool end_session);
  void close();

  // The seat's own clock (microseconds since the Unix epoch as this seat
  // sees it). Default: the system clock.
  void set_clock(ClockFn clock) { clock_ = std::move(clock); }
  std::int64_t now_us() const { return clock_(); }

  // Intervention loop messages; sent only while Live (returns false otherwise).
  bool send_pacer_command(attune::v1::PacerCommand::Action action);
  bool ack_prompt(const std::string& prompt_id);

  // The server's latest estimate of this seat's clock, if any.
  const std::optional<attune::v1::ClockOffset>& clock_offset() const { return clock_offset_; }
  std::uint64_t clock_replies() const { return clock_replies_; }

  Seat seat() const { return seat_; }
  Phase phase() const { return phase_; }
  bool ever_joined() const { return ever_joined_; }
  // Why the seat failed; connection_failed: never reached the server at all.
  const std::string& failure() const { return failure_; }
  bool connection_failed() const { return connection_failed_; }
  const attune::v1::Welcome& welcome() const { return welcome_; }
  int resumes() const { return resumes_; }
  std::uint64_t last_seq() const { return seq_; }
  std::size_t kept() const { return kept_.size(); }

 private:
  void on_open() override;
  void on_frame(std::string payload, bool text) override;
  void on_closed(const std::string& reason, bool opened) override;

  void send(attune::v1::ClientMessage& msg);  // assigns the next seq
  void handle_welcome(const attune::v1::Welcome& w);
  void answer_probe(const attune::v1::ClockProbe& probe, std::int64_t received_us);
  void fail(std::string why, bool connection);

  Seat seat_;
  std::string invite_;
  bool json_;
  std::unique_ptr<Transport> transport_;
  MessageFn on_message_;
  std::string version_;

  Phase phase_ = Phase::Idle;
  bool ever_joined_ = false;
  bool connection_failed_ = false;
  int failed_resumes_ = 0;
  int resumes_ = 0;
  std::string failure_;
  std::uint64_t seq_ = 0;
  attune::v1::Welcome welcome_;
  std::deque<attune::v1::ClientMessage> kept_;  // batches, oldest first
  ClockFn clock_;
  std::optional<attune::v1::ClockOffset> clock_offset_;
  std::uint64_t clock_replies_ = 0;
};

}  // namespace attune::sim
