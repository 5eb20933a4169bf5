// Counters for /metrics (Prometheus text format). Lock-free: incremented from
// any thread, read when /metrics is scraped.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "rooms/room.hpp"
#include "store/store.hpp"

namespace attune::net {

class ServerMetrics final : public rooms::RoomCounters {
 public:
  static constexpr std::size_t kErrorCodes = 32;

  std::atomic<std::int64_t> tcp_connections{0};
  std::atomic<std::int64_t> websocket_connections{0};
  std::atomic<std::uint64_t> websocket_connections_total{0};
  std::atomic<std::uint64_t> frames_in{0};
  std::atomic<std::uint64_t> frames_out{0};
  std::atomic<std::uint64_t> frames_handled{0};  // messages a room has finished with (saturation benchmark)
  std::atomic<std::uint64_t> bytes_in{0};
  std::atomic<std::uint64_t> http_requests{0};
  std::atomic<std::uint64_t> slow_consumers_closed{0};
  std::atomic<std::int64_t> live_sessions{0};
  std::atomic<std::uint64_t> sessions_started_total{0};
  std::atomic<std::uint64_t> sessions_ended_total{0};
  std::array<std::atomic<std::uint64_t>, kErrorCodes> errors{};

  void error_sent(v1::ErrorCode code) override {
    errors[static_cast<std::size_t>(code) % kErrorCodes].fetch_add(1, std::memory_order_relaxed);
  }
  void message_out() override { frames_out.fetch_add(1, std::memory_order_relaxed); }
  void session_started() override {
    live_sessions.fetch_add(1);
    sessions_started_total.fetch_add(1);
  }
  void session_ended() override {
    live_sessions.fetch_sub(1);
    sessions_ended_total.fetch_add(1);
  }

  std::string render(std::size_t live_rooms, const store::StoreStats& store) const;
};

}  // namespace attune::net
