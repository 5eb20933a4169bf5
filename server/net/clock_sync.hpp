// Clock alignment, LSL-style and owned by the server (DESIGN.md, "Protocol"):
// the server sends short bursts of probes stamped with its clock (t0); the
// client answers at once with its receive and send times (t1, t2, client
// clock); the server stamps the reply's arrival (t3). Per probe
//   offset = ((t1 - t0) + (t2 - t3)) / 2      (client = server + offset)
//   round trip = (t3 - t0) - (t2 - t1)
// Queueing delays only ever lengthen the round trip and bias the offset by at
// most half of it, so the probe with the smallest round trip is the best
// estimate, and its round trip bounds the error (reported as uncertainty).
// Pure: times enter as numbers, so it is tested without sockets.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>

namespace attune::net {

struct ClockEstimate {
  std::int64_t offset_us = 0;       // client clock minus server clock
  std::int64_t uncertainty_us = 0;  // round trip of the probe it came from
};

class ClockEstimator {
 public:
  // Bursts kept: the best probe of the last few bursts wins, so one burst
  // that met a congested moment does not throw the estimate off.
  explicit ClockEstimator(std::size_t bursts_kept = 3) : bursts_kept_(bursts_kept) {}

  void begin_burst() { burst_best_.reset(); }
  // One answered probe. Returns false (and ignores it) when the times are
  // impossible: reply before probe, client send before receive, absurd delays.
  bool add(std::int64_t t0, std::int64_t t1, std::int64_t t2, std::int64_t t3);
  // Closes the burst; returns the current estimate (nullopt if no probe of any
  // kept burst was answered).
  std::optional<ClockEstimate> end_burst();
  std::optional<ClockEstimate> current() const;
  void reset();

 private:
  std::size_t bursts_kept_;
  std::optional<ClockEstimate> burst_best_;
  std::deque<ClockEstimate> bursts_;
};

}  // namespace attune::net
