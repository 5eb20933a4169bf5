#include "sim/physiology_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "sim/rng.hpp"

namespace attune::sim {

namespace {

constexpr double kTwoPi = 6.283185307179586;
constexpr double kDtS = kStepMs / 1000.0;

// Time constants (s) of the unit-variance Ornstein-Uhlenbeck processes.
constexpr double kSlowTauS = 4.0;      // HR fluctuations the partner can follow
constexpr double kDriftTauS = 180.0;   // very slow HR drift
constexpr double kBreathTauS = 60.0;   // breathing-rate wander
constexpr double kWanderTauS = 20.0;   // respiration baseline wander

// How activation (0..1) moves the physiology at full intensity.
constexpr double kActHrBpm = 24.0;
constexpr double kActBreathPerMin = 7.0;
constexpr double kActRsaCut = 0.75;    // RSA shrinks to a quarter
constexpr double kActNoiseCut = 0.5;
constexpr double kActRiseTauS = 10.0;  // activation comes quickly...
constexpr double kActFallTauS = 30.0;  // ...and settles slowly

constexpr double kSlowBpm = 3.0;       // SD of the slow fluctuation
constexpr double kDriftBpm = 2.5;      // SD of the drift
constexpr double kBreathWanderPerMin = 1.0;  // SD of the breathing-rate wander
constexpr double kBeatNoiseMs = 6.0;   // beat-to-beat noise at rest

// The pacer (see BreathingDriver).
constexpr double kLockCyclesPerS = 0.15;  // K: the strongest phase pull
constexpr double kLockJitter = 0.004;     // cycles per step while entrained

// Resonance: RSA amplitude gain 1 + 2 * smoothstep((10 - rate) / 4), so 1 at
// 10/min and above, 3 at 6/min. Without it a person breathing at 6/min would
// show a smaller RMSSD than at 13/min (the RSA swing is slower), which reads
// as arousal; with it slow paced breathing raises RMSSD, as it does in life
// (Lehrer, Vaschillo & Vaschillo 2000).
double resonance_gain(double rate_bpm) {
  const double x = std::clamp((10.0 - rate_bpm) / 4.0, 0.0, 1.0);
  return 1.0 + 2.0 * x * x * (3.0 - 2.0 * x);
}

// The signed shortest difference a - b of two phases in cycles, in [-0.5, 0.5).
double phase_diff(double a, double b) {
  double d = a - b;
  d -= std::floor(d + 0.5);
  return d;
}

// One exact OU step for a process with unit stationary variance.
double ou_step(double x, double tau_s, Rng& rng) {
  const double a = std::exp(-kDtS / tau_s);
  return a * x + std::sqrt(1.0 - a * a) * rng.normal();
}

enum Stream : std::uint64_t { kMainStream = 0, kSlowStream = 1, kPacerStream = 2 };

}  // namespace

struct CoupleModel::Person {
  Person(Seat s, const PersonParams& pp, const BreathingDriver& bd, std::uint64_t seed)
      : seat(s),
        p(pp),
        driver(bd),
        rng(derive_seed(seed, static_cast<std::uint64_t>(s) * 8 + kMainStream)),
        slow_rng(derive_seed(seed, static_cast<std::uint64_t>(s) * 8 + kSlowStream)),
        pacer_rng(derive_seed(seed, static_cast<std::uint64_t>(s) * 8 + kPacerStream)) {
    phase = rng.uniform();
    breath_dev = rng.normal();
    drift = 0.5 * rng.normal();
    wander = rng.normal();
    slow = slow_rng.normal();
  }

  Seat seat;
  PersonParams p;
  BreathingDriver driver;
  Rng rng;       // breathing, drift, beat noise, ectopics, dropouts
  Rng slow_rng;  // the slow HR fluctuation alone: the leader's is pre-run
                 // for the lag, which must not shift the other draws
  Rng pacer_rng; // the jitter of paced breathing alone: following the pacer
                 // changes nothing else
  double phase = 0.0;       // breathing phase, cycles
  double breath_rate = 0.0; // breaths/min, the current step's
  double breath_dev = 0.0;  // breathing-rate wander, unit variance
  double drift = 0.0;
  double wander = 0.0;
  double slow = 0.0;        // own slow HR fluctuation, unit variance
  double coupled_slow = 0.0;// what drives HR after coupling
  double activation = 0.0;

  std::int64_t next_beat_ms = 0;  // the beat that ends the pending interval
  double next_rr_ms = 0.0;
  BeatTruth next_truth = BeatTruth::Normal;
  double compensatory_ms = 0.0;   // > 0: the interval after an ectopic
  std::int64_t dropout_until_ms = std::numeric_limits<std::int64_t>::min();
  SeatStats stats;

  double hr_bpm() const {
    const double hr = p.hr_bpm + kDriftBpm * drift + kSlowBpm * coupled_slow +
                      kActHrBpm * activation;
    return std::clamp(hr, 40.0, 150.0);
  }

  // Decides the interval that starts at the beat just emitted.
  void schedule_next_beat(double ectopic_p) {
    double rr = 60000.0 / hr_bpm();
    rr -= p.rsa_ms * resonance_gain(breath_rate) * (1.0 - kActRsaCut * activation) * std::sin(kTwoPi * phase);
    rr += kBeatNoiseMs * (1.0 - kActNoiseCut * activation) * rng.normal();
    rr = std::max(320.0, std::round(rr));
    BeatTruth truth = BeatTruth::Normal;
    if (compensatory_ms > 0.0) {
      rr = compensatory_ms;
      compensatory_ms = 0.0;
      truth = BeatTruth::Compensatory;
    } else if (rng.chance(ectopic_p)) {
      const double premature = std::round(rr * rng.uniform(0.55, 0.70));
      compensatory_ms = 2.0 * rr - premature;  // full compensatory pause
      rr = premature;
      truth = BeatTruth::Ectopic;
      ++stats.ectopics;
    }
    next_rr_ms = rr;
    next_truth = truth;
    next_beat_ms += static_cast<std::int64_t>(rr);
  }
};

CoupleModel::CoupleModel(ModelParams params) : params_(std::move(params)), grid_ms_(params_.start_ms) {
  if (!(params_.coupling >= 0.0 && params_.coupling <= 1.0))
    throw std::invalid_argument("coupling must be within 0..1");
  if (!(std::abs(params_.lag_s) <= 60.0)) throw std::invalid_argument("|lag| must be <= 60 s");
  if (!(params_.breath_coupling >= 0.0 && params_.breath_coupling <= 0.5))
    throw std::invalid_argument("breath coupling must be within 0..0.5 cycles/s");
  const int n = params_.clinician ? 3 : 2;
  for (int i = 0; i < n; ++i) {
    const Seat s = static_cast<Seat>(i);
    if (!(params_.breathing[i].entrainment >= 0.0 && params_.breathing[i].entrainment <= 1.0))
      throw std::invalid_argument("entrainment must be within 0..1");
    people_.push_back(std::make_unique<Person>(s, params_.people[i], params_.breathing[i], params_.seed));
    people_.back()->breath_rate = params_.people[i].breaths_per_min;
  }
  // Pre-run the leader's slow fluctuation so that the follower has a past
  // to follow from the first step.
  Person& leader = *people_[params_.lag_s >= 0.0 ? 0 : 1];
  lag_steps_ = static_cast<std::size_t>(std::lround(std::abs(params_.lag_s) * 1000.0 / kStepMs));
  for (std::size_t i = 0; i < lag_steps_; ++i) {
    leader_history_.push_back(leader.slow);
    leader.slow = ou_step(leader.slow, kSlowTauS, leader.slow_rng);
  }
  for (auto& person : people_) {
    person->coupled_slow = person->slow;
    // The first interval began before the session: its beat lands at a
    // random point within one RR of the start.
    person->next_rr_ms = std::round(60000.0 / person->hr_bpm());
    person->next_beat_ms =
        params_.start_ms + 1 + static_cast<std::int64_t>(person->rng.uniform(0.0, person->next_rr_ms - 1.0));
  }
}

CoupleModel::~CoupleModel() = default;

std::vector<Seat> CoupleModel::seats() const {
  std::vector<Seat> out;
  for (const auto& p : people_) out.push_back(p->seat);
  return out;
}

const SeatStats& CoupleModel::stats(Seat s) const {
  return people_.at(static_cast<std::size_t>(s))->stats;
}

double CoupleModel::activation(Seat s) const {
  return people_.at(static_cast<std::size_t>(s))->activation;
}

double CoupleModel::breath_phase(Seat s) const { return people_.at(static_cast<std::size_t>(s))->phase; }

double CoupleModel::breath_rate_bpm(Seat s) const {
  return people_.at(static_cast<std::size_t>(s))->breath_rate;
}

void CoupleModel::set_pacer(Seat s, const PacerSchedule& pacer) {
  people_.at(static_cast<std::size_t>(s))->driver.pacer = pacer;
}

void CoupleModel::set_entrainment(Seat s, double entrainment) {
  if (!(entrainment >= 0.0 && entrainment <= 1.0)) throw std::invalid_argument("entrainment must be within 0..1");
  people_.at(static_cast<std::size_t>(s))->driver.entrainment = entrainment;
}

const BreathingDriver& CoupleModel::breathing(Seat s) const {
  return people_.at(static_cast<std::size_t>(s))->driver;
}

double CoupleModel::episode_target(Seat s, double t_s) const {
  double target = 0.0;
  for (const Episode& e : params_.episodes)
    if ((e.seats & seat_bit(s)) && t_s >= e.start_s && t_s < e.end_s)
      target = std::max(target, e.intensity);
  return target;
}

void CoupleModel::generate_until(std::int64_t t_ms, Sink& sink) {
  while (grid_ms_ + kStepMs <= t_ms) step(sink);
}

void CoupleModel::step(Sink& sink) {
  grid_ms_ += kStepMs;
  const std::int64_t t = grid_ms_;
  const double t_s = (t - params_.start_ms) / 1000.0;
  const std::size_t leader_i = params_.lag_s >= 0.0 ? 0 : 1;
  const std::size_t follower_i = 1 - leader_i;

  for (std::size_t i = 0; i < people_.size(); ++i) {
    Person& p = *people_[i];
    p.slow = ou_step(p.slow, kSlowTauS, p.slow_rng);
    p.drift = ou_step(p.drift, kDriftTauS, p.rng);
    p.breath_dev = ou_step(p.breath_dev, kBreathTauS, p.rng);
    p.wander = ou_step(p.wander, kWanderTauS, p.rng);

    const double target = episode_target(p.seat, t_s);
    const double tau = target > p.activation ? kActRiseTauS : kActFallTauS;
    p.activation += (target - p.activation) * (1.0 - std::exp(-kDtS / tau));
  }

  Person& leader = *people_[leader_i];
  leader_history_.push_back(leader.slow);
  while (leader_history_.size() > lag_steps_ + 1) leader_history_.pop_front();
  for (std::size_t i = 0; i < people_.size(); ++i) {
    Person& p = *people_[i];
    if (i == follower_i) {
      const double c = params_.coupling;
      p.coupled_slow = c * leader_history_.front() + std::sqrt(1.0 - c * c) * p.slow;
    } else {
      p.coupled_slow = p.slow;
    }
  }

  // The leader's breathing phase before this step: the follower's pull
  // (breath_coupling) does not depend on the order seats are stepped in.
  const double leader_phase = leader.phase;
  for (std::size_t i = 0; i < people_.size(); ++i) {
    Person& p = *people_[i];
    const double pull = i == follower_i && params_.breath_coupling > 0.0
                            ? params_.breath_coupling * std::sin(kTwoPi * phase_diff(leader_phase, p.phase))
                            : 0.0;
    const double own_rate = std::clamp(p.p.breaths_per_min + kBreathWanderPerMin * p.breath_dev +
                                           kActBreathPerMin * p.activation, 6.0, 30.0);
    const double jitter = p.pacer_rng.normal();  // drawn every step: the stream stays aligned
    const PacerSchedule& pacer = p.driver.pacer;
    const double e = p.driver.entrainment;
    if (pacer.valid() && e > 0.0) {
      // Both target phases under the current schedule: a retune (new epoch
      // or pattern) shows up as a phase error to close, not as a jump.
      const double target_prev = pacer.breath_phase_at(pacer.phase_at_ms(t - kStepMs));
      const double target = pacer.breath_phase_at(pacer.phase_at_ms(t));
      const double advance = phase_diff(target, target_prev);
      const double error = phase_diff(target, p.phase);
      p.phase += (1.0 - e) * own_rate / 60.0 * kDtS + e * advance +
                 e * kLockCyclesPerS * std::sin(kTwoPi * error) * kDtS + e * kLockJitter * jitter +
                 (1.0 - e) * pull * kDtS;
      p.breath_rate = (1.0 - e) * own_rate + e * pacer.rate_bpm();
    } else {
      p.phase += own_rate / 60.0 * kDtS + pull * kDtS;
      p.breath_rate = own_rate;
    }
    p.phase -= std::floor(p.phase);
    const double resp = (1.0 - 0.3 * p.activation) * std::sin(kTwoPi * p.phase) +
                        0.15 * p.wander + 0.02 * p.rng.normal();
    sink.on_respiration(p.seat, t, resp);

    if (t >= p.dropout_until_ms &&
        p.rng.chance(params_.dropouts_per_min * kDtS / 60.0)) {
      p.dropout_until_ms =
          t + static_cast<std::int64_t>(1000.0 * p.rng.uniform(params_.dropout_min_s, params_.dropout_max_s));
      ++p.stats.dropouts;
    }

    while (p.next_beat_ms <= t) {
      SimBeat beat{p.next_beat_ms, p.next_rr_ms, 0, p.next_truth};
      if (beat.t_ms < p.dropout_until_ms) {
        ++p.stats.beats_hidden;
      } else {
        ++p.stats.beats_emitted;
        sink.on_beat(p.seat, beat);
      }
      p.schedule_next_beat(params_.ectopic_per_beat);
    }
  }
}

}  // namespace attune::sim
