// A sliding window of the last `capacity` values that is also kept sorted,
// for running order statistics (medians, quartiles) over beats.
//
// Why: Lipponen-Tarvainen cleaning needs, for every beat, the median of the
// last 11 RR values and the quartiles of the last 91 |dRR| and |mRR|.
// Copying and sorting the window per beat was the engine's largest cost
// after the spectra (perf, issue 3). Here a new value is inserted into the
// sorted copy by binary search and the value leaving the window is found
// by its arrival slot and erased: O(capacity) moves, no sorting, no
// allocation once full.
// The sorted contents are the same values as a fresh sort, so every
// quantile is bit-identical to sorting the window.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>


namespace attune::core {

class SortedWindow {
 public:
  explicit SortedWindow(std::size_t capacity) : capacity_(capacity) {}

  void push(double v) {
    if (capacity_ == 0) return;  // a window of nothing stays empty
    if (sorted_.empty()) {  // exactly the window, allocated when first used
      sorted_.reserve(capacity_);
      slot_.reserve(capacity_);
    }
    // Arrival order is kept as a slot number per sorted value (4 bytes, not
    // a second copy of the values: issue 3, memory): the value leaving
    // arrived capacity pushes ago, in the slot the new one takes. The
    // sorted contents are the same values as before either way.
    const auto slot = static_cast<std::uint32_t>(pushed_ % capacity_);
    if (sorted_.size() == capacity_) {
      const auto j = std::find(slot_.begin(), slot_.end(), slot) - slot_.begin();
      sorted_.erase(sorted_.begin() + j);
      slot_.erase(slot_.begin() + j);
    }
    const auto pos = std::upper_bound(sorted_.begin(), sorted_.end(), v) - sorted_.begin();
    sorted_.insert(sorted_.begin() + pos, v);
    slot_.insert(slot_.begin() + pos, slot);
    ++pushed_;
  }
  void clear() {
    sorted_.clear();
    slot_.clear();
    pushed_ = 0;
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
  std::vector<double> sorted_;
  std::vector<std::uint32_t> slot_;  // arrival slot of each sorted value
  std::uint64_t pushed_ = 0;
};

}  // namespace attune::core
