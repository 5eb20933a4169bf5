// One WebSocket connection: decodes frames, joins a room with its invite, and
// passes messages to the room's strand; the room's outgoing frames wait in a
// bounded write queue (Beast allows one write in flight).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include <utility>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "net/clock_sync.hpp"
#include "net/server_context.hpp"
#include "rooms/member.hpp"

namespace attune::net {

class WebSocketSession : public rooms::Member, public std::enable_shared_from_this<WebSocketSession> {
 public:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  // The stream and timers carry the connection's strand as its concrete type.
  // With Beast's default tcp_stream (a type-erased any_io_executor) every
  // read, write and timer wait copied and re-wrapped the executor
  // (any_executor prefer/copy_shared: ~7 % of the server's CPU at 5,000 rooms).
  using Stream = boost::beast::basic_stream<boost::asio::ip::tcp, Strand, boost::beast::unlimited_rate_policy>;
  using Timer = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                  boost::asio::wait_traits<std::chrono::steady_clock>, Strand>;

  WebSocketSession(ServerContext& context, boost::asio::ip::tcp::socket socket);
  ~WebSocketSession() override;
  void run(boost::beast::http::request<boost::beast::http::string_body> request);

  // rooms::Member (called from the room's strand)
  codec::FrameFormat format() const override;
  void send(std::shared_ptr<const std::string> frame, codec::FrameFormat format, bool replaceable) override;
  void close(rooms::CloseCode code, std::string reason) override;

 private:
  enum class Phase { AwaitingHello, Joining, Joined };
  struct Outgoing {
    std::shared_ptr<const std::string> frame;  // null for a close
    bool binary = true;
    bool replaceable = false;
    rooms::CloseCode close_code = rooms::CloseCode::Normal;
    std::string close_reason;
  };

  void on_accept(boost::beast::error_code ec);
  void read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle_frame(std::string_view payload, codec::FrameFormat frame_format);
  bool admit_by_rate();
  void begin_join(v1::ClientMessage message);
  void finish_join(std::shared_ptr<rooms::LiveRoom> room);
  void reply_error(v1::ErrorCode code, const std::string& text, std::uint64_t seq);
  void enqueue(Outgoing out);
  void write_next();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void gone();
  // Clock alignment: bursts of probes, the answers, the estimate to room and client.
  void start_clock_burst();
  void send_clock_probe();
  void finish_clock_burst();
  void on_clock_reply(const v1::ClockReply& reply, std::int64_t arrival_us);
  void send_direct(const v1::ServerMessage& message);

  ServerContext& context_;
  // The connection's strand as its concrete type (the listener made it): the
  // room's hop onto it in send() then goes straight to the strand, not
  // through Asio's type-erased any_io_executor that the stream carries.
  Strand strand_;
  boost::beast::websocket::stream<Stream> ws_;
  boost::beast::flat_buffer buffer_;
  Timer hello_timer_;
  // Usually empty or one frame, bounded by write_queue_limit: a vector keeps
  // no memory until the first frame (an empty std::deque allocates ~600 B).
  std::vector<Outgoing> queue_;
  bool writing_ = false;
  bool closing_ = false;   // a close is queued or sent: nothing more goes out
  bool gone_ = false;      // the connection is finished and the room told
  Phase phase_ = Phase::AwaitingHello;
  std::atomic<int> format_{static_cast<int>(codec::FrameFormat::Binary)};
  std::shared_ptr<rooms::LiveRoom> room_;
  std::int64_t read_at_us_ = 0;  // arrival time of the frame being handled
  std::string remote_address_;   // for the token-guessing throttle (never logged)

  Timer clock_timer_;
  ClockEstimator clock_;
  std::vector<std::int64_t> probes_outstanding_;
  int probes_left_ = 0;
  int bursts_done_ = 0;

  // Token bucket for incoming messages (refilled at the advertised rate).
  double tokens_;
  std::chrono::steady_clock::time_point refilled_at_;
  std::chrono::steady_clock::time_point last_rate_error_{};
  std::uint32_t dropped_in_a_row_ = 0;
};

}  // namespace attune::net
