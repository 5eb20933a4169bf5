// The rolling leader/follower window of one pair: for each whole second T
// with a valid heart-rate WCC, who led (peak lag beyond the dead zone), and
// the counts over the seconds in (T - window, T] (docs/metrics.md
// "Leader/follower").
//
// Why not a queue of (T, lag): the default window is 5 minutes, one entry a
// second, so a queue held ~300 x 16 bytes (more with a deque's blocks) per
// pair. Only who led matters, so one byte per second of the window suffices
// (issue 3, memory): slot s mod S holds second s, S = ceil(window / 1 s).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/numeric.hpp"

namespace attune::core {

enum class Lead : std::uint8_t { None = 1, First = 2, Second = 3 };  // 0: no entry

class LeaderWindow {
 public:
  explicit LeaderWindow(std::int64_t window_ms)
      : window_ms_(window_ms), slots_count_(static_cast<std::size_t>(ceil_div(window_ms, kSecondMs))) {}

  // Forgets the seconds s with s * 1000 <= t_ms - window (seconds come in
  // increasing order).
  void advance(std::int64_t t_ms) {
    if (hi_ < lo_) return;
    const std::int64_t cutoff = t_ms - window_ms_;
    if (hi_ * kSecondMs <= cutoff) {  // all of them: also after a long silence
      std::fill(slots_.begin(), slots_.end(), std::uint8_t{0});
      n_ = first_ = second_ = 0;
      lo_ = hi_ + 1;
      return;
    }
    while (lo_ * kSecondMs <= cutoff) {  // at most slots_count_ steps
      drop(slot(lo_));
      ++lo_;
    }
  }

  // Records who led at whole second t_ms (after every second added so far).
  void add(std::int64_t t_ms, Lead lead) {
    advance(t_ms);  // frees the slot of t_ms, and keeps [lo_, hi_] shorter than the slots
    if (slots_.empty()) slots_.assign(slots_count_, 0);  // allocated when first used
    const std::int64_t s = floor_div(t_ms, kSecondMs);
    if (hi_ < lo_) lo_ = s;
    std::uint8_t& v = slot(s);
    drop(v);
    v = static_cast<std::uint8_t>(lead);
    ++n_;
    if (lead == Lead::First) ++first_;
    if (lead == Lead::Second) ++second_;
    hi_ = s;
  }

  std::size_t size() const { return n_; }
  std::size_t first_leads() const { return first_; }
  std::size_t second_leads() const { return second_; }

 private:
  static constexpr std::int64_t kSecondMs = 1000;

  std::uint8_t& slot(std::int64_t s) {
    const auto m = static_cast<std::int64_t>(slots_count_);
    return slots_[static_cast<std::size_t>(((s % m) + m) % m)];
  }
  void drop(std::uint8_t& v) {
    if (v == 0) return;
    --n_;
    if (v == static_cast<std::uint8_t>(Lead::First)) --first_;
    if (v == static_cast<std::uint8_t>(Lead::Second)) --second_;
    v = 0;
  }

  std::int64_t window_ms_;
  std::size_t slots_count_;
  std::vector<std::uint8_t> slots_;
  std::int64_t lo_ = 0, hi_ = -1;  // seconds held: [lo_, hi_] (empty when hi_ < lo_)
  std::size_t n_ = 0, first_ = 0, second_ = 0;
};

}  // namespace attune::core
