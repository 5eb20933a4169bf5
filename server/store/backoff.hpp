// Exponential backoff with jitter for reconnecting to the database: doubling
// delays, capped, so a database that is away is not hammered, and +/-20% jitter
// so several servers that lost it together do not come back in lockstep.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace attune::store {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
      : initial_(std::max<std::chrono::milliseconds>(initial, std::chrono::milliseconds(1))),
        max_(std::max(max, initial_)),
        next_(initial_),
        rng_(std::random_device{}()) {}

  // The delay to wait now; the one after it is twice as long, up to max.
  std::chrono::milliseconds next() {
    const auto base = next_;
    next_ = std::min(max_, next_ * 2);
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    const auto jittered = std::chrono::milliseconds(
        static_cast<std::int64_t>(static_cast<double>(base.count()) * jitter(rng_)));
    return std::clamp(jittered, std::chrono::milliseconds(1), max_);
  }

  void reset() { next_ = initial_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  std::chrono::milliseconds next_;
  std::minstd_rand rng_;
};

}  // namespace attune::store
