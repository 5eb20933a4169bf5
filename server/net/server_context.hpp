// What every connection of the server shares: the rooms, the store, the
// metrics and the configuration it needs. Owned by app/, outlives every session.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

#include <utility>
#include <boost/asio/io_context.hpp>

#include "net/auth_throttle.hpp"
#include "net/server_metrics.hpp"
#include "rooms/clock.hpp"
#include "rooms/room_registry.hpp"
#include "store/store.hpp"

namespace attune::net {

struct NetSettings {
  std::string admin_key_hash;                 // sha256 hex of the admin key
  std::size_t http_body_limit = 16 * 1024;    // bytes
  std::chrono::seconds http_header_timeout{10};
  std::chrono::seconds hello_timeout{10};     // a WebSocket must say Hello within this
  std::size_t write_queue_limit = 64;         // frames queued for one slow reader
  std::size_t socket_send_buffer = 64 * 1024; // kernel send buffer per WebSocket (Linux doubles it)
  std::uint32_t default_invite_ttl_s = 7 * 24 * 3600;
  std::uint32_t max_invite_ttl_s = 30 * 24 * 3600;
  // Behind a reverse proxy every client arrives from the proxy's address; with
  // this set, the first X-Forwarded-For entry names the client (for the
  // token-guessing throttle). Only set it when a trusted proxy adds that header.
  bool trust_forwarded_for = false;
};

struct ServerContext {
  boost::asio::io_context& io;
  rooms::RoomRegistry& rooms;
  store::Store& store;
  ServerMetrics& metrics;
  const rooms::Clock& clock;
  NetSettings settings;
  std::atomic<bool> shutting_down{false};
  AuthThrottle auth_throttle;
};

}  // namespace attune::net
