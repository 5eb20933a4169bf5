#include "net/auth_throttle.hpp"

namespace attune::net {

bool AuthThrottle::allowed(const std::string& address, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(address);
  if (it == entries_.end()) return true;
  if (now - it->second.window_start >= window_) {
    entries_.erase(it);
    return true;
  }
  return it->second.failures < max_failures_;
}

void AuthThrottle::failed(const std::string& address, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  forget_old(now);
  auto& e = entries_[address];
  if (e.failures == 0 || now - e.window_start >= window_) e = Entry{now, 0};
  ++e.failures;
}

void AuthThrottle::forget_old(Clock::time_point now) {
  // A sweep at most once a window keeps the map from growing with addresses
  // that made one mistake long ago.
  if (now - last_sweep_ < window_) return;
  last_sweep_ = now;
  for (auto it = entries_.begin(); it != entries_.end();)
    it = now - it->second.window_start >= window_ ? entries_.erase(it) : std::next(it);
}

}  // namespace attune::net
