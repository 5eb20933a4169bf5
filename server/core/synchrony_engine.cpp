// Orchestration: one BeatSeries and one state machine per seat, the per-
// second pipeline (metrics -> calibration -> arousal -> state -> pair WCC ->
// shared state) and the summary accumulators. The metric functions it
// calls hold the science; this file only decides what runs when.
#include "core/synchrony_engine.hpp"

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <utility>

#include "core/arousal_index.hpp"
#include "core/beat_series.hpp"
#include "core/heart_rate_synchrony.hpp"
#include "core/numeric.hpp"
#include "core/participant_metrics.hpp"
#include "core/regulation_state_machine.hpp"
#include "core/robust_baseline.hpp"
#include "core/shared_state.hpp"

namespace attune::core {
namespace {

constexpr std::int64_t kSecondMs = 1000;

struct CalibrationSecond {
  std::int64_t t_ms;
  std::optional<double> hr_bpm;
  std::optional<double> ln_rmssd;
};

struct SeatState {
  explicit SeatState(const EngineConfig& cfg)
      : beats(cfg),
        machine(RegulationThresholds{cfg.activate_above, cfg.activate_hold_ms, cfg.settle_below,
                                     cfg.settle_hold_ms}) {}

  bool present_at(std::int64_t t_ms) const {
    return beats.first_beat_ms() && *beats.first_beat_ms() <= t_ms;
  }

  BeatSeries beats;
  RegulationStateMachine machine;
  std::deque<CalibrationSecond> calibration;
  std::optional<RobustBaseline> baseline_hr;
  std::optional<RobustBaseline> baseline_ln_rmssd;
  std::deque<std::pair<std::int64_t, double>> arousal_raw;  // smoothing window

  double sum_hr = 0.0, sum_rmssd = 0.0;
  std::uint64_t n_hr = 0, n_rmssd = 0;
  StateSeconds time_in_state;
};

struct PairAccumulator {
  Seat first, second;
  std::uint32_t windows = 0;
  double sum_r0 = 0.0, sum_peak_r = 0.0, sum_abs_peak_r = 0.0;
  std::uint32_t first_leads = 0, second_leads = 0;
};

void add_state_time(StateSeconds& t, RegulationState s, double seconds) {
  switch (s) {
    case RegulationState::Unknown: t.unknown += seconds; break;
    case RegulationState::Settled: t.settled += seconds; break;
    case RegulationState::Activated: t.activated += seconds; break;
    case RegulationState::ShutDown: t.shut_down += seconds; break;
  }
}

void add_shared_time(SharedSeconds& t, SharedState s, double seconds) {
  switch (s) {
    case SharedState::Waiting: t.waiting += seconds; break;
    case SharedState::Calibrating: t.calibrating += seconds; break;
    case SharedState::LowSignal: t.low_signal += seconds; break;
    case SharedState::Connected: t.connected += seconds; break;
    case SharedState::Settled: t.settled += seconds; break;
    case SharedState::OneActivated: t.one_activated += seconds; break;
    case SharedState::CoEscalation: t.co_escalation += seconds; break;
    case SharedState::Withdrawn: t.withdrawn += seconds; break;
  }
}

std::optional<double> mean_or_none(double sum, std::uint64_t n) {
  if (n == 0) return std::nullopt;
  return finite_or_none(sum / static_cast<double>(n));
}

}  // namespace

struct SynchronyEngine::Impl {
  explicit Impl(EngineConfig c) : cfg(std::move(c)) {
    for (std::size_t i = 0; i < kSeatCount; ++i) seats.emplace_back(cfg);
    pairs = {PairAccumulator{Seat::A, Seat::B}, PairAccumulator{Seat::A, Seat::Clinician},
             PairAccumulator{Seat::B, Seat::Clinician}};
  }

  EngineConfig cfg;
  std::vector<SeatState> seats;
  std::array<PairAccumulator, 3> pairs;
  std::optional<std::int64_t> next_second;
  std::optional<Snapshot> latest;
  double data_seconds = 0.0;
  SharedSeconds time_in_shared;

  SeatState& seat(Seat s) { return seats[static_cast<std::size_t>(s)]; }

  std::int64_t retention_ms() const {
    // Longest look-back of any window: RMSSD, or the WCC window with its
    // lags, the spline margin and the largest allowed lag of the window end.
    const double step = 1000.0 / cfg.grid_hz;
    const auto wcc = static_cast<std::int64_t>(
        static_cast<double>(cfg.wcc_window_ms + cfg.wcc_max_lag_ms) + 2 * step);
    const std::int64_t wcc_back = cfg.max_gap_ms + wcc + cfg.wcc_spline_margin_ms;
    return std::max({cfg.rmssd_window_ms, cfg.hr_window_ms, wcc_back}) + 2 * kSecondMs;
  }

  void update_calibration(SeatState& s, std::int64_t t_ms, const ParticipantSecond& m) {
    s.calibration.push_back({t_ms, m.hr_bpm, m.ln_rmssd});
    while (!s.calibration.empty() && s.calibration.front().t_ms <= t_ms - cfg.baseline_ms) {
      s.calibration.pop_front();
    }
    if (t_ms - *s.beats.first_beat_ms() < cfg.baseline_ms) return;
    std::vector<double> hr, ln;
    for (const auto& c : s.calibration) {
      if (c.hr_bpm) hr.push_back(*c.hr_bpm);
      if (c.ln_rmssd) ln.push_back(*c.ln_rmssd);
    }
    const auto need = static_cast<std::size_t>(cfg.baseline_min_values);
    if (hr.size() < need || ln.size() < need) return;  // keep sliding
    s.baseline_hr = robust_baseline(hr, cfg.mad_scale, cfg.baseline_hr_scale_floor_bpm);
    s.baseline_ln_rmssd = robust_baseline(ln, cfg.mad_scale, cfg.baseline_ln_rmssd_scale_floor);
    s.calibration.clear();
  }

  std::optional<double> smoothed_arousal(SeatState& s, std::int64_t t_ms,
                                         std::optional<double> raw) {
    while (!s.arousal_raw.empty() &&
           s.arousal_raw.front().first <= t_ms - cfg.arousal_smoothing_ms) {
      s.arousal_raw.pop_front();
    }
    if (!raw) return std::nullopt;
    s.arousal_raw.emplace_back(t_ms, *raw);
    double sum = 0.0;
    for (const auto& a : s.arousal_raw) sum += a.second;
    return finite_or_none(sum / static_cast<double>(s.arousal_raw.size()));
  }

  ParticipantSnapshot participant_second(SeatState& s, std::int64_t t_ms) {
    const ParticipantSecond m = participant_metrics_at(s.beats, t_ms, cfg);
    if (m.streaming && !s.baseline_hr) update_calibration(s, t_ms, m);

    ParticipantSnapshot p;
    p.streaming = m.streaming;
    p.calibrating = !s.baseline_hr;
    p.hr_bpm = m.hr_bpm;
    p.rmssd_ms = m.rmssd_ms;
    p.ln_rmssd = m.ln_rmssd;
    p.artifact_fraction = m.artifact_fraction;
    std::optional<double> raw;
    if (!p.calibrating && m.hr_bpm && m.ln_rmssd) {
      raw = finite_or_none(
          arousal_index(*m.hr_bpm, *m.ln_rmssd, *s.baseline_hr, *s.baseline_ln_rmssd));
    }
    p.arousal = smoothed_arousal(s, t_ms, raw);
    p.state = s.machine.step(p.arousal);

    if (s.present_at(t_ms)) add_state_time(s.time_in_state, p.state, 1.0);
    if (p.hr_bpm) { s.sum_hr += *p.hr_bpm; ++s.n_hr; }
    if (p.rmssd_ms) { s.sum_rmssd += *p.rmssd_ms; ++s.n_rmssd; }
    return p;
  }

  PairSnapshot pair_second(PairAccumulator& acc, const Snapshot& snap) {
    PairSnapshot p;
    p.first = acc.first;
    p.second = acc.second;
    const auto i1 = static_cast<std::size_t>(acc.first);
    const auto i2 = static_cast<std::size_t>(acc.second);
    if (!snap.participants[i1].streaming || !snap.participants[i2].streaming) return p;
    const auto s = heart_rate_synchrony(seats[i1].beats, seats[i2].beats, snap.t_ms, cfg);
    if (!s) return p;
    p.wcc_r0 = s->r0;
    p.wcc_peak_r = s->peak_r;
    p.wcc_peak_lag_s = s->peak_lag_s;
    p.wcc_peak_z = s->peak_z;

    ++acc.windows;
    acc.sum_r0 += s->r0;
    acc.sum_peak_r += s->peak_r;
    acc.sum_abs_peak_r += std::fabs(s->peak_r);
    // Positive lag: the second follows, so the first leads.
    if (s->peak_lag_s > cfg.leader_dead_zone_s) ++acc.first_leads;
    if (s->peak_lag_s < -cfg.leader_dead_zone_s) ++acc.second_leads;
    return p;
  }

  void compute_second(std::int64_t t_ms) {
    Snapshot snap;
    snap.t_ms = t_ms;
    for (std::size_t i = 0; i < kSeatCount; ++i) {
      snap.participants[i] = participant_second(seats[i], t_ms);
    }
    snap.pairs.push_back(pair_second(pairs[0], snap));
    if (snap.participants[static_cast<std::size_t>(Seat::Clinician)].streaming) {
      snap.pairs.push_back(pair_second(pairs[1], snap));
      snap.pairs.push_back(pair_second(pairs[2], snap));
    }
    const auto status = [&snap](Seat s) {
      const ParticipantSnapshot& p = snap.participants[static_cast<std::size_t>(s)];
      return PartnerStatus{p.streaming, p.calibrating, p.state};
    };
    const SharedDecision d = shared_state(status(Seat::A), status(Seat::B), snap.pairs[0].wcc_peak_r,
                                          cfg.connected_min_abs_r);
    snap.shared = d.state;
    snap.activated = d.activated;
    add_shared_time(time_in_shared, d.state, 1.0);
    data_seconds += 1.0;

    for (SeatState& s : seats) s.beats.prune_before(t_ms - retention_ms());
    latest = std::move(snap);
  }

  bool latest_is_silent() const {
    for (const auto& p : latest->participants) {
      if (p.streaming) return false;
    }
    return true;
  }

  // The last whole second before the next beat of any seat after t_ms,
  // capped at `limit`: every second up to it is as silent as t_ms.
  std::int64_t silent_until(std::int64_t t_ms, std::int64_t limit) const {
    std::int64_t end = limit;
    for (const SeatState& s : seats) {
      const std::size_t i = s.beats.first_after(t_ms);
      if (i < s.beats.beats().size()) {
        const std::int64_t next_beat = s.beats.beats()[i].t_ms;
        end = std::min(end, ceil_div(next_beat, kSecondMs) * kSecondMs - kSecondMs);
      }
    }
    return end;
  }

  // Accumulates `n` more silent seconds identical to `latest` (bar t_ms).
  void repeat_silent(std::int64_t n) {
    const auto secs = static_cast<double>(n);
    for (std::size_t i = 0; i < kSeatCount; ++i) {
      if (seats[i].present_at(latest->t_ms)) {
        add_state_time(seats[i].time_in_state, latest->participants[i].state, secs);
      }
    }
    add_shared_time(time_in_shared, latest->shared, secs);
    data_seconds += secs;
  }

  std::int64_t first_second(std::int64_t t_ms) const {
    std::optional<std::int64_t> first_beat;
    for (const SeatState& s : seats) {
      if (s.beats.first_beat_ms() && (!first_beat || *s.beats.first_beat_ms() < *first_beat)) {
        first_beat = s.beats.first_beat_ms();
      }
    }
    if (first_beat) return ceil_div(*first_beat, kSecondMs) * kSecondMs;
    return floor_div(t_ms, kSecondMs) * kSecondMs;
  }

  void advance(std::int64_t t_ms, const std::function<void(const Snapshot&)>* on_snapshot) {
    t_ms = std::clamp(t_ms, -kMaxAbsTimeMs, kMaxAbsTimeMs);
    if (!next_second) next_second = first_second(t_ms);
    const std::int64_t last_second = floor_div(t_ms, kSecondMs) * kSecondMs;
    while (*next_second <= last_second) {
      compute_second(*next_second);
      if (on_snapshot) (*on_snapshot)(*latest);
      std::int64_t done = *next_second;
      if (latest_is_silent()) {
        const std::int64_t until = silent_until(done, last_second);
        if (until > done) {
          repeat_silent((until - done) / kSecondMs);
          if (on_snapshot) {
            for (std::int64_t s = done + kSecondMs; s <= until; s += kSecondMs) {
              latest->t_ms = s;
              (*on_snapshot)(*latest);
            }
          }
          latest->t_ms = until;
          done = until;
        }
      }
      next_second = done + kSecondMs;
    }
  }

  PairSummary pair_summary(const PairAccumulator& acc) const {
    PairSummary p;
    p.first = acc.first;
    p.second = acc.second;
    p.windows = acc.windows;
    p.mean_wcc_r0 = mean_or_none(acc.sum_r0, acc.windows);
    p.mean_wcc_peak_r = mean_or_none(acc.sum_peak_r, acc.windows);
    p.mean_abs_wcc_peak_r = mean_or_none(acc.sum_abs_peak_r, acc.windows);
    if (acc.windows > 0) {
      p.leader_first_share = static_cast<double>(acc.first_leads) / acc.windows;
      p.leader_second_share = static_cast<double>(acc.second_leads) / acc.windows;
    }
    return p;
  }

  ParticipantSummary participant_summary(const SeatState& s) const {
    ParticipantSummary p;
    p.present = s.beats.accepted() > 0;
    p.beats_received = s.beats.received();
    p.beats_rejected = s.beats.artifacts() + s.beats.ignored();
    if (s.beats.accepted() > 0) {
      p.artifact_fraction =
          static_cast<double>(s.beats.artifacts()) / static_cast<double>(s.beats.accepted());
    }
    p.mean_hr_bpm = mean_or_none(s.sum_hr, s.n_hr);
    p.mean_rmssd_ms = mean_or_none(s.sum_rmssd, s.n_rmssd);
    if (s.baseline_hr) p.baseline_hr_bpm = s.baseline_hr->median;
    if (s.baseline_ln_rmssd) p.baseline_ln_rmssd = s.baseline_ln_rmssd->median;
    p.time_in_state = s.time_in_state;
    return p;
  }
};

SynchronyEngine::SynchronyEngine(EngineConfig config) {
  const auto problems = config.problems();
  if (!problems.empty()) throw std::invalid_argument("EngineConfig: " + problems.front());
  impl_ = std::make_unique<Impl>(std::move(config));
}

SynchronyEngine::~SynchronyEngine() = default;
SynchronyEngine::SynchronyEngine(SynchronyEngine&&) noexcept = default;
SynchronyEngine& SynchronyEngine::operator=(SynchronyEngine&&) noexcept = default;

BeatVerdict SynchronyEngine::add_beat(Seat seat, const Beat& beat) {
  const auto i = static_cast<std::size_t>(seat);
  if (i >= kSeatCount) return BeatVerdict::Rejected;
  return impl_->seats[i].beats.add(beat);
}

void SynchronyEngine::advance_to(std::int64_t t_ms) { impl_->advance(t_ms, nullptr); }

void SynchronyEngine::advance_to(std::int64_t t_ms,
                                 const std::function<void(const Snapshot&)>& on_snapshot) {
  impl_->advance(t_ms, &on_snapshot);
}

const std::optional<Snapshot>& SynchronyEngine::latest() const { return impl_->latest; }

EngineSummary SynchronyEngine::summary() const {
  EngineSummary out;
  out.data_seconds = impl_->data_seconds;
  for (std::size_t i = 0; i < kSeatCount; ++i) {
    out.participants[i] = impl_->participant_summary(impl_->seats[i]);
  }
  out.pairs.push_back(impl_->pair_summary(impl_->pairs[0]));
  if (out.participants[static_cast<std::size_t>(Seat::Clinician)].present) {
    out.pairs.push_back(impl_->pair_summary(impl_->pairs[1]));
    out.pairs.push_back(impl_->pair_summary(impl_->pairs[2]));
  }
  out.time_in_shared = impl_->time_in_shared;
  return out;
}

const EngineConfig& SynchronyEngine::config() const { return impl_->cfg; }

}  // namespace attune::core
