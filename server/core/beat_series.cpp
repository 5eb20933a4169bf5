#include "core/beat_series.hpp"

#include <algorithm>
#include <cmath>

#include "core/numeric.hpp"
#include "core/rr_cleaning.hpp"

namespace attune::core {

bool BeatSeries::is_artifact(const Beat& beat, bool new_segment) {
  if (new_segment) malik_reference_rr_.reset();  // no predecessor across a gap
  const bool device_flagged = (beat.flags & (kBeatNoContact | kBeatArtifact)) != 0;
  const bool plausible = rr_plausible(beat.rr_ms, cfg_->rr_min_ms, cfg_->rr_max_ms);
  if (!plausible || device_flagged) return true;
  // The reference is the previous plausible beat even when that beat was
  // itself ectopic: a premature beat and its compensatory pause are both
  // flagged, and the series recovers on the next normal beat.
  const bool ectopic = malik_reference_rr_ &&
                       rr_malik_ectopic(beat.rr_ms, *malik_reference_rr_, cfg_->malik_fraction);
  malik_reference_rr_ = beat.rr_ms;
  return ectopic;
}

BeatVerdict BeatSeries::add(const Beat& beat) {
  ++received_;
  if (beat.t_ms > kMaxAbsTimeMs || beat.t_ms < -kMaxAbsTimeMs) {
    ++ignored_;
    return BeatVerdict::Rejected;
  }
  if (last_t_ms_ && beat.t_ms == *last_t_ms_) {
    ++ignored_;
    return BeatVerdict::Duplicate;
  }
  if (last_t_ms_ && beat.t_ms < *last_t_ms_) {
    ++ignored_;
    return BeatVerdict::Backwards;
  }
  const bool new_segment = !last_t_ms_ || beat.t_ms - *last_t_ms_ > cfg_->max_gap_ms;
  if (new_segment) segment_start_ms_ = beat.t_ms;
  StoredBeat b;
  b.t_ms = beat.t_ms;
  b.rr_ms = std::isfinite(beat.rr_ms) ? beat.rr_ms : 0.0;
  b.artifact = is_artifact(beat, new_segment);
  b.segment_start_ms = segment_start_ms_;
  beats_.push_back(b);
  last_t_ms_ = beat.t_ms;
  if (!first_beat_ms_) first_beat_ms_ = beat.t_ms;
  ++accepted_;
  if (b.artifact) ++artifacts_;
  // Hard memory bound even if the caller never advances time.
  while (static_cast<std::int64_t>(beats_.size()) > cfg_->max_buffered_beats) beats_.pop_front();
  return BeatVerdict::Accepted;
}

void BeatSeries::prune_before(std::int64_t t_ms) {
  while (!beats_.empty() && beats_.front().t_ms < t_ms) beats_.pop_front();
}

std::size_t BeatSeries::end_at(std::int64_t t_ms) const {
  auto it = std::upper_bound(beats_.begin(), beats_.end(), t_ms,
                             [](std::int64_t t, const StoredBeat& b) { return t < b.t_ms; });
  return static_cast<std::size_t>(it - beats_.begin());
}

}  // namespace attune::core
