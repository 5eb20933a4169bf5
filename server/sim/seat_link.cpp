#include "sim/seat_link.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "sim/batch_builder.hpp"
#include "sim/wire_codec.hpp"

namespace attune::sim {

namespace v1 = attune::v1;

namespace {
// After this many refused resumes, join afresh with the invite token.
constexpr int kMaxFailedResumes = 2;

std::int64_t system_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

SeatLink::SeatLink(Seat seat, std::string invite_token, bool json_frames, std::unique_ptr<Transport> transport,
                   MessageFn on_message, std::string client_version)
    : seat_(seat),
      invite_(std::move(invite_token)),
      json_(json_frames),
      transport_(std::move(transport)),
      on_message_(std::move(on_message)),
      version_(std::move(client_version)),
      clock_(system_now_us) {}

void SeatLink::start() {
  phase_ = Phase::Connecting;
  transport_->open(*this);
}

void SeatLink::reconnect() {
  if (phase_ != Phase::Disconnected) return;
  phase_ = Phase::Connecting;
  transport_->open(*this);
}

void SeatLink::send(v1::ClientMessage& msg) {
  msg.set_seq(++seq_);
  transport_->send(encode_client_message(msg, json_), json_);
}

void SeatLink::on_open() {
  if (phase_ != Phase::Connecting) return;
  phase_ = Phase::Joining;
  v1::ClientMessage msg;
  v1::Hello* hello = msg.mutable_hello();
  const bool resume = ever_joined_ && !welcome_.resume_token().empty() && failed_resumes_ < kMaxFailedResumes;
  if (resume)
    hello->set_resume_token(welcome_.resume_token());
  else
    hello->set_invite_token(invite_);
  hello->set_client_name("attune-simulate");
  hello->set_client_version(version_);
  declare_streams(*hello);
  send(msg);
}

void SeatLink::on_frame(std::string payload, bool text) {
  const std::int64_t received_us = clock_();  // t1 of a probe: before decoding
  v1::ServerMessage msg;
  std::string error;
  if (!decode_server_message(payload, text, msg, error)) {
    spdlog::warn("seat {}: {}", seat_name(seat_), error);
    return;
  }
  if (msg.has_welcome() && phase_ == Phase::Joining) handle_welcome(msg.welcome());
  if (msg.has_error() && phase_ == Phase::Joining) {
    // A refused Hello. First time: the token is wrong, give up. On a resume:
    // the server may not yet have noticed the old connection died; retry,
    // then fall back to the invite.
    if (!ever_joined_) {
      fail(v1::ErrorCode_Name(msg.error().code()) + ": " + msg.error().message(), false);
    } else {
      ++failed_resumes_;
      transport_->close();
    }
  }
  if (msg.has_clock_probe()) answer_probe(msg.clock_probe(), received_us);
  if (msg.has_clock_offset()) clock_offset_ = msg.clock_offset();
  on_message_(seat_, msg);
}

void SeatLink::answer_probe(const v1::ClockProbe& probe, std::int64_t received_us) {
  // The server probes joined connections only, and its Welcome comes first.
  if (phase_ != Phase::Live) return;
  v1::ClientMessage msg;
  v1::ClockReply* r = msg.mutable_clock_reply();
  r->set_t0_us(probe.t0_us());
  r->set_t1_us(received_us);
  r->set_t2_us(clock_());
  send(msg);
  ++clock_replies_;
}

bool SeatLink::send_pacer_command(v1::PacerCommand::Action action) {
  if (phase_ != Phase::Live) return false;
  v1::ClientMessage msg;
  msg.mutable_pacer()->set_action(action);
  send(msg);
  return true;
}

bool SeatLink::ack_prompt(const std::string& prompt_id) {
  if (phase_ != Phase::Live) return false;
  v1::ClientMessage msg;
  msg.mutable_prompt_ack()->set_prompt_id(prompt_id);
  send(msg);
  return true;
}

void SeatLink::handle_welcome(const v1::Welcome& w) {
  const bool resumed = ever_joined_;
  welcome_ = w;
  ever_joined_ = true;
  failed_resumes_ = 0;
  phase_ = Phase::Live;
  if (resumed) {
    ++resumes_;
    // Forget what the server says it applied; the rest goes again.
    while (!kept_.empty() && kept_.front().seq() != 0 && kept_.front().seq() <= w.last_applied_seq())
      kept_.pop_front();
    spdlog::info("seat {}: {} (last applied seq {}), sending {} kept batches", seat_name(seat_),
                 w.resumed() ? "resumed" : "rejoined", w.last_applied_seq(), kept_.size());
  }
  // Fresh numbers keep seq strictly increasing on this connection. On a
  // first join only batches never sent (seq 0) are in question.
  for (v1::ClientMessage& m : kept_)
    if (resumed || m.seq() == 0) send(m);
}

void SeatLink::push_batch(v1::SampleBatch batch) {
  v1::ClientMessage msg;
  *msg.mutable_samples() = std::move(batch);
  if (phase_ == Phase::Live) {
    send(msg);
  } else {
    msg.set_seq(0);  // numbered when it is actually sent
  }
  kept_.push_back(std::move(msg));
  if (kept_.size() > kMaxKept) {
    if (kept_.front().seq() == 0) spdlog::warn("seat {}: disconnected too long, dropping data", seat_name(seat_));
    kept_.pop_front();
  }
}

void SeatLink::leave(bool end_session) {
  if (phase_ != Phase::Live) return;
  v1::ClientMessage msg;
  msg.mutable_leave()->set_end_session(end_session);
  msg.mutable_leave()->set_reason("simulation finished");
  send(msg);
}

void SeatLink::close() {
  if (phase_ == Phase::Closed || phase_ == Phase::Failed) return;
  const bool connected = phase_ == Phase::Live || phase_ == Phase::Joining || phase_ == Phase::Connecting;
  phase_ = Phase::Closing;
  if (connected)
    transport_->close();
  else
    phase_ = Phase::Closed;
}

void SeatLink::on_closed(const std::string& reason, bool opened) {
  switch (phase_) {
    case Phase::Closing:
      phase_ = Phase::Closed;
      return;
    case Phase::Failed:
    case Phase::Closed:
    case Phase::Disconnected:
      return;
    default:
      break;
  }
  if (!ever_joined_) {
    fail(opened ? "connection closed before Welcome: " + reason : "cannot connect: " + reason, !opened);
    return;
  }
  spdlog::warn("seat {}: connection lost ({}), will resume", seat_name(seat_), reason);
  phase_ = Phase::Disconnected;
}

void SeatLink::fail(std::string why, bool connection) {
  if (phase_ == Phase::Failed) return;
  failure_ = std::move(why);
  connection_failed_ = connection;
  const bool open = phase_ == Phase::Joining || phase_ == Phase::Live;
  phase_ = Phase::Failed;
  if (open) transport_->close();
}

}  // namespace attune::sim
