// What one loadgen process counts. Hot counters are atomics (the io_context
// may run on several threads); rare events (errors, closes) take a mutex.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace attune::loadgen {

// Latency histogram in microseconds: 10 us buckets to 1 ms, 100 us to 10 ms,
// 1 ms to 100 ms, 10 ms to 10 s, then one overflow bucket. Mergeable across
// processes by bucket upper bound.
class Histogram {
 public:
  Histogram();
  void add(std::int64_t us);
  std::uint64_t count() const;
  std::int64_t max() const { return max_.load(std::memory_order_relaxed); }
  // The upper bound of the bucket holding quantile q (0..1); the max for the overflow.
  std::int64_t quantile(double q) const;
  // Non-empty buckets as (upper bound us, count).
  std::vector<std::pair<std::int64_t, std::uint64_t>> buckets() const;
  void merge(std::int64_t upper_us, std::uint64_t n);
  void merge_max(std::int64_t m);

  static const std::vector<std::int64_t>& bounds();

 private:
  std::vector<std::atomic<std::uint64_t>> counts_;
  std::atomic<std::int64_t> max_{0};
};

struct Counters {
  std::uint64_t frames_in = 0, frames_out = 0, bytes_in = 0, bytes_out = 0, room_states = 0;
};

struct Stats {
  std::atomic<std::uint64_t> frames_in{0}, frames_out{0}, bytes_in{0}, bytes_out{0};
  std::atomic<std::uint64_t> room_states{0}, summaries{0};
  std::atomic<std::int64_t> held{0};        // joined and open now
  std::atomic<std::int64_t> held_max{0};
  std::atomic<std::uint64_t> joined{0};     // Welcome received (echo: handshake done)
  std::atomic<std::uint64_t> finished{0};   // connections that ended (any way) after starting
  std::atomic<std::uint64_t> join_failures{0};
  std::atomic<bool> measuring{false};
  Histogram latency;

  void count_error(const std::string& what);        // server Error codes and client failures
  void count_close(int code);
  void count_client_error(const std::string& what);
  Counters snapshot() const;
  void note_held(std::int64_t delta);

  std::mutex mutex;
  std::map<std::string, std::uint64_t> errors;         // ERROR_CODE_* sent by the server
  std::map<std::string, std::uint64_t> client_errors;  // connect/handshake/create failures, resets
  std::map<int, std::uint64_t> closes;                 // close codes received
};

}  // namespace attune::loadgen
