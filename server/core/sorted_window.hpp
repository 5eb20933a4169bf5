// A sliding window of the last `capacity` values that is also kept sorted,
// for running order statistics (medians, quartiles) over beats.
//
// Why: Lipponen-Tarvainen cleaning needs, for every beat, the median of the
// last 11 RR values and the quartiles of the last 91 |dRR| and |mRR|.
// Copying and sorting the window per beat was the engine's largest cost
// after the spectra (perf, issue 3). Here a new value is inserted into the
// sorted copy by binary search and the value leaving the window is erased
// the same way: O(capacity) moves, no sorting, no allocation once full.
// The sorted contents are the same values as a fresh sort, so every
// quantile is bit-identical to sorting the window.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "core/ring_queue.hpp"

namespace attune::core {

class SortedWindow {
 public:
  explicit SortedWindow(std::size_t capacity) : capacity_(capacity) {}

  void push(double v) {
    if (capacity_ == 0) return;  // a window of nothing stays empty
    if (order_.empty()) {  // exactly the window, allocated when first used
      order_.reserve(capacity_);
      sorted_.reserve(capacity_);
    }
    // The value leaving goes first, so neither buffer outgrows the window;
    // the sorted contents are the same values either way.
    if (order_.size() == capacity_) {
      const double old = order_.front();
      order_.pop_front();
      // Any element equal to `old` is the same value: erase the first one.
      sorted_.erase(std::lower_bound(sorted_.begin(), sorted_.end(), old));
    }
    order_.push_back(v);
    sorted_.insert(std::upper_bound(sorted_.begin(), sorted_.end(), v), v);
  }
  void clear() {
    order_.clear();
    sorted_.clear();
  }
  std::size_t size() const { return sorted_.size(); }

  // Quantile with linear interpolation, as numpy.quantile (default method)
  // and quantile_linear; the window must not be empty.
  double quantile(double q) const {
    const double pos = q * static_cast<double>(sorted_.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, sorted_.size() - 1);
    const double frac = pos - static_cast<double>(lo);
    return sorted_[lo] + (sorted_[hi] - sorted_[lo]) * frac;
  }
  // Median as robust_baseline's median(): the mean of the two middle values
  // for an even count. The window must not be empty.
  double median() const {
    const std::size_t n = sorted_.size();
    if (n % 2 == 1) return sorted_[n / 2];
    return (sorted_[n / 2 - 1] + sorted_[n / 2]) / 2.0;
  }

 private:
  std::size_t capacity_;
  RingQueue<double> order_;   // arrival order
  std::vector<double> sorted_;
};

}  // namespace attune::core
