#include "core/beat_series.hpp"

#include <algorithm>
#include <cmath>

#include "core/numeric.hpp"
#include "core/rr_cleaning.hpp"

namespace attune::core {
namespace {

LipponenTarvainenParams lt_params(const EngineConfig& c) {
  LipponenTarvainenParams p;
  p.c1 = c.lt_c1;
  p.c2 = c.lt_c2;
  p.alpha = c.lt_alpha;
  p.window_beats = static_cast<std::size_t>(c.lt_window_beats);
  p.median_beats = static_cast<std::size_t>(c.lt_median_beats);
  p.threshold_floor_fraction = c.lt_threshold_floor_fraction;
  return p;
}

}  // namespace

BeatSeries::BeatSeries(const EngineConfig& cfg) : cfg_(&cfg), lt_(lt_params(cfg)) {}

bool BeatSeries::malik_artifact(double rr_ms) {
  // The reference is the previous plausible beat even when that beat was
  // itself ectopic: a premature beat and its compensatory pause are both
  // flagged, and the series recovers on the next normal beat.
  const bool ectopic =
      malik_reference_rr_ && rr_malik_ectopic(rr_ms, *malik_reference_rr_, cfg_->malik_fraction);
  malik_reference_rr_ = rr_ms;
  return ectopic;
}

void BeatSeries::on_final(std::uint64_t seq, BeatClass cls, std::int64_t now_ms) {
  while (!pending_.empty() && pending_.front().first < seq) pending_.pop_front();
  if (pending_.empty() || pending_.front().first != seq) return;  // pruned already
  const std::int64_t t = pending_.front().second;
  pending_.pop_front();
  if (const auto i = index_of(t)) {
    StoredBeat& b = beats_[*i];
    b.cls = cls;
    b.artifact = cls != BeatClass::Normal;
    b.set_final_at(now_ms);
  }
  switch (cls) {
    case BeatClass::Normal: break;
    case BeatClass::Ectopic: ++counts_.ectopic; break;
    case BeatClass::Missed: ++counts_.missed; break;
    case BeatClass::Extra: ++counts_.extra; break;
    case BeatClass::LongShort: ++counts_.long_short; break;
  }
  if (cls != BeatClass::Normal) ++artifacts_;
}

// A gap ends the segment: its undecided beats keep their provisional verdict.
void BeatSeries::settle_pending(std::int64_t now_ms) {
  for (const auto& [seq, t] : pending_) {
    const auto i = index_of(t);
    if (!i) continue;
    StoredBeat& b = beats_[*i];
    b.artifact = b.provisional_artifact;
    b.set_final_at(now_ms);
    if (b.artifact) {
      ++artifacts_;
      ++counts_.ectopic;  // provisional Malik verdict: an ectopic rule
    }
  }
  pending_.clear();
  lt_.reset();
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
  if (new_segment) {
    segment_starts_.push_back(beat.t_ms);
    malik_reference_rr_.reset();  // no predecessor across a gap
    settle_pending(beat.t_ms);
  }
  StoredBeat b;
  b.t_ms = beat.t_ms;
  b.rr_ms = std::isfinite(beat.rr_ms) ? beat.rr_ms : 0.0;
  b.segment = first_segment_ + static_cast<std::uint32_t>(segment_starts_.size() - 1);
  b.final_after_ms = 0;
  const bool device_flagged = (beat.flags & (kBeatNoContact | kBeatArtifact)) != 0;
  const bool plausible = rr_plausible(beat.rr_ms, cfg_->rr_min_ms, cfg_->rr_max_ms);
  const bool candidate = plausible && !device_flagged;
  if (!candidate) {
    b.artifact = b.provisional_artifact = true;
    ++counts_.implausible;
    ++artifacts_;
  } else {
    b.provisional_artifact = malik_artifact(beat.rr_ms);
    if (cfg_->cleaning == CleaningMethod::Malik) {
      b.artifact = b.provisional_artifact;
      if (b.artifact) {
        ++artifacts_;
        ++counts_.ectopic;
      }
    } else {
      b.artifact = b.provisional_artifact;
      b.final_after_ms = StoredBeat::kUndecided;  // until the classifier decides
    }
  }
  beats_.push_back(b);
  if (candidate && cfg_->cleaning == CleaningMethod::LipponenTarvainen) {
    pending_.emplace_back(lt_.count(), beat.t_ms);
    const std::int64_t now = beat.t_ms;
    lt_.add(beat.rr_ms, [this, now](std::uint64_t seq, BeatClass cls) { on_final(seq, cls, now); });
  }
  last_t_ms_ = beat.t_ms;
  if (!first_beat_ms_) first_beat_ms_ = beat.t_ms;
  ++accepted_;
  // Hard memory bound even if the caller never advances time.
  while (static_cast<std::int64_t>(beats_.size()) > cfg_->max_buffered_beats) pop_front_beat();
  return BeatVerdict::Accepted;
}

std::uint64_t BeatSeries::artifacts() const {
  std::uint64_t n = artifacts_;
  for (const auto& [seq, t] : pending_) {
    const auto i = index_of(t);
    if (i && beats_[*i].provisional_artifact) ++n;
  }
  return n;
}

void BeatSeries::prune_before(std::int64_t t_ms) {
  while (!beats_.empty() && beats_.front().t_ms < t_ms) pop_front_beat();
}

// Drops the oldest beat, and the start of its segment once no stored beat
// is in it (the current segment's start is kept for the next beats).
void BeatSeries::pop_front_beat() {
  beats_.pop_front();
  const std::uint32_t keep_from =
      beats_.empty() ? first_segment_ + static_cast<std::uint32_t>(segment_starts_.size() - 1)
                     : beats_.front().segment;
  while (first_segment_ != keep_from) {
    segment_starts_.pop_front();
    ++first_segment_;
  }
}

std::optional<std::size_t> BeatSeries::index_of(std::int64_t t_ms) const {
  // Pending beats are among the last few: search from the back.
  for (std::size_t i = beats_.size(); i-- > 0;) {
    if (beats_[i].t_ms == t_ms) return i;
    if (beats_[i].t_ms < t_ms) break;
  }
  return std::nullopt;
}

std::size_t BeatSeries::end_at(std::int64_t t_ms) const {
  auto it = std::upper_bound(beats_.begin(), beats_.end(), t_ms,
                             [](std::int64_t t, const StoredBeat& b) { return t < b.t_ms; });
  return static_cast<std::size_t>(it - beats_.begin());
}

}  // namespace attune::core
