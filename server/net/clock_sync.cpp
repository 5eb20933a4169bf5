#include "net/clock_sync.hpp"

#include <algorithm>

namespace attune::net {
namespace {
// A client that takes longer than this to answer is not measuring anything.
constexpr std::int64_t kMaxRoundTripUs = 5'000'000;
constexpr std::int64_t kMaxClientHoldUs = 1'000'000;
}  // namespace

bool ClockEstimator::add(std::int64_t t0, std::int64_t t1, std::int64_t t2, std::int64_t t3) {
  const std::int64_t hold = t2 - t1;
  const std::int64_t round_trip = (t3 - t0) - hold;
  if (t3 < t0 || hold < 0 || hold > kMaxClientHoldUs || round_trip < 0 || round_trip > kMaxRoundTripUs) return false;
  // Halve each leg before adding, so that clocks far apart cannot overflow.
  ClockEstimate e{(t1 - t0) / 2 + (t2 - t3) / 2, round_trip};
  if (!burst_best_ || e.uncertainty_us < burst_best_->uncertainty_us) burst_best_ = e;
  return true;
}

std::optional<ClockEstimate> ClockEstimator::end_burst() {
  if (burst_best_) {
    bursts_.push_back(*burst_best_);
    while (bursts_.size() > bursts_kept_) bursts_.pop_front();
  }
  burst_best_.reset();
  return current();
}

std::optional<ClockEstimate> ClockEstimator::current() const {
  if (bursts_.empty()) return std::nullopt;
  return *std::min_element(bursts_.begin(), bursts_.end(), [](const ClockEstimate& a, const ClockEstimate& b) {
    return a.uncertainty_us < b.uncertainty_us;
  });
}

void ClockEstimator::reset() {
  burst_best_.reset();
  bursts_.clear();
}

}  // namespace attune::net
