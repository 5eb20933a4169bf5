// One seat's beats as the engine keeps them: in time order, each already
// judged clean or artefact when it arrives (online, so the verdict of a
// beat never changes later), and tagged with the start of its contiguous
// segment (a gap longer than max_gap_ms starts a new segment).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "core/engine_config.hpp"
#include "core/synchrony_engine.hpp"
#include "core/types.hpp"

namespace attune::core {

struct StoredBeat {
  std::int64_t t_ms = 0;
  double rr_ms = 0.0;      // as received (0 if it was not a finite number)
  bool artifact = false;   // implausible, device-flagged or Malik-ectopic
  std::int64_t segment_start_ms = 0;  // first beat after the last gap
};

class BeatSeries {
 public:
  explicit BeatSeries(const EngineConfig& cfg) : cfg_(&cfg) {}

  BeatVerdict add(const Beat& beat);

  // Drops beats with t_ms < t (memory bound; windows never look back further).
  void prune_before(std::int64_t t_ms);

  const std::deque<StoredBeat>& beats() const { return beats_; }

  // Index one past the last beat with t_ms <= t (0 if none).
  std::size_t end_at(std::int64_t t_ms) const;
  // Index of the first beat with t_ms > t (beats().size() if none).
  std::size_t first_after(std::int64_t t_ms) const { return end_at(t_ms); }

  std::optional<std::int64_t> first_beat_ms() const { return first_beat_ms_; }
  std::uint64_t received() const { return received_; }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t artifacts() const { return artifacts_; }
  std::uint64_t ignored() const { return ignored_; }

 private:
  bool is_artifact(const Beat& beat, bool new_segment);

  const EngineConfig* cfg_;
  std::deque<StoredBeat> beats_;
  std::optional<std::int64_t> last_t_ms_;
  std::int64_t segment_start_ms_ = 0;
  std::optional<double> malik_reference_rr_;  // last plausible, unflagged RR
  std::optional<std::int64_t> first_beat_ms_;
  std::uint64_t received_ = 0, accepted_ = 0, artifacts_ = 0, ignored_ = 0;
};

}  // namespace attune::core
