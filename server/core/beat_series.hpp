// One seat's beats as the engine keeps them: in time order, each judged when
// it arrives (plausibility, device flags, and a provisional Malik verdict)
// and, with Lipponen-Tarvainen cleaning, given its final class once three
// later candidate beats of its segment have arrived. Metrics at snapshot
// time T use artifact_at(beat, T): the final verdict if it was known by T,
// else the provisional one, so a snapshot depends only on beats <= T
// (batch and live feeding agree bit for bit). Each beat is tagged with the
// start of its contiguous segment (a gap longer than max_gap_ms starts a
// new segment).
#pragma once

#include <algorithm>
#include <climits>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/beat_classification.hpp"
#include "core/ring_queue.hpp"
#include "core/engine_config.hpp"
#include "core/synchrony_engine.hpp"
#include "core/types.hpp"

namespace attune::core {

// 24 bytes (the engine keeps ~190 s of beats per seat: issue 3, memory).
// Times are within +/- 2^50 ms (add() rejects others), so the time and the
// verdict flags share one 64-bit word; the segment is a sequence number
// whose start time the series keeps once per segment, not once per beat.
struct StoredBeat {
  // final_after_ms while the classifier has not decided.
  static constexpr std::int32_t kUndecided = INT32_MAX;

  std::int64_t t_ms : 52;
  bool artifact : 1;              // final verdict
  bool provisional_artifact : 1;  // verdict before it (Malik)
  BeatClass cls : 3;
  double rr_ms = 0.0;  // as received (0 if it was not a finite number)
  // The final verdict holds from t_ms + final_after_ms on: the arrival time
  // of the beat that settled it, as an offset (at most ~24 days; a longer
  // wait only happens when a gap settles the beat, with its provisional
  // verdict, so clamping it changes no verdict).
  std::int32_t final_after_ms = 0;
  std::uint32_t segment = 0;  // BeatSeries::segment_start_ms() finds its start

  StoredBeat() : t_ms(0), artifact(false), provisional_artifact(false), cls(BeatClass::Normal) {}

  void set_final_at(std::int64_t now_ms) {
    const std::int64_t d = now_ms - t_ms;
    final_after_ms = static_cast<std::int32_t>(std::min<std::int64_t>(d, kUndecided - 1));
  }
};
static_assert(sizeof(StoredBeat) == 24, "StoredBeat packs into 24 bytes");

// The verdict of a beat as of snapshot time T.
inline bool artifact_at(const StoredBeat& b, std::int64_t t_ms) {
  const bool final = b.final_after_ms != StoredBeat::kUndecided && t_ms - b.t_ms >= b.final_after_ms;
  return final ? b.artifact : b.provisional_artifact;
}

struct BeatClassCounts {
  std::uint64_t implausible = 0;  // out of bounds, not finite or device-flagged
  std::uint64_t ectopic = 0, missed = 0, extra = 0, long_short = 0;
};

class BeatSeries {
 public:
  explicit BeatSeries(const EngineConfig& cfg);

  BeatVerdict add(const Beat& beat);

  // Drops beats with t_ms < t (memory bound; windows never look back further).
  void prune_before(std::int64_t t_ms);

  const RingQueue<StoredBeat>& beats() const { return beats_; }
  // Time of the first beat of beats()[i]'s segment (the first beat after
  // the last gap before it).
  std::int64_t segment_start_ms(std::size_t i) const {
    return segment_starts_[static_cast<std::uint32_t>(beats_[i].segment - first_segment_)];
  }

  // Index one past the last beat with t_ms <= t (0 if none).
  std::size_t end_at(std::int64_t t_ms) const;
  // Index of the first beat with t_ms > t (beats().size() if none).
  std::size_t first_after(std::int64_t t_ms) const { return end_at(t_ms); }

  std::optional<std::int64_t> first_beat_ms() const { return first_beat_ms_; }
  std::uint64_t received() const { return received_; }
  std::uint64_t accepted() const { return accepted_; }
  // Artefacts among the accepted beats (final verdicts; beats still
  // undecided count with their provisional verdict).
  std::uint64_t artifacts() const;
  std::uint64_t ignored() const { return ignored_; }
  BeatClassCounts class_counts() const { return counts_; }

 private:
  bool malik_artifact(double rr_ms);
  void settle_pending(std::int64_t now_ms);
  void on_final(std::uint64_t seq, BeatClass cls, std::int64_t now_ms);

  void pop_front_beat();
  // Index of the beat with time t (beats are in time order, times unique).
  std::optional<std::size_t> index_of(std::int64_t t_ms) const;

  const EngineConfig* cfg_;
  RingQueue<StoredBeat> beats_;
  // Start times of the segments of the stored beats (and the current one),
  // the first with sequence number first_segment_ (mod 2^32).
  RingQueue<std::int64_t> segment_starts_;
  std::uint32_t first_segment_ = 0;
  LipponenTarvainenClassifier lt_;
  // Candidate beats of the current segment not yet final: (seq, t_ms).
  RingQueue<std::pair<std::uint64_t, std::int64_t>> pending_;
  std::optional<std::int64_t> last_t_ms_;
  std::optional<double> malik_reference_rr_;  // last plausible, unflagged RR
  std::optional<std::int64_t> first_beat_ms_;
  std::uint64_t received_ = 0, accepted_ = 0, artifacts_ = 0, ignored_ = 0;
  BeatClassCounts counts_;
};

}  // namespace attune::core
