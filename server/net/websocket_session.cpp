#include "net/websocket_session.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "store/token.hpp"

namespace attune::net {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using rooms::CloseCode;

namespace {

constexpr std::size_t kMaxTokenLength = 256;
// Read buffer kept between frames; a larger one (after an unusually large
// frame) is freed once that frame is handled. A default SampleBatch is ~150 B.
constexpr std::size_t kKeptReadBuffer = 4096;

// The strand the listener put this socket on (asio::make_strand(io)).
WebSocketSession::Strand strand_of(asio::ip::tcp::socket& socket) {
  const auto* strand = socket.get_executor().target<WebSocketSession::Strand>();
  if (!strand) throw std::logic_error("a WebSocket session needs its socket on a strand of the io_context");
  return *strand;
}

// The accepted socket's descriptor in a socket typed with its strand (same
// io_context, same strand: only the static type changes).
WebSocketSession::Stream::socket_type rewrap(const WebSocketSession::Strand& strand, asio::ip::tcp::socket& socket) {
  boost::system::error_code ec;
  auto local = socket.local_endpoint(ec);
  const auto protocol = ec ? asio::ip::tcp::v4() : local.protocol();
  return WebSocketSession::Stream::socket_type(strand, protocol, socket.release());
}

rooms::SeatKind seat_kind(store::SeatRole role) {
  switch (role) {
    case store::SeatRole::PartnerA: return rooms::SeatKind::PartnerA;
    case store::SeatRole::PartnerB: return rooms::SeatKind::PartnerB;
    case store::SeatRole::Clinician: return rooms::SeatKind::Clinician;
    case store::SeatRole::Observer: return rooms::SeatKind::Observer;
  }
  return rooms::SeatKind::Observer;
}

}  // namespace

WebSocketSession::WebSocketSession(ServerContext& context, asio::ip::tcp::socket socket)
    : context_(context),
      strand_(strand_of(socket)),
      ws_(rewrap(strand_, socket)),
      hello_timer_(strand_),
      clock_timer_(strand_),
      tokens_(2.0 * context.rooms.settings().max_batches_per_second),
      refilled_at_(std::chrono::steady_clock::now()) {
  context_.metrics.websocket_connections.fetch_add(1);
  context_.metrics.websocket_connections_total.fetch_add(1);
}

WebSocketSession::~WebSocketSession() { context_.metrics.websocket_connections.fetch_sub(1); }

codec::FrameFormat WebSocketSession::format() const {
  return static_cast<codec::FrameFormat>(format_.load(std::memory_order_relaxed));
}

void WebSocketSession::run(beast::http::request<beast::http::string_body> request) {
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  // A fixed kernel send buffer: without it Linux grows it up to megabytes for
  // a client that stops reading, and the write queue's bound would mean little.
  beast::get_lowest_layer(ws_).socket().set_option(
      asio::socket_base::send_buffer_size(static_cast<int>(context_.settings.socket_send_buffer)), ignored);
  auto remote = beast::get_lowest_layer(ws_).socket().remote_endpoint(ignored);
  remote_address_ = ignored ? std::string("unknown") : remote.address().to_string();
  if (context_.settings.trust_forwarded_for) {
    if (auto it = request.find("X-Forwarded-For"); it != request.end()) {
      std::string first(it->value().data(), it->value().size());
      first = first.substr(0, first.find(','));
      first.erase(0, first.find_first_not_of(' '));
      first.erase(first.find_last_not_of(' ') + 1);
      if (!first.empty() && first.size() <= 64) remote_address_ = first;
    }
  }
  // Handshake and idle timeouts, with keep-alive pings so idle phones stay connected.
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "attune"); }));
  ws_.read_message_max(context_.rooms.settings().max_frame_bytes);
  ws_.auto_fragment(false);
  ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
}

void WebSocketSession::on_accept(beast::error_code ec) {
  if (ec) return gone();
  hello_timer_.expires_after(context_.settings.hello_timeout);
  hello_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (ec || self->phase_ != Phase::AwaitingHello || self->gone_) return;
    self->reply_error(v1::ERROR_CODE_TIMEOUT, "No Hello arrived in time; connect again and send Hello first.", 0);
    self->close(CloseCode::PolicyViolation, "No Hello in time.");
  });
  read();
}

void WebSocketSession::read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void WebSocketSession::on_read(beast::error_code ec, std::size_t bytes) {
  if (ec) {
    // Closed, reset, timed out, or a frame over read_message_max (Beast then
    // closes with 1009 "too big" itself).
    return gone();
  }
  read_at_us_ = context_.clock.now_us();
  context_.metrics.frames_in.fetch_add(1, std::memory_order_relaxed);
  context_.metrics.bytes_in.fetch_add(bytes, std::memory_order_relaxed);
  auto frame_format = ws_.got_text() ? codec::FrameFormat::Json : codec::FrameFormat::Binary;
  // flat_buffer is contiguous: decode straight from it, no copy of the payload.
  const auto data = buffer_.data();
  handle_frame(std::string_view(static_cast<const char*>(data.data()), data.size()), frame_format);
  buffer_.consume(buffer_.size());
  // One large frame (up to read_message_max, 64 KiB) must not pin that much
  // memory for the rest of the connection: give it back, keep a small buffer.
  if (buffer_.capacity() > kKeptReadBuffer) buffer_.shrink_to_fit();
  if (phase_ != Phase::Joining && !gone_) read();  // while joining, reading waits for the room's answer
}

bool WebSocketSession::admit_by_rate() {
  const double rate = context_.rooms.settings().max_batches_per_second;
  auto now = std::chrono::steady_clock::now();
  tokens_ = std::min(2.0 * rate, tokens_ + rate * std::chrono::duration<double>(now - refilled_at_).count());
  refilled_at_ = now;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    dropped_in_a_row_ = 0;
    return false;
  }
  // Over the rate: drop the message; say so at most once a second; a client
  // that keeps flooding for several seconds' worth of messages is closed.
  if (++dropped_in_a_row_ > 5 * rate) {
    reply_error(v1::ERROR_CODE_RATE_LIMITED, "Messages keep arriving far faster than allowed; closing.", 0);
    close(CloseCode::PolicyViolation, "Message rate far over the limit.");
    return true;
  }
  if (now - last_rate_error_ >= std::chrono::seconds(1)) {
    last_rate_error_ = now;
    reply_error(v1::ERROR_CODE_RATE_LIMITED,
                "Messages are arriving faster than " + std::to_string(static_cast<int>(rate)) +
                    " per second; extra messages are dropped. Batch samples (see Welcome.limits).",
                0);
  }
  return true;
}

void WebSocketSession::handle_frame(std::string_view payload, codec::FrameFormat frame_format) {
  if (closing_) return;
  format_.store(static_cast<int>(frame_format), std::memory_order_relaxed);
  if (admit_by_rate()) return;
  v1::ClientMessage message;
  codec::DecodeError error;
  if (!codec::decode_client(payload, frame_format, message, error)) {
    reply_error(error.code, error.message, 0);  // the connection carries on
    return;
  }
  if (phase_ == Phase::Joined) {
    if (!room_) return;
    if (message.payload_case() == v1::ClientMessage::kClockReply) {
      on_clock_reply(message.clock_reply(), read_at_us_);
      return;
    }
    // The decoded message moves into the room's handler: no copy, no extra
    // shared_ptr; the connection's own reference keeps `this` valid there.
    room_->post([self = shared_from_this(), message = std::move(message)](rooms::Room* room) mutable {
      if (room) room->receive(self.get(), std::move(message));
      self->context_.metrics.frames_handled.fetch_add(1, std::memory_order_relaxed);
    });
    return;
  }
  if (message.payload_case() != v1::ClientMessage::kHello) {
    reply_error(v1::ERROR_CODE_NOT_JOINED, "Send Hello with your invite token before anything else.", message.seq());
    close(CloseCode::PolicyViolation, "Hello must come first.");
    return;
  }
  begin_join(std::move(message));
}

void WebSocketSession::begin_join(v1::ClientMessage message) {
  const auto& token = message.hello().invite_token();
  if (token.empty() || token.size() > kMaxTokenLength) {
    reply_error(v1::ERROR_CODE_BAD_TOKEN, "Hello needs the invite token of your seat.", message.seq());
    close(CloseCode::BadToken, "Missing invite token.");
    return;
  }
  if (!context_.auth_throttle.allowed(remote_address_)) {
    reply_error(v1::ERROR_CODE_RATE_LIMITED,
                "Too many unknown tokens came from this address; wait a minute before trying again.", message.seq());
    close(CloseCode::TooManyAttempts, "Too many unknown tokens.");
    return;
  }
  phase_ = Phase::Joining;
  hello_timer_.cancel();
  auto shared = std::make_shared<v1::ClientMessage>(std::move(message));
  context_.store.find_invite(
      store::sha256_hex(token), [self = shared_from_this(), shared](store::InviteLookup lookup) {
        // On the store's thread: hop back onto this connection's strand.
        asio::post(self->ws_.get_executor(), [self, shared, lookup = std::move(lookup)] {
          if (self->gone_) return;
          const std::optional<store::InviteInfo>& invite = lookup.invite;
          if (!lookup.answered) {
            // The store could not ask the database (away, or its queue full
            // under load): not the client's fault and maybe a good token, so
            // no throttle strike; say so, and let it retry.
            self->reply_error(v1::ERROR_CODE_UNAVAILABLE,
                              "The server cannot check invites just now. Please try again in a moment.",
                              shared->seq());
            self->close(CloseCode::TryAgainLater, "Database not reachable.");
            self->phase_ = Phase::AwaitingHello;
            self->read();
            return;
          }
          if (!invite) {
            self->context_.auth_throttle.failed(self->remote_address_);
            self->reply_error(v1::ERROR_CODE_BAD_TOKEN, "That invite token is unknown or has expired.", shared->seq());
            self->close(CloseCode::BadToken, "Unknown or expired invite.");
            self->phase_ = Phase::AwaitingHello;
            self->read();  // keep reading so the close handshake completes
            return;
          }
          rooms::RoomIdentity identity{invite->room_id, invite->share_metrics_with_partners, invite->recording};
          self->context_.rooms.join(
              identity, self, seat_kind(invite->role), shared->hello(), shared->seq(),
              [self](std::shared_ptr<rooms::LiveRoom> room) {
                asio::post(self->ws_.get_executor(), [self, room] { self->finish_join(room); });
              });
        });
      });
}

void WebSocketSession::finish_join(std::shared_ptr<rooms::LiveRoom> room) {
  room_ = std::move(room);
  phase_ = Phase::Joined;
  if (gone_) {
    // The socket closed while the room was answering: let the room know.
    if (room_) room_->post([self = shared_from_this()](rooms::Room* r) { if (r) r->disconnected(self.get()); });
    return;
  }
  read();
  start_clock_burst();
}

// ------------------------------------------------------------------ clock alignment

namespace {
constexpr int kProbesPerBurst = 6;
constexpr auto kProbeSpacing = std::chrono::milliseconds(40);
constexpr auto kBurstWait = std::chrono::milliseconds(500);  // for the last answers
// The first bursts come quickly so data and pacer are aligned within seconds;
// after that a refresh every 30 s follows any drift (a phone's clock drifts
// by well under a millisecond in that time). Every 10 s cost each connection
// 0.6 probes and 0.6 replies a second, a third of all its frames at the
// default batching; every 30 s costs 0.2 each way.
constexpr int kQuickBursts = 3;
constexpr auto kQuickInterval = std::chrono::seconds(2);
constexpr auto kRefreshInterval = std::chrono::seconds(30);
constexpr std::size_t kMaxOutstanding = 32;
}  // namespace

void WebSocketSession::start_clock_burst() {
  if (gone_ || closing_) return;
  clock_.begin_burst();
  probes_left_ = kProbesPerBurst;
  send_clock_probe();
}

void WebSocketSession::send_clock_probe() {
  if (gone_ || closing_) return;
  v1::ServerMessage m;
  const auto t0 = context_.clock.now_us();
  m.set_server_time_us(t0);
  m.mutable_clock_probe()->set_t0_us(t0);
  if (probes_outstanding_.size() >= kMaxOutstanding) probes_outstanding_.erase(probes_outstanding_.begin());
  probes_outstanding_.push_back(t0);
  send_direct(m);
  const bool more = --probes_left_ > 0;
  clock_timer_.expires_after(more ? std::chrono::duration_cast<std::chrono::milliseconds>(kProbeSpacing) : kBurstWait);
  clock_timer_.async_wait([self = shared_from_this(), more](beast::error_code ec) {
    if (ec) return;
    if (more) self->send_clock_probe();
    else self->finish_clock_burst();
  });
}

void WebSocketSession::on_clock_reply(const v1::ClockReply& reply, std::int64_t arrival_us) {
  auto it = std::find(probes_outstanding_.begin(), probes_outstanding_.end(), reply.t0_us());
  if (it == probes_outstanding_.end()) return;  // not a probe of ours, or answered twice: ignore
  probes_outstanding_.erase(it);
  clock_.add(reply.t0_us(), reply.t1_us(), reply.t2_us(), arrival_us);
}

void WebSocketSession::finish_clock_burst() {
  if (gone_ || closing_) return;
  ++bursts_done_;
  if (auto estimate = clock_.end_burst()) {
    v1::ServerMessage m;
    m.set_server_time_us(context_.clock.now_us());
    m.mutable_clock_offset()->set_offset_us(estimate->offset_us);
    m.mutable_clock_offset()->set_uncertainty_us(estimate->uncertainty_us);
    send_direct(m);
    if (room_) {
      room_->post([self = shared_from_this(), e = *estimate](rooms::Room* room) {
        if (room) room->set_clock(self.get(), e.offset_us, e.uncertainty_us);
      });
    }
  }
  clock_timer_.expires_after(bursts_done_ < kQuickBursts ? kQuickInterval : kRefreshInterval);
  clock_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->start_clock_burst();
  });
}

void WebSocketSession::send_direct(const v1::ServerMessage& message) {
  const auto format = this->format();
  context_.metrics.message_out();
  enqueue({std::make_shared<const std::string>(codec::encode_server(message, format)),
           format == codec::FrameFormat::Binary, false, CloseCode::Normal, {}});
}

void WebSocketSession::reply_error(v1::ErrorCode code, const std::string& text, std::uint64_t seq) {
  v1::ServerMessage m;
  m.set_server_time_us(context_.clock.now_us());
  m.mutable_error()->set_code(code);
  m.mutable_error()->set_message(text);
  m.mutable_error()->set_in_reply_to(seq);
  context_.metrics.error_sent(code);
  send_direct(m);
}

// ------------------------------------------------------------------ writing

void WebSocketSession::send(std::shared_ptr<const std::string> frame, codec::FrameFormat format, bool replaceable) {
  bool binary = format == codec::FrameFormat::Binary;
  // Usually called on the room's strand (a hop to ours); dispatch keeps the
  // order of send() then close() when called on our own strand.
  asio::dispatch(strand_, [self = shared_from_this(), frame = std::move(frame), binary, replaceable]() mutable {
    self->enqueue({std::move(frame), binary, replaceable, CloseCode::Normal, {}});
  });
}

void WebSocketSession::close(CloseCode code, std::string reason) {
  asio::dispatch(strand_, [self = shared_from_this(), code, reason = std::move(reason)] {
    if (self->closing_ || self->gone_) return;
    Outgoing out;
    out.close_code = code;
    out.close_reason = reason.substr(0, 120);  // a close reason must fit in a control frame
    self->enqueue(std::move(out));
  });
}

void WebSocketSession::enqueue(Outgoing out) {
  if (closing_ || gone_) return;
  if (!out.frame) {
    closing_ = true;
  } else if (out.replaceable) {
    // A slow reader gets the newest room state, not a backlog of stale ones.
    std::size_t first_pending = writing_ ? 1 : 0;
    for (std::size_t i = queue_.size(); i > first_pending; --i) {
      if (queue_[i - 1].replaceable) {
        queue_[i - 1] = std::move(out);
        return;
      }
    }
  }
  if (out.frame && queue_.size() >= context_.settings.write_queue_limit) {
    context_.metrics.slow_consumers_closed.fetch_add(1);
    spdlog::info("closing a connection that stopped reading ({} frames queued)", queue_.size());
    // A reader this far behind would not read a close frame either (its
    // buffers are full): drop the connection now, so its memory is freed and
    // its seat shows as away; the client may reconnect with its resume token.
    closing_ = true;
    gone();
    return;
  } else {
    queue_.push_back(std::move(out));
  }
  if (!writing_) write_next();
}

void WebSocketSession::write_next() {
  if (queue_.empty() || gone_) {
    writing_ = false;
    return;
  }
  writing_ = true;
  auto& next = queue_.front();
  if (!next.frame) {
    websocket::close_reason reason(static_cast<websocket::close_code>(next.close_code), next.close_reason);
    ws_.async_close(reason, [self = shared_from_this()](beast::error_code) {
      self->queue_.clear();
      self->writing_ = false;
      // The read loop sees the close and finishes the session; if nothing is
      // reading (e.g. during a join), make sure the room hears of it.
      if (self->phase_ == Phase::AwaitingHello) self->gone();
    });
    return;
  }
  ws_.binary(next.binary);
  ws_.async_write(asio::buffer(*next.frame),
                  [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_write(ec, n); });
}

void WebSocketSession::on_write(beast::error_code ec, std::size_t) {
  if (ec) {
    queue_.clear();
    writing_ = false;
    return gone();
  }
  queue_.erase(queue_.begin());  // at most write_queue_limit small entries
  write_next();
}

void WebSocketSession::gone() {
  if (gone_) return;
  gone_ = true;
  hello_timer_.cancel();
  clock_timer_.cancel();
  if (room_) room_->post([self = shared_from_this()](rooms::Room* room) { if (room) room->disconnected(self.get()); });
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

}  // namespace attune::net
