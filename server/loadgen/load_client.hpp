// The load generator's WebSocket clients (Beast), all on one io_context.
//
// Load mode: each client is one partner seat. It connects (bound to one of
// the source addresses), sends Hello with its invite (binary frames), answers
// every ClockProbe with a ClockReply, and from its Welcome on sends one
// SampleBatch every 1/rate s carrying the beats of that interval (synthetic
// RR around 800 ms) and a respiration chunk at 25 Hz. It records RoomState
// delivery latency (published_at_us to receipt, same machine's clock).
//
// Echo mode: no Hello; each client sends frames of a fixed size at the same
// rate, each starting with its send time, and records the round trip of the
// echoed frame.
//
// Saturation (ClientConfig::saturate, either mode): closed loop, see below.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "loadgen/stats.hpp"

namespace attune::loadgen {

struct ClientConfig {
  boost::asio::ip::tcp::endpoint server;
  std::string host_header;       // host:port
  std::string ws_path = "/v1/ws";
  double rate = 2.0;             // frames (batches) per second per client
  bool echo = false;
  // Saturation (closed loop): a client has at most one frame outstanding and
  // sends the next as soon as the previous one is acknowledged, at most
  // `rate` per second. Echo: acknowledged when its echo returns. Load: the
  // server does not answer batches, so when its write has completed (TCP
  // back-pressure then paces the client at the server's reading speed).
  bool saturate = false;
  std::size_t echo_frame_bytes = 160;
  std::vector<boost::asio::ip::address> sources;  // bind client sockets round-robin (empty: no bind)
  std::size_t max_in_flight = 128;                // connections opening at once
  // Connections started per second by this process (0: as fast as
  // max_in_flight allows). People join sessions over minutes, not all in one
  // burst; an unpaced ramp of 20,000 handshakes mostly measures the client's
  // own timeouts while the server is still accepting the first ones.
  double join_rate = 0;
};

struct RoomSlot {
  std::string invites[2];  // partner A, partner B
  std::atomic<std::uint32_t> states{0};
  std::atomic<std::uint32_t> summaries{0};
};

class Client;

class LoadRun {
 public:
  LoadRun(boost::asio::io_context& io, Stats& stats, ClientConfig config);
  ~LoadRun();
  // Load mode: the rooms' invites (must outlive the run). Echo mode: connections.
  void set_rooms(std::vector<std::unique_ptr<RoomSlot>>* rooms);
  void set_echo_connections(std::size_t n);
  void start();                       // begins the ramp (thread-safe)
  std::size_t total() const { return clients_.size(); }
  // Partner A of each room sends Leave{end_session: true} (end_sessions), or
  // every client closes normally.
  void finish(bool end_sessions);
  // Typical size of one SampleBatch frame of this profile (for the echo baseline).
  static std::size_t typical_batch_bytes(double rate);

  // For clients:
  void connection_settled();  // a connection has joined or failed: open the next
  Stats& stats() { return stats_; }
  const ClientConfig& config() const { return config_; }
  boost::asio::io_context& io() { return io_; }

 private:
  void launch_more();
  void pace();  // lets more connections start as the join rate allows
  boost::asio::io_context& io_;
  Stats& stats_;
  ClientConfig config_;
  std::vector<std::shared_ptr<Client>> clients_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::size_t> in_flight_{0};
  std::atomic<std::size_t> allowed_{0};  // connections the join rate lets start so far
  boost::asio::steady_timer pacer_;
  std::chrono::steady_clock::time_point ramp_start_;
};

}  // namespace attune::loadgen
