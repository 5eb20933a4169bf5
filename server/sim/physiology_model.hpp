// A simulated couple (and optionally a clinician) in data time.
//
// Pure and deterministic: the same ModelParams give the same beats and
// samples, bit for bit. No clock, no I/O; time advances only through
// generate_until(). Used by `attune simulate` and as known-truth input for
// tests of the synchrony core.
//
// Per person, on a 40 ms grid (the 25 Hz respiration rate):
//  - breathing: a phase integrating a rate of ~12-16/min that wanders slowly
//    and rises with activation; the waveform is sin(2*pi*phase) plus a little
//    noise and baseline wander;
//  - heart rate: resting HR + a very slow drift + a "slow fluctuation"
//    (unit-variance Ornstein-Uhlenbeck noise, tau 4 s) + activation;
//  - RR = 60000/HR minus RSA (amplitude shrinking with activation) in phase
//    with the breath (shortest at the top of inhalation), plus beat-to-beat
//    noise; rounded to whole ms, and each beat = previous beat + RR;
//  - coupling: the follower's slow fluctuation is
//    c * leader(t - lag) + sqrt(1 - c^2) * own(t), so its variance stays 1;
//    optionally its breathing phase is pulled toward the leader's
//    (breath_coupling, off by default);
//  - ectopics: a premature beat (55-70 % of RR) then a compensatory one
//    (the two add up to two normal RRs);
//  - dropouts: a few seconds in which beats happen but are not reported
//    (the respiration sensor keeps going);
//  - the pacer: each person has a BreathingDriver. While their pacer
//    schedule runs, their breathing is pulled toward it with the driver's
//    entrainment strength (1: phase-locked within a few breaths; 0: ignores
//    it). RSA follows the actual breath, and slow breathing (below 10/min)
//    raises the RSA amplitude (resonance, up to 3x at 6/min), so the heart
//    follows the pacer too.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "sim/pacer_schedule.hpp"
#include "sim/scenario.hpp"

namespace attune::sim {

inline constexpr int kRespRateHz = 25;
inline constexpr int kStepMs = 1000 / kRespRateHz;  // model grid: 40 ms

struct PersonParams {
  double hr_bpm = 70.0;          // resting heart rate
  double breaths_per_min = 14.0; // resting breathing rate
  double rsa_ms = 35.0;          // RSA amplitude at rest (RR swing is twice this)
};

// How a person breathes: freely (entrainment 0 or no running pacer), or
// pulled toward the pacer. With entrainment e the breathing phase advances by
//   (1 - e) * own rate + e * (the pacer's advance) + e * K * sin(2 pi (target - phase))
// per step (K = 0.15 cycles/s), where target is the breath phase of someone
// following the pacer exactly (PacerSchedule::breath_phase_at): e = 1 locks
// within a few breaths and then keeps a small jitter (about 5 degrees); 0.5
// pulls the rate halfway and locks only when the person's own rate is near
// the pacer's. The schedule's epoch is in model (data) time.
struct BreathingDriver {
  double entrainment = 1.0;  // 0..1; only matters while the pacer runs
  PacerSchedule pacer;       // not running by default: free breathing
};

struct ModelParams {
  std::uint64_t seed = 1;
  std::int64_t start_ms = 0;      // data time of the session start
  bool clinician = false;         // also simulate a clinician seat
  double coupling = 0.6;          // 0..1: how much B's slow HR follows A's
  double lag_s = 2.0;             // B follows A by this much; negative: A follows B
  // How strongly the follower's breathing is pulled toward the leader's
  // (cycles/s, 0..0.5; 0: independent breathing, the default). A Kuramoto
  // phase coupling (Tass et al. 1998, Phys Rev Lett 81:3291): the follower's
  // phase advances by its own rate + K sin(2 pi (leader - follower)) per
  // second, with no lag (breaths are seconds long; the heart-rate lag is a
  // different mechanism). 0.10 locks two partners 2/min apart within about
  // a minute; 0.02 drifts in and out. While a pacer runs with entrainment
  // e, the pull is scaled by 1 - e, like the person's own rate.
  double breath_coupling = 0.0;
  double ectopic_per_beat = 0.003;
  double dropouts_per_min = 0.2;
  double dropout_min_s = 2.0;
  double dropout_max_s = 5.0;
  std::vector<Episode> episodes;  // see scenario.hpp; empty = always calm
  std::array<PersonParams, kSeatCount> people{{
      {68.0, 13.0, 38.0},   // A
      {74.0, 15.0, 32.0},   // B
      {64.0, 12.0, 40.0},   // clinician: calmer
  }};
  std::array<BreathingDriver, kSeatCount> breathing{};  // A, B, clinician
};

// What a beat really was (known to the model only; the wire never carries it).
enum class BeatTruth { Normal, Ectopic, Compensatory };

struct SimBeat {
  std::int64_t t_ms = 0;   // time of the beat that ends the interval
  double rr_ms = 0.0;      // whole milliseconds
  std::uint32_t flags = 0; // BEAT_FLAG_* bits (always 0: a healthy strap)
  BeatTruth truth = BeatTruth::Normal;
};

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void on_beat(Seat seat, const SimBeat& beat) = 0;
  virtual void on_respiration(Seat seat, std::int64_t t_ms, double value) = 0;
};

struct SeatStats {
  std::uint64_t beats_emitted = 0;
  std::uint64_t beats_hidden = 0;  // happened during a dropout
  std::uint64_t ectopics = 0;      // premature beats (emitted or hidden)
  std::uint64_t dropouts = 0;
};

class CoupleModel {
 public:
  explicit CoupleModel(ModelParams params);
  ~CoupleModel();
  CoupleModel(const CoupleModel&) = delete;
  CoupleModel& operator=(const CoupleModel&) = delete;

  // Emits, in time order per seat, every beat and respiration sample with a
  // time <= t_ms that was not emitted before (the model advances on its 40 ms
  // grid, so a beat is emitted once the grid has reached it).
  void generate_until(std::int64_t t_ms, Sink& sink);

  std::int64_t now_ms() const { return grid_ms_; }
  const ModelParams& params() const { return params_; }
  std::vector<Seat> seats() const;
  const SeatStats& stats(Seat s) const;

  // The model's activation (0..1) for a seat at the current grid time.
  double activation(Seat s) const;

  // Breathing: the current phase (cycles, the waveform is sin(2 pi phase))
  // and rate (breaths/min) of a seat.
  double breath_phase(Seat s) const;
  double breath_rate_bpm(Seat s) const;

  // Changes a seat's pacer schedule or entrainment from the next grid step
  // on (the command does this whenever the server's PacerState or the
  // seat's clock offset changes).
  void set_pacer(Seat s, const PacerSchedule& pacer);
  void set_entrainment(Seat s, double entrainment);
  const BreathingDriver& breathing(Seat s) const;

 private:
  struct Person;
  void step(Sink& sink);
  double episode_target(Seat s, double t_s) const;

  ModelParams params_;
  std::int64_t grid_ms_;
  std::vector<std::unique_ptr<Person>> people_;
  // The leader's slow fluctuation on the grid, so the follower can read it
  // `lag` back in time.
  std::deque<double> leader_history_;
  std::size_t lag_steps_ = 0;
};

}  // namespace attune::sim
