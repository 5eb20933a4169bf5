// Everything that instantiates Beast client templates, in one translation unit.
#include <utility>  // before Asio: see TOOLCHAIN.md ('exchange' with Boost 1.74)

#include "loadgen/load_client.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>

#include "attune/v1/attune.pb.h"
#include "loadgen/proc_sampler.hpp"
#include "wsclient/ws_open.hpp"

namespace attune::loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace v1 = attune::v1;
using tcp = asio::ip::tcp;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr int kRespStepMs = 40;  // 25 Hz

std::int64_t steady_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Rng {
  std::uint64_t s;
  explicit Rng(std::uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 1) {}
  double uniform() {  // [0, 1)
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return static_cast<double>(s >> 11) * (1.0 / 9007199254740992.0);
  }
};

// The synthetic physiology of one seat: RR around 800 ms with a slow swing
// and a little beat-to-beat noise; breathing at 15/min.
struct Physiology {
  Rng rng;
  std::int64_t last_beat_ms = 0;
  double next_rr = 800.0;
  std::int64_t resp_next_ms = 0;
  explicit Physiology(std::uint64_t seed) : rng(seed) {}

  void start(std::int64_t now_ms) {
    last_beat_ms = now_ms - static_cast<std::int64_t>(rng.uniform() * 800.0);
    resp_next_ms = now_ms;
    draw(last_beat_ms);
  }
  void draw(std::int64_t t_ms) {
    next_rr = std::round(800.0 + 40.0 * std::sin(2 * kPi * static_cast<double>(t_ms) / 4200.0) +
                         (rng.uniform() - 0.5) * 16.0);
  }
  // Everything measured up to now_ms.
  void fill(v1::SampleBatch& batch, std::int64_t now_ms) {
    while (batch.beats_size() < 60) {
      const auto t = last_beat_ms + static_cast<std::int64_t>(next_rr);
      if (t > now_ms) break;
      auto* beat = batch.add_beats();
      beat->set_t_ms(t);
      beat->set_rr_ms(next_rr);
      last_beat_ms = t;
      draw(t);
    }
    if (resp_next_ms <= now_ms) {
      auto* w = batch.add_waveforms();
      w->set_kind(v1::STREAM_KIND_RESPIRATION);
      w->set_t0_ms(resp_next_ms);
      w->set_rate_hz(25.0);
      while (resp_next_ms <= now_ms && w->values_size() < 2048) {
        w->add_values(std::round(512.0 + 40.0 * std::sin(2 * kPi * static_cast<double>(resp_next_ms) / 4000.0)));
        resp_next_ms += kRespStepMs;
      }
      if (resp_next_ms <= now_ms) resp_next_ms = now_ms + kRespStepMs;  // stalled for > 80 s: skip ahead
    }
  }
};

std::int64_t wall_ms() { return wall_us() / 1000; }

}  // namespace

class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(LoadRun& run, RoomSlot* room, int seat, std::size_t index)
      : run_(run),
        stats_(run.stats()),
        room_(room),
        seat_(seat),
        index_(index),
        ws_(asio::make_strand(run.io())),
        timer_(ws_.get_executor()),
        body_(index * 2 + static_cast<std::uint64_t>(seat) + 1) {}

  void start() {
    asio::dispatch(ws_.get_executor(), [self = shared_from_this()] { self->do_connect(); });
  }
  void finish(bool end_session) {
    asio::dispatch(ws_.get_executor(), [self = shared_from_this(), end_session] { self->do_finish(end_session); });
  }

 private:
  void do_connect() {
    if (finishing_) return settle_failed(nullptr);
    wsclient::OpenOptions options;
    options.host_header = run_.config().host_header;
    options.path = run_.config().ws_path;
    options.read_message_max = 4 << 20;
    options.connect_timeout = std::chrono::seconds(60);
    options.timeouts.handshake_timeout = std::chrono::seconds(60);
    options.timeouts.idle_timeout = websocket::stream_base::none();
    options.timeouts.keep_alive_pings = false;
    const auto& sources = run_.config().sources;
    if (!sources.empty()) options.source = sources[index_ % sources.size()];
    wsclient::async_open(ws_, {run_.config().server}, std::move(options),
                         [self = shared_from_this()](beast::error_code ec, wsclient::OpenStep step) {
                           self->on_open(ec, step);
                         });
  }

  void on_open(beast::error_code ec, wsclient::OpenStep step) {
    if (ec) {
      const char* what = step == wsclient::OpenStep::Bind ? "bind: " : step == wsclient::OpenStep::Connect ? "connect: "
                                                                                                           : "handshake: ";
      return settle_failed((what + ec.message()).c_str());
    }
    ws_.auto_fragment(false);
    ws_.binary(true);
    open_ = true;
    read();
    if (run_.config().echo) return on_joined();
    v1::ClientMessage m;
    m.set_seq(++seq_);
    m.mutable_hello()->set_invite_token(room_->invites[seat_]);
    m.mutable_hello()->set_client_name(seat_ == 0 ? "loadgen A" : "loadgen B");
    m.mutable_hello()->set_client_version("attune-loadgen");
    send(m.SerializeAsString());
  }

  void on_joined() {
    if (joined_) return;
    joined_ = true;
    stats_.joined.fetch_add(1);
    stats_.note_held(+1);
    settle();
    if (finishing_) return;
    body_.start(wall_ms());
    // Spread the clients over the batch interval so the frames do not come in bursts.
    const auto period = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(1.0 / run_.config().rate));
    next_tick_ = std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(period * body_.rng.uniform());
    arm_timer(period);
  }

  void arm_timer(std::chrono::steady_clock::duration period) {
    timer_.expires_at(next_tick_);
    timer_.async_wait([self = shared_from_this(), period](beast::error_code ec) {
      if (ec || self->ended_ || self->finishing_) return;
      if (self->run_.config().saturate && self->outstanding_) self->owed_ = true;  // sent when acknowledged
      else self->send_frame();
      self->next_tick_ += period;
      auto now = std::chrono::steady_clock::now();
      if (self->next_tick_ < now - period) self->next_tick_ = now;  // fell far behind: no catch-up burst
      self->arm_timer(period);
    });
  }

  // Saturation: the previous frame is acknowledged; a tick that found it
  // outstanding sends now instead of waiting for the next tick.
  void acknowledged() {
    if (!outstanding_) return;
    outstanding_ = false;
    if (owed_ && !ended_ && !finishing_) {
      owed_ = false;
      send_frame();
    }
  }

  void send_frame() {
    if (run_.config().saturate) outstanding_ = true;
    if (run_.config().echo) {
      std::string frame(run_.config().echo_frame_bytes, 'x');
      const auto t = steady_us();
      std::memcpy(&frame[0], &t, sizeof t);
      return send(std::move(frame));
    }
    v1::ClientMessage m;
    m.set_seq(++seq_);
    body_.fill(*m.mutable_samples(), wall_ms());
    send(m.SerializeAsString());
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(beast::error_code ec, std::size_t n) {
    if (ec) return ended(ec);
    stats_.frames_in.fetch_add(1, std::memory_order_relaxed);
    stats_.bytes_in.fetch_add(n, std::memory_order_relaxed);
    auto data = buffer_.data();
    if (run_.config().echo) {
      if (data.size() >= sizeof(std::int64_t) && stats_.measuring.load(std::memory_order_relaxed)) {
        std::int64_t t;
        std::memcpy(&t, data.data(), sizeof t);
        stats_.latency.add(steady_us() - t);
      }
      if (run_.config().saturate) acknowledged();
    } else {
      handle(data.data(), data.size());
    }
    buffer_.consume(buffer_.size());
    if (!ended_) read();
  }

  void handle(const void* bytes, std::size_t size) {
    message_.Clear();
    if (!message_.ParseFromArray(bytes, static_cast<int>(size))) {
      stats_.count_client_error("undecodable frame from server");
      return;
    }
    switch (message_.payload_case()) {
      case v1::ServerMessage::kWelcome:
        on_joined();
        break;
      case v1::ServerMessage::kClockProbe: {
        const auto t1 = wall_us();
        v1::ClientMessage reply;
        reply.set_seq(0);
        reply.mutable_clock_reply()->set_t0_us(message_.clock_probe().t0_us());
        reply.mutable_clock_reply()->set_t1_us(t1);
        reply.mutable_clock_reply()->set_t2_us(wall_us());
        send(reply.SerializeAsString());
        break;
      }
      case v1::ServerMessage::kRoomState:
        stats_.room_states.fetch_add(1, std::memory_order_relaxed);
        room_->states.fetch_add(1, std::memory_order_relaxed);
        if (stats_.measuring.load(std::memory_order_relaxed))
          stats_.latency.add(wall_us() - message_.room_state().published_at_us());
        break;
      case v1::ServerMessage::kSummary:
        stats_.summaries.fetch_add(1);
        room_->summaries.fetch_add(1);
        break;
      case v1::ServerMessage::kError:
        stats_.count_error(v1::ErrorCode_Name(message_.error().code()));
        break;
      default:
        break;
    }
  }

  void send(std::string frame) {
    if (!open_ || ended_ || close_sent_) return;
    queue_.push_back(std::move(frame));
    if (!writing_) write_next();
  }

  void write_next() {
    if (queue_.empty() || ended_) {
      writing_ = false;
      if (close_wanted_ && !ended_) close_now();
      return;
    }
    writing_ = true;
    ws_.async_write(asio::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) {
        self->writing_ = false;
        return self->ended(ec);
      }
      self->stats_.frames_out.fetch_add(1, std::memory_order_relaxed);
      self->stats_.bytes_out.fetch_add(n, std::memory_order_relaxed);
      self->queue_.pop_front();
      // Load-mode saturation: a batch counts as acknowledged once written and
      // nothing else of ours waits (clock replies share the queue).
      if (self->run_.config().saturate && !self->run_.config().echo && self->queue_.empty()) self->acknowledged();
      self->write_next();
    });
  }

  void close_now() {
    if (close_sent_ || ended_) return;
    close_sent_ = true;
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code ec) {
      if (ec) self->ended(ec);
      // otherwise the read loop sees the close completing
    });
  }

  void do_finish(bool end_session) {
    if (finishing_) return;
    finishing_ = true;
    timer_.cancel();
    if (!open_ || ended_) {
      if (!open_) beast::get_lowest_layer(ws_).cancel();
      return;
    }
    if (end_session && !run_.config().echo) {
      // Partner A ends the session; both then get the summary and close 1000.
      if (seat_ == 0) {
        v1::ClientMessage m;
        m.set_seq(++seq_);
        m.mutable_leave()->set_end_session(true);
        m.mutable_leave()->set_reason("loadgen done");
        send(m.SerializeAsString());
      }
      return;
    }
    close_wanted_ = true;
    if (!writing_) close_now();
  }

  // The connection ended: a close frame, a reset, a timeout.
  void ended(beast::error_code ec) {
    if (ended_) return;
    ended_ = true;
    timer_.cancel();
    if (ec == websocket::error::closed) {
      const int code = ws_.reason().code;
      stats_.count_close(code);
      if (!finishing_ || code != 1000) stats_.count_client_error("closed by server " + std::to_string(code));
    } else if (!(finishing_ && close_sent_)) {
      stats_.count_client_error(ec.message());
    }
    stats_.finished.fetch_add(1);
    if (joined_) stats_.note_held(-1);
    else settle_failed(nullptr);
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  void settle_failed(const char* why) {
    if (why) stats_.count_client_error(why);
    if (!settled_) stats_.join_failures.fetch_add(1);
    if (!ended_ && why) {
      ended_ = true;
      stats_.finished.fetch_add(1);
    }
    settle();
  }

  void settle() {
    if (settled_) return;
    settled_ = true;
    run_.connection_settled();
  }

  LoadRun& run_;
  Stats& stats_;
  RoomSlot* room_;
  int seat_;
  std::size_t index_;
  websocket::stream<beast::tcp_stream> ws_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  Physiology body_;
  v1::ServerMessage message_;
  std::deque<std::string> queue_;
  std::chrono::steady_clock::time_point next_tick_;
  std::uint64_t seq_ = 0;
  bool open_ = false, joined_ = false, settled_ = false, writing_ = false;
  bool finishing_ = false, close_wanted_ = false, close_sent_ = false, ended_ = false;
  bool outstanding_ = false, owed_ = false;  // saturation: a frame awaits its acknowledgement / a tick was skipped
};

LoadRun::LoadRun(asio::io_context& io, Stats& stats, ClientConfig config)
    : io_(io), stats_(stats), config_(std::move(config)), pacer_(io) {}

LoadRun::~LoadRun() = default;

void LoadRun::set_rooms(std::vector<std::unique_ptr<RoomSlot>>* rooms) {
  clients_.clear();
  // Both seats of a room are opened one after the other (A, then B).
  for (std::size_t r = 0; r < rooms->size(); ++r)
    for (int seat = 0; seat < 2; ++seat)
      clients_.push_back(std::make_shared<Client>(*this, (*rooms)[r].get(), seat, clients_.size()));
}

void LoadRun::set_echo_connections(std::size_t n) {
  clients_.clear();
  for (std::size_t i = 0; i < n; ++i) clients_.push_back(std::make_shared<Client>(*this, nullptr, 0, i));
}

void LoadRun::start() {
  if (config_.join_rate <= 0) {
    allowed_.store(clients_.size());
    launch_more();
    return;
  }
  ramp_start_ = std::chrono::steady_clock::now();
  pace();
}

void LoadRun::pace() {
  if (next_.load() >= clients_.size()) return;  // all started, or finishing
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - ramp_start_).count();
  const auto due = static_cast<std::size_t>(1.0 + elapsed * config_.join_rate);
  allowed_.store(std::min(due, clients_.size()));
  launch_more();
  if (allowed_.load() >= clients_.size()) return;
  pacer_.expires_after(std::chrono::milliseconds(10));
  pacer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) pace();
  });
}

void LoadRun::launch_more() {
  // At most max_in_flight connections opening at once, and no more started
  // than the join rate allows so far.
  for (;;) {
    auto f = in_flight_.load();
    if (f >= config_.max_in_flight) return;
    auto i = next_.load();
    if (i >= clients_.size() || i >= allowed_.load()) return;
    if (!in_flight_.compare_exchange_weak(f, f + 1)) continue;
    if (!next_.compare_exchange_strong(i, i + 1)) {
      in_flight_.fetch_sub(1);
      continue;
    }
    clients_[i]->start();
  }
}

void LoadRun::connection_settled() {
  in_flight_.fetch_sub(1);
  launch_more();
}

void LoadRun::finish(bool end_sessions) {
  next_.store(clients_.size() + config_.max_in_flight + 1);  // no more launches
  for (auto& c : clients_) c->finish(end_sessions);
}

std::size_t LoadRun::typical_batch_bytes(double rate) {
  Physiology body(1);
  const auto now = wall_ms();
  body.start(now - static_cast<std::int64_t>(1000.0 / rate));
  v1::ClientMessage m;
  m.set_seq(100);
  body.fill(*m.mutable_samples(), now);
  // One beat per batch is the 500 ms average at RR 800 ms.
  while (m.samples().beats_size() > 1) m.mutable_samples()->mutable_beats()->RemoveLast();
  if (m.samples().beats_size() == 0) {
    auto* b = m.mutable_samples()->add_beats();
    b->set_t_ms(now);
    b->set_rr_ms(800);
  }
  return m.ByteSizeLong();
}

}  // namespace attune::loadgen
