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

#include "core/coregulation_episodes.hpp"
#include "core/engine_config.hpp"
#include "core/stored_baseline.hpp"
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
  // Added with the complete core (issue 3; docs/metrics.md).
  std::optional<double> sdnn_ms;          // 120 s, ddof 1
  std::optional<double> pnn50;            // percent of successive differences > 50 ms
  std::optional<double> lf_ms2;           // Welch, 0.04-0.15 Hz, 120 s
  std::optional<double> hf_ms2;           // Welch, 0.15-0.40 Hz, 120 s
  std::optional<double> rsa_ms2;          // Welch, breath rate +/- 0.03 Hz
  std::optional<double> coherence;        // McCraty 2009 ratio, 64 s, every 5 s
  bool breathing = false;                 // respiration samples in the last max_gap
  std::optional<double> breath_rate_bpm;  // breaths/min, 30 s
  std::optional<double> ie_ratio;         // inhale : exhale, 30 s
  // Added with stored baselines (core/stored_baseline.hpp).
  BaselineSource baseline_source = BaselineSource::None;  // what arousal is measured against
};

struct PairSnapshot {
  Seat first = Seat::A;
  Seat second = Seat::B;
  std::optional<double> wcc_r0;
  std::optional<double> wcc_peak_r;       // largest |r| over lags, with its sign
  std::optional<double> wcc_peak_lag_s;   // positive: second follows first
  std::optional<double> wcc_peak_z;       // atanh(peak r)
  // Added with the complete core (issue 3; docs/metrics.md).
  std::optional<double> leader_first_share;   // rolling 5 min: peak lag > +dead zone
  std::optional<double> leader_second_share;  // rolling 5 min: peak lag < -dead zone
  std::optional<double> above_chance_z;       // prewhitened HR WCC lag-profile peak over 300 s vs circular-shift surrogates (every 15 s)
  std::optional<double> plv;                  // breathing phase-locking value, 30 s
  std::optional<double> rel_phase_rad;        // mean relative phase (positive: first ahead)
  std::optional<double> plv_above_chance_z;   // logit of the 180 s span PLV vs circular-shift surrogates (every 15 s)
  std::optional<double> breath_rate_diff_bpm; // first - second
  std::optional<double> arousal_r;            // arousal concordance, 60 s
  std::optional<double> hrv_linkage_r;        // r of 30 s-epoch lnRMSSD, rolling 5 min
};

struct Snapshot {
  std::int64_t t_ms = 0;  // the data second these values describe (window end)
  std::array<ParticipantSnapshot, kSeatCount> participants{};
  std::vector<PairSnapshot> pairs;  // AB always; AC, BC when the clinician streams
  SharedState shared = SharedState::Waiting;
  std::optional<Seat> activated;     // with OneActivated
  std::optional<OngoingEpisode> episode;  // the A-B co-regulation episode under way
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
  // Added with the complete core.
  std::uint64_t ectopic_beats = 0, missed_beats = 0, extra_beats = 0, long_short_beats = 0,
                implausible_beats = 0;
  std::uint64_t resp_samples = 0, resp_samples_ignored = 0;
  std::optional<double> mean_sdnn_ms;
  std::optional<double> mean_lf_ms2;
  std::optional<double> mean_hf_ms2;
  std::optional<double> mean_coherence;
  std::optional<double> mean_breath_rate_bpm;
  std::optional<double> baseline_breath_rate_bpm;
  // Added with stored baselines: what this session measured over its first
  // baseline_ms (for storage), and which baseline its states used.
  SessionBaseline session_baseline;
  BaselineSource baseline_source = BaselineSource::None;
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
  // Added with the complete core.
  std::uint32_t plv_windows = 0;
  std::optional<double> mean_plv;
  std::optional<double> mean_arousal_r;
  std::optional<double> hrv_linkage_r;          // whole session, all epochs
  std::uint32_t hrv_linkage_epochs = 0;
  std::uint32_t above_chance_tests = 0;         // surrogate tests of HR WCC run
  std::optional<double> mean_above_chance_z;
  double above_chance_share = 0.0;              // share of tests with z >= above_chance_min_z
  std::uint32_t plv_above_chance_tests = 0;
  std::optional<double> mean_plv_above_chance_z;
  double plv_above_chance_share = 0.0;
  // The session-end tests (core/session_above_chance.hpp): Stouffer's Z of
  // the live tests with disjoint spans, and how many spans it combines.
  std::uint32_t session_above_chance_spans = 0;
  std::optional<double> session_above_chance_z;
  std::uint32_t session_plv_above_chance_spans = 0;
  std::optional<double> session_plv_above_chance_z;
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
  EpisodeSummary episodes;  // co-regulation episodes of A and B
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

  // A chunk of one seat's respiration waveform (arbitrary units): sample i
  // is at t0_ms + i * 1000 / rate_hz. Chunks of a seat must come in time
  // order; non-finite samples and samples not later than the previous one
  // are skipped, and so is a chunk with a rate outside (0, 1000] Hz or t0
  // beyond +/- 2^50 ms. Returns the number of samples accepted.
  std::size_t add_respiration(Seat seat, std::int64_t t0_ms, double rate_hz, const double* values,
                              std::size_t n);

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

  // A baseline from earlier sessions of this seat (core/stored_baseline.hpp):
  // the participant stops calibrating and arousal is measured against it from
  // the next second on; the session's own baseline is still measured (for the
  // summary and storage). Ignored (returns false) when the seat's own
  // calibration has already finished (a late answer from the store must not
  // switch baselines mid-session), when HR or lnRMSSD is missing or malformed,
  // or for an unknown seat.
  bool set_stored_baseline(Seat seat, const StoredBaseline& stored);

  EngineSummary summary() const;
  const EngineConfig& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace attune::core
