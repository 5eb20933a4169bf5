// The synchrony engine of one room: feeds on beats (data time), produces a
// snapshot for every whole second of data time, and accumulates the session
// summary. Pure and deterministic: the same calls give bit-identical output.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/engine_config.hpp"
#include "core/types.hpp"

namespace attune::core {

enum class BeatVerdict : std::uint8_t {
  Accepted,        // taken into the series (possibly flagged as an artefact)
  Duplicate,       // same end time as the previous beat: ignored
  Backwards,       // earlier than the previous beat: ignored
  Rejected,        // t_ms beyond +/- 2^50 ms (unusable time): ignored
};

struct ParticipantSnapshot {
  bool streaming = false;     // has sent beats in the last max_gap
  bool calibrating = true;    // baseline not known yet
  RegulationState state = RegulationState::Unknown;
  std::optional<double> hr_bpm;
  std::optional<double> rmssd_ms;
  std::optional<double> ln_rmssd;
  std::optional<double> arousal;
  std::optional<double> artifact_fraction;  // corrected share of the RMSSD window
};

struct PairSnapshot {
  Seat first = Seat::A;
  Seat second = Seat::B;
  std::optional<double> wcc_r0;
  std::optional<double> wcc_peak_r;       // largest |r| over lags, with its sign
  std::optional<double> wcc_peak_lag_s;   // positive: second follows first
  std::optional<double> wcc_peak_z;       // atanh(peak r)
};

struct Snapshot {
  std::int64_t t_ms = 0;  // the data second these values describe (window end)
  std::array<ParticipantSnapshot, kSeatCount> participants{};
  std::vector<PairSnapshot> pairs;  // AB always; AC, BC when the clinician streams
  SharedState shared = SharedState::Waiting;
  std::optional<Seat> activated;     // with OneActivated
};

struct StateSeconds {
  double unknown = 0, settled = 0, activated = 0, shut_down = 0;
};

struct ParticipantSummary {
  bool present = false;  // sent at least one beat
  std::uint64_t beats_received = 0;
  std::uint64_t beats_rejected = 0;  // artefacts (implausible, flagged, ectopic: corrected) + ignored (duplicate, backwards, rejected)
  double artifact_fraction = 0.0;
  std::optional<double> mean_hr_bpm;
  std::optional<double> mean_rmssd_ms;
  std::optional<double> baseline_hr_bpm;
  std::optional<double> baseline_ln_rmssd;
  StateSeconds time_in_state;
};

struct PairSummary {
  Seat first = Seat::A;
  Seat second = Seat::B;
  std::uint32_t windows = 0;
  std::optional<double> mean_wcc_r0;
  std::optional<double> mean_wcc_peak_r;
  std::optional<double> mean_abs_wcc_peak_r;
  double leader_first_share = 0.0;
  double leader_second_share = 0.0;
};

struct SharedSeconds {
  double waiting = 0, calibrating = 0, low_signal = 0, connected = 0, settled = 0,
         one_activated = 0, co_escalation = 0, withdrawn = 0;
};

struct EngineSummary {
  double data_seconds = 0.0;
  std::array<ParticipantSummary, kSeatCount> participants{};
  std::vector<PairSummary> pairs;
  SharedSeconds time_in_shared;
};

class SynchronyEngine {
 public:
  // Throws std::invalid_argument when config.problems() is not empty.
  explicit SynchronyEngine(EngineConfig config = {});
  ~SynchronyEngine();
  SynchronyEngine(SynchronyEngine&&) noexcept;
  SynchronyEngine& operator=(SynchronyEngine&&) noexcept;

  // Beats of one seat must come in time order; validation of finiteness and
  // hard bounds happens before (codec); plausibility is judged here. Any
  // value is safe: NaN/inf RR becomes an artefact, an unknown seat or a time
  // beyond +/- 2^50 ms is Rejected.
  BeatVerdict add_beat(Seat seat, const Beat& beat);

  // Moves data time forward to t_ms: computes one snapshot per whole second
  // crossed (and accumulates the summary for each). Earlier t is a no-op.
  // The first call starts at the whole second of the earliest beat received
  // (or at floor(t_ms) when there is none). A snapshot at second T uses only
  // beats with t_ms <= T, so feeding beats early changes nothing. Seconds in
  // which nobody streams are accumulated in O(1) per silent stretch.
  void advance_to(std::int64_t t_ms);

  // Same, calling on_snapshot for every second computed, in order (one call
  // per second, silent stretches included): for publishing each second or
  // for offline replay of a recording.
  void advance_to(std::int64_t t_ms, const std::function<void(const Snapshot&)>& on_snapshot);

  // The snapshot of the last whole second computed (nullopt before the first).
  const std::optional<Snapshot>& latest() const;

  EngineSummary summary() const;
  const EngineConfig& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace attune::core
