// Slows down token guessing: a remote address that presents too many unknown
// tokens in a window is refused for a while before any lookup is made.
// Invite tokens carry 256 bits, so guessing is hopeless anyway; the throttle
// keeps a guesser from costing the database anything. Touched only on the
// Hello path, never per message, so a mutex is fine.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace attune::net {

class AuthThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  AuthThrottle(std::uint32_t max_failures = 20, std::chrono::seconds window = std::chrono::seconds(60))
      : max_failures_(max_failures), window_(window) {}

  // False while `address` is blocked.
  bool allowed(const std::string& address, Clock::time_point now = Clock::now());
  // An unknown or expired token from `address`.
  void failed(const std::string& address, Clock::time_point now = Clock::now());

 private:
  struct Entry {
    Clock::time_point window_start;
    std::uint32_t failures = 0;
  };
  void forget_old(Clock::time_point now);

  std::uint32_t max_failures_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
  Clock::time_point last_sweep_{};
};

}  // namespace attune::net
