// Co-regulation episodes of the couple (partners A and B), from their
// regulation states once a second. SYNCHRONY.md: "A co-regulation episode is
// one partner moving ACTIVATED -> SETTLED while the other stays SETTLED; its
// length is the recovery time. Episodes, recovery times and who anchored are
// summary outputs." The exact rule below is ours (docs/metrics.md
// "Co-regulation episodes"); tests/reference/episodes_reference.py
// recomputes it independently from `attune replay` output.
//
// Per data second T the tracker sees (state of A, state of B). A second is
// "known" when neither state is UNKNOWN; its configuration is the pair of
// states. "Anchoring" is the configuration in which one partner is ACTIVATED
// and the other SETTLED.
//
//  Open:  no episode is open, T's configuration is anchoring, and the last
//         known configuration before T was a different one (or there was
//         none). The ACTIVATED partner is `activated`, the SETTLED one the
//         `anchor`. This covers both a partner activating beside a settled
//         one, and a co-escalation in which one partner settles first and
//         then anchors the other. A configuration that merely resumes after
//         a signal loss opens nothing.
//  While open, in this order at each T:
//   1. either state UNKNOWN (calibrating, signal lost, not streaming): a
//      signal loss. The episode stays open while the loss lasts at most
//      max_signal_loss_ms (the state machine resumes the last known state,
//      SYNCHRONY.md); at the first second beyond it the episode ends LOST.
//   2. the anchor not SETTLED: ESCALATED when both are ACTIVATED (co-
//      escalation), otherwise LOST (the anchor shut down, or the two swapped
//      roles in one step).
//   3. the activated partner SETTLED: RECOVERED; recovery time = T - open.
//      SHUT_DOWN instead: LOST (shutting down is not recovering).
//   4. otherwise the episode goes on.
//  An episode still open when the summary is taken is OPEN; its end is the
//  last second seen.
// Closing and opening may happen at the same T (a swap: the old episode is
// LOST, the new one opens with the roles exchanged).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/types.hpp"

namespace attune::core {

enum class EpisodeOutcome : std::uint8_t { Recovered, Escalated, Lost, Open };

const char* episode_outcome_name(EpisodeOutcome o);  // "recovered", "escalated", "lost", "open"

struct CoregulationEpisode {
  Seat activated = Seat::A;
  Seat anchor = Seat::B;
  std::int64_t start_ms = 0;  // first second of the anchoring configuration
  std::int64_t end_ms = 0;    // second at which it ended (OPEN: last second seen)
  EpisodeOutcome outcome = EpisodeOutcome::Open;
  double duration_s() const { return static_cast<double>(end_ms - start_ms) / 1000.0; }
};

// The ongoing episode, for the live room state.
struct OngoingEpisode {
  Seat activated = Seat::A;
  Seat anchor = Seat::B;
  double elapsed_s = 0.0;  // T - start
};

struct SeatEpisodeCounts {
  std::uint32_t activated = 0;  // episodes in which this partner was the activated one
  std::uint32_t recovered = 0;  // ... and recovered
  std::uint32_t anchored = 0;   // episodes in which this partner anchored
  std::uint32_t anchored_recovered = 0;  // ... and the other recovered
};

struct EpisodeSummary {
  std::vector<CoregulationEpisode> episodes;  // the first `list_max`, in order
  std::uint32_t total = 0;                    // all episodes, listed or not
  std::uint32_t recovered = 0, escalated = 0, lost = 0, open = 0;
  std::optional<double> median_recovery_s;    // over every RECOVERED episode
  std::optional<double> mean_recovery_s;
  std::array<SeatEpisodeCounts, 2> seats{};   // A, B
};

class CoregulationEpisodes {
 public:
  CoregulationEpisodes(std::int64_t max_signal_loss_ms, std::size_t list_max);

  // One data second of partners A and B. Seconds must come in order, one
  // each (the engine calls this from every computed second).
  void observe(std::int64_t t_ms, RegulationState a, RegulationState b);

  // `n` more seconds after `first_t_ms - 1000` in which both are UNKNOWN
  // (a silent stretch), in O(1); the same as n calls of observe().
  void observe_unknown(std::int64_t first_t_ms, std::int64_t n);

  std::optional<OngoingEpisode> ongoing() const;

  // The summary as of the last second seen; an open episode is reported OPEN.
  EpisodeSummary summary() const;

 private:
  struct Config {
    RegulationState a = RegulationState::Unknown, b = RegulationState::Unknown;
    bool operator==(const Config& o) const { return a == o.a && b == o.b; }
    bool operator!=(const Config& o) const { return !(*this == o); }
  };
  void close(std::int64_t t_ms, EpisodeOutcome outcome);
  void record(const CoregulationEpisode& e);

  std::int64_t max_signal_loss_ms_;
  std::size_t list_max_;
  std::optional<Config> last_known_;
  std::optional<CoregulationEpisode> open_;
  std::int64_t loss_seconds_ = 0;  // consecutive UNKNOWN seconds of the open episode
  std::optional<std::int64_t> last_t_ms_;

  std::vector<CoregulationEpisode> listed_;
  std::uint32_t total_ = 0, recovered_ = 0, escalated_ = 0, lost_ = 0;
  std::map<std::int64_t, std::uint32_t> recovery_ms_counts_;  // whole seconds: bounded
  double recovery_sum_s_ = 0.0;
  std::array<SeatEpisodeCounts, 2> seats_{};
};

}  // namespace attune::core
