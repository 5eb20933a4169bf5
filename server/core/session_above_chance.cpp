#include "core/session_above_chance.hpp"

#include <cmath>

namespace attune::core {

void StoufferOverDisjointSpans::add(std::int64_t t_ms, double z) {
  if (!std::isfinite(z)) return;
  if (last_t_ms_ && t_ms - *last_t_ms_ < span_ms_) return;  // overlaps the last chosen span
  last_t_ms_ = t_ms;
  ++spans_;
  sum_z_ += z;
}

std::optional<double> StoufferOverDisjointSpans::z() const {
  if (spans_ == 0) return std::nullopt;
  return sum_z_ / std::sqrt(static_cast<double>(spans_));
}

}  // namespace attune::core
