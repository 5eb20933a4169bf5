// Orchestration: one BeatSeries and one state machine per seat, the per-
// second pipeline (metrics -> calibration -> arousal -> state -> pair WCC ->
// shared state) and the summary accumulators. The metric functions it
// calls hold the science; this file only decides what runs when.
#include "core/synchrony_engine.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "core/arousal_index.hpp"
#include "core/arousal_trend.hpp"
#include "core/beat_resampling.hpp"
#include "core/beat_series.hpp"
#include "core/breathing.hpp"
#include "core/respiration.hpp"
#include "core/surrogate_test.hpp"
#include "core/wcc_span_test.hpp"
#include "core/heart_rate_synchrony.hpp"
#include "core/held.hpp"
#include "core/leader_window.hpp"
#include "core/numeric.hpp"
#include "core/participant_metrics.hpp"
#include "core/regulation_state_machine.hpp"
#include "core/ring_queue.hpp"
#include "core/robust_baseline.hpp"
#include "core/session_above_chance.hpp"
#include "core/shared_state.hpp"

namespace attune::core {
namespace {

constexpr std::int64_t kSecondMs = 1000;
constexpr std::size_t kPartnerSeats = 2;  // A and B: seats 0 and 1

struct CalibrationSecond {
  std::int64_t t_ms;
  std::optional<double> hr_bpm;
  std::optional<double> ln_rmssd;
};

struct SeatState {
  explicit SeatState(const EngineConfig& cfg)
      : beats(cfg),
        resp(static_cast<std::size_t>(cfg.max_buffered_resp_samples)),
        resp_phases(breath_phase_capacity(cfg)),
        machine(RegulationThresholds{cfg.activate_above, cfg.activate_hold_ms, cfg.settle_below,
                                     cfg.settle_hold_ms}) {}

  bool present_at(std::int64_t t_ms) const {
    return beats.first_beat_ms() && *beats.first_beat_ms() <= t_ms;
  }

  BeatSeries beats;
  RespirationSeries resp;
  BreathPhaseHistory resp_phases;  // stitched 5 Hz breathing phases (breathing.hpp)
  RegulationStateMachine machine;
  RingQueue<std::pair<std::int64_t, double>> breath_calibration;
  std::optional<RobustBaseline> baseline_breath;
  // Held between updates (coherence_update_ms, spectral_update_ms, resp_update_ms).
  Held<double> coherence_held, lf_held, hf_held, rsa_held, breath_rate_held, ie_held;
  std::optional<double> epoch_ln_rmssd;  // of the current second, at epoch ends
  double sum_sdnn = 0.0, sum_lf = 0.0, sum_hf = 0.0, sum_coherence = 0.0, sum_breath = 0.0;
  std::uint64_t n_sdnn = 0, n_lf = 0, n_hf = 0, n_coherence = 0, n_breath = 0;
  RingQueue<CalibrationSecond> calibration;
  std::optional<RobustBaseline> baseline_hr;
  std::optional<RobustBaseline> baseline_ln_rmssd;
  RingQueue<std::pair<std::int64_t, double>> arousal_raw;  // smoothing window
  std::optional<StoredBaseline> stored;  // from earlier sessions (set_stored_baseline)
  std::uint32_t baseline_values = 0, baseline_breath_values = 0;

  double sum_hr = 0.0, sum_rmssd = 0.0;
  std::uint64_t n_hr = 0, n_rmssd = 0;
  StateSeconds time_in_state;
};

// Running co-moments for a whole-session Pearson r (Welford-style update).
struct RunningCorrelation {
  std::uint32_t n = 0;
  double mean_x = 0, mean_y = 0, sxx = 0, syy = 0, sxy = 0;
  void add(double x, double y) {
    ++n;
    const double dx = x - mean_x;
    mean_x += dx / n;
    const double dy = y - mean_y;
    mean_y += dy / n;
    sxx += dx * (x - mean_x);
    syy += dy * (y - mean_y);
    sxy += dx * (y - mean_y);
  }
  std::optional<double> r() const {
    if (n < 3 || !(sxx > 0) || !(syy > 0)) return std::nullopt;
    return finite_or_none(std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0));
  }
};

struct PairAccumulator {
  PairAccumulator(std::int64_t leader_window_ms, std::int64_t hr_span_ms, std::int64_t plv_span_ms)
      : leads(leader_window_ms), session_z(hr_span_ms), session_plv_z(plv_span_ms) {}
  Seat first = Seat::A, second = Seat::B;
  std::uint32_t windows = 0;
  double sum_r0 = 0.0, sum_peak_r = 0.0, sum_abs_peak_r = 0.0;
  std::uint32_t first_leads = 0, second_leads = 0;
  // Rolling windows (bounded by their length in seconds or epochs).
  LeaderWindow leads;                                           // who led, each second of valid WCC
  RingQueue<std::array<double, 3>> arousal;                    // (T, a1, a2)
  RingQueue<std::array<double, 3>> epochs;                     // (T, ln1, ln2)
  std::optional<double> above_chance_z, plv_z;                  // held between tests
  std::optional<double> plv_held, rel_phase_held;               // held between updates
  RunningCorrelation linkage;
  std::uint32_t plv_windows = 0, arousal_r_n = 0;
  double sum_plv = 0.0, sum_arousal_r = 0.0;
  std::uint32_t z_tests = 0, z_above = 0, plv_z_tests = 0, plv_z_above = 0;
  double sum_z = 0.0, sum_plv_z = 0.0;
  StoufferOverDisjointSpans session_z, session_plv_z;  // the session-end tests
};

std::optional<double> pearson_of(const RingQueue<std::array<double, 3>>& rows, std::size_t min_n) {
  if (rows.size() < min_n) return std::nullopt;
  thread_local std::vector<double> a, b;  // reused: no allocation per second
  a.clear();
  b.clear();
  for (const auto& r : rows) {
    a.push_back(r[1]);
    b.push_back(r[2]);
  }
  return pearson_r(a.data(), b.data(), a.size(), 1e-9);
}

bool is_multiple(std::int64_t t_ms, std::int64_t period_ms) {
  return period_ms > 0 && t_ms % period_ms == 0;
}

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

// The baseline arousal is measured against: a stored one when given (each
// field; breath falls back to the session's own), else the session's own.
struct EffectiveBaseline {
  const RobustBaseline* hr = nullptr;
  const RobustBaseline* ln_rmssd = nullptr;
  const RobustBaseline* breath = nullptr;
  BaselineSource source = BaselineSource::None;
};

template <typename S>
EffectiveBaseline effective_baseline(const S& s) {
  auto ptr = [](const std::optional<RobustBaseline>& b) { return b ? &*b : nullptr; };
  if (s.stored) {
    const RobustBaseline* breath = ptr(s.stored->breath_rate_bpm);
    return {ptr(s.stored->hr_bpm), ptr(s.stored->ln_rmssd), breath ? breath : ptr(s.baseline_breath),
            BaselineSource::Stored};
  }
  if (s.baseline_hr && s.baseline_ln_rmssd)
    return {&*s.baseline_hr, &*s.baseline_ln_rmssd, ptr(s.baseline_breath), BaselineSource::Session};
  return {};
}

}  // namespace

struct SynchronyEngine::Impl {
  explicit Impl(EngineConfig c)
      : cfg(std::move(c)),
        pairs{PairAccumulator(cfg.leader_window_ms, cfg.surrogate_span_ms, cfg.plv_span_ms),
              PairAccumulator(cfg.leader_window_ms, cfg.surrogate_span_ms, cfg.plv_span_ms),
              PairAccumulator(cfg.leader_window_ms, cfg.surrogate_span_ms, cfg.plv_span_ms)},
        episodes(cfg.episode_max_signal_loss_ms, static_cast<std::size_t>(cfg.episode_list_max)),
        ab_trend(ArousalTrendThresholds::from(cfg)) {
    // The partners' state now; the clinician's when first used (seat_at):
    // most rooms have no clinician (issue 3, memory).
    seats.reserve(kPartnerSeats);
    for (std::size_t i = 0; i < kPartnerSeats; ++i) seats.emplace_back(cfg);
    resp_sos = butterworth_bandpass(static_cast<int>(cfg.resp_filter_order), cfg.resp_band_lo_hz,
                                    cfg.resp_band_hi_hz, cfg.resp_grid_hz)
                   .value_or(std::vector<Biquad>{});
    const Seat order[3][2] = {{Seat::A, Seat::B}, {Seat::A, Seat::Clinician}, {Seat::B, Seat::Clinician}};
    for (std::size_t i = 0; i < 3; ++i) {
      pairs[i].first = order[i][0];
      pairs[i].second = order[i][1];
    }
  }

  EngineConfig cfg;
  std::vector<Biquad> resp_sos;
  std::vector<SeatState> seats;
  std::array<PairAccumulator, 3> pairs;
  std::optional<std::int64_t> next_second;
  std::optional<Snapshot> latest;
  double data_seconds = 0.0;
  SharedSeconds time_in_shared;
  CoregulationEpisodes episodes;  // partners A and B only (docs/metrics.md)
  ArousalTrend ab_trend;          // CO_ESCALATION by rising arousal, A-B

  // Seat i's state, created on first use. A seat without state is exactly
  // one that never received anything: its snapshot is the default
  // ParticipantSnapshot (not streaming, calibrating, UNKNOWN), which is
  // what its state would have computed every second. Code that indexes
  // `seats` directly must stay below seats.size() (the pairs with the
  // clinician run only once the clinician has sent something).
  SeatState& seat_at(std::size_t i) {
    if (seats.size() <= i) seats.reserve(i + 1);
    while (seats.size() <= i) seats.emplace_back(cfg);
    return seats[i];
  }
  SeatState& seat(Seat s) { return seat_at(static_cast<std::size_t>(s)); }

  std::int64_t retention_ms() const {
    // Longest look-back of any window: RMSSD, or the WCC window with its
    // lags, the spline margin and the largest allowed lag of the window end.
    const double step = 1000.0 / cfg.grid_hz;
    const auto wcc = static_cast<std::int64_t>(
        static_cast<double>(cfg.wcc_window_ms + cfg.wcc_max_lag_ms) + 2 * step);
    const std::int64_t wcc_back = cfg.max_gap_ms + wcc + cfg.wcc_spline_margin_ms;
    const auto grid_back = [&](std::int64_t w) {
      return cfg.max_gap_ms + w + static_cast<std::int64_t>(2 * step) + cfg.wcc_spline_margin_ms;
    };
    return std::max({cfg.rmssd_window_ms, cfg.hr_window_ms, wcc_back, cfg.long_window_ms,
                     grid_back(cfg.long_window_ms), grid_back(cfg.coherence_window_ms),
                     grid_back(cfg.surrogate_span_ms)}) +
           2 * kSecondMs;
  }

  std::int64_t resp_retention_ms() const {
    return cfg.resp_buffer_ms + cfg.max_gap_ms + cfg.resp_max_gap_ms + 2 * kSecondMs;
  }

  void update_breath_calibration(SeatState& s, std::int64_t t_ms, std::optional<double> rate) {
    if (s.baseline_breath || !s.resp.first_sample_ms()) return;
    if (rate) s.breath_calibration.emplace_back(t_ms, *rate);
    while (!s.breath_calibration.empty() &&
           s.breath_calibration.front().first <= t_ms - cfg.baseline_ms) {
      s.breath_calibration.pop_front();
    }
    if (static_cast<double>(t_ms) - *s.resp.first_sample_ms() < static_cast<double>(cfg.baseline_ms)) return;
    if (s.breath_calibration.size() < static_cast<std::size_t>(cfg.baseline_min_values)) return;
    std::vector<double> v;
    for (const auto& c : s.breath_calibration) v.push_back(c.second);
    s.baseline_breath = robust_baseline(v, cfg.mad_scale, cfg.baseline_breath_scale_floor_bpm);
    s.baseline_breath_values = static_cast<std::uint32_t>(v.size());
    s.breath_calibration.release();
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
    s.baseline_values = static_cast<std::uint32_t>(std::min(hr.size(), ln.size()));
    s.calibration.release();
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

  // At a respiration update second: every seat's grid buffer, band-passed
  // two seats at a time (sosfiltfilt_pair_into: one lane each, the same
  // values as one at a time, for about half the time; perf, issue 3).
  void filter_breathing(std::int64_t t_ms, std::array<BreathingBuffer, kSeatCount>& bufs) {
    std::optional<std::size_t> waiting;  // a gridded seat without a partner yet
    for (std::size_t i = 0; i < seats.size(); ++i) {
      BreathingBuffer& b = bufs[i];
      respiration_buffer_at(seats[i].resp, t_ms, cfg, b);
      if (!b.gridded) continue;
      if (!waiting) {
        waiting = i;
        continue;
      }
      BreathingBuffer& a = bufs[*waiting];
      const bool ok = sosfiltfilt_pair_into(resp_sos, a.raw, b.raw, a.filtered, b.filtered);
      a.filtered_ok = b.filtered_ok = ok;
      waiting.reset();
    }
    if (waiting) {
      BreathingBuffer& a = bufs[*waiting];
      a.filtered_ok = sosfiltfilt_into(resp_sos, a.raw, a.filtered);
    }
  }

  ParticipantSnapshot participant_second(SeatState& s, std::int64_t t_ms,
                                         const BreathingBuffer* resp_buffer) {
    // Slow-window values are computed on their cadence and held in between
    // (docs/metrics.md "Update cadence"); resp_buffer is given at the
    // respiration update seconds (filter_breathing).
    const bool resp_due = resp_buffer != nullptr;
    RespirationSecond r = resp_due ? respiration_from_buffer(*resp_buffer, t_ms, cfg, &s.resp_phases)
                                   : respiration_at(s.resp, t_ms, cfg, resp_sos, false);
    r.breath_rate_bpm = s.breath_rate_held.update(r.streaming, resp_due, r.breath_rate_bpm);
    r.ie_ratio = s.ie_held.update(r.streaming, resp_due, r.ie_ratio);
    std::optional<double> breath_hz;
    if (r.breath_rate_bpm) breath_hz = *r.breath_rate_bpm / 60.0;
    const bool coherence_due = is_multiple(t_ms, cfg.coherence_update_ms);
    const bool spectral_due = is_multiple(t_ms, cfg.spectral_update_ms);
    ParticipantSecond m =
        participant_metrics_at(s.beats, t_ms, cfg, breath_hz, coherence_due, spectral_due);
    m.lf_ms2 = s.lf_held.update(m.streaming, spectral_due, m.lf_ms2);
    m.hf_ms2 = s.hf_held.update(m.streaming, spectral_due, m.hf_ms2);
    m.rsa_ms2 = s.rsa_held.update(m.streaming, spectral_due, m.rsa_ms2);
    if (m.streaming && !s.baseline_hr) update_calibration(s, t_ms, m);
    if (r.streaming) update_breath_calibration(s, t_ms, r.breath_rate_bpm);
    s.coherence_held.update(m.streaming, coherence_due, m.coherence);
    s.epoch_ln_rmssd.reset();
    if (is_multiple(t_ms, cfg.hrv_epoch_ms)) s.epoch_ln_rmssd = epoch_ln_rmssd(s.beats, t_ms, cfg);

    ParticipantSnapshot p;
    p.streaming = m.streaming;
    const EffectiveBaseline base = effective_baseline(s);
    p.calibrating = !base.hr;
    p.baseline_source = base.source;
    p.hr_bpm = m.hr_bpm;
    p.rmssd_ms = m.rmssd_ms;
    p.ln_rmssd = m.ln_rmssd;
    p.artifact_fraction = m.artifact_fraction;
    p.sdnn_ms = m.sdnn_ms;
    p.pnn50 = m.pnn50;
    p.lf_ms2 = m.lf_ms2;
    p.hf_ms2 = m.hf_ms2;
    p.rsa_ms2 = m.rsa_ms2;
    p.coherence = s.coherence_held.value();
    p.breathing = r.streaming;
    p.breath_rate_bpm = r.breath_rate_bpm;
    p.ie_ratio = r.ie_ratio;
    std::optional<double> raw;
    if (!p.calibrating && m.hr_bpm && m.ln_rmssd) {
      const bool with_breath = base.breath && r.breath_rate_bpm;
      raw = finite_or_none(
          with_breath ? arousal_index(*m.hr_bpm, *m.ln_rmssd, *r.breath_rate_bpm, *base.hr,
                                      *base.ln_rmssd, *base.breath)
                      : arousal_index(*m.hr_bpm, *m.ln_rmssd, *base.hr, *base.ln_rmssd));
    }
    p.arousal = smoothed_arousal(s, t_ms, raw);
    p.state = s.machine.step(p.arousal);

    if (s.present_at(t_ms)) add_state_time(s.time_in_state, p.state, 1.0);
    if (p.hr_bpm) { s.sum_hr += *p.hr_bpm; ++s.n_hr; }
    if (p.rmssd_ms) { s.sum_rmssd += *p.rmssd_ms; ++s.n_rmssd; }
    if (p.sdnn_ms) { s.sum_sdnn += *p.sdnn_ms; ++s.n_sdnn; }
    if (p.lf_ms2) { s.sum_lf += *p.lf_ms2; ++s.n_lf; }
    if (p.hf_ms2) { s.sum_hf += *p.hf_ms2; ++s.n_hf; }
    if (coherence_due && p.coherence) { s.sum_coherence += *p.coherence; ++s.n_coherence; }
    if (p.breath_rate_bpm) { s.sum_breath += *p.breath_rate_bpm; ++s.n_breath; }
    return p;
  }

  // Leader/follower shares of the valid WCC windows in (T - leader_window, T].
  void rolling_leader(PairAccumulator& acc, std::int64_t t_ms, PairSnapshot& p) const {
    acc.leads.advance(t_ms);
    if (acc.leads.size() == 0) return;
    const auto n = static_cast<double>(acc.leads.size());
    p.leader_first_share = static_cast<double>(acc.leads.first_leads()) / n;
    p.leader_second_share = static_cast<double>(acc.leads.second_leads()) / n;
  }

  std::optional<double> wcc_above_chance(const SeatState& s1, const SeatState& s2,
                                         std::int64_t t_ms, const HeartRateSynchrony& h) const {
    const double step = 1000.0 / cfg.grid_hz;
    const auto m = static_cast<std::size_t>(
        std::llround(static_cast<double>(cfg.surrogate_span_ms) / step));
    const std::int64_t first_k = h.grid_end_k - static_cast<std::int64_t>(m) + 1;
    const auto x = resample_clean_beats(s1.beats, t_ms, first_k, m, step, BeatQuantity::HeartRateBpm, cfg);
    const auto y = resample_clean_beats(s2.beats, t_ms, first_k, m, step, BeatQuantity::HeartRateBpm, cfg);
    if (!x || !y) return std::nullopt;
    const auto points = [step](std::int64_t ms) {
      return static_cast<std::size_t>(std::llround(static_cast<double>(ms) / step));
    };
    // Prewhitened (low-pass below the HF band, on the test's 1 Hz grid, first
    // difference): windows, lags and shifts count test-grid points.
    // docs/metrics.md "Above chance".
    const double test_step = 1000.0 / cfg.surrogate_grid_hz;
    const auto test_points = [test_step](std::int64_t ms) {
      return static_cast<std::size_t>(std::llround(static_cast<double>(ms) / test_step));
    };
    WccSpanSettings st;
    st.n = test_points(cfg.wcc_window_ms);
    st.max_lag = test_points(cfg.wcc_max_lag_ms);
    st.window_step = std::max<std::size_t>(1, test_points(cfg.surrogate_window_step_ms));
    st.min_shift = test_points(cfg.surrogate_min_shift_ms);
    st.shift_step = std::max<std::size_t>(1, test_points(cfg.surrogate_shift_step_ms));
    st.min_sd = cfg.wcc_min_sd_bpm;
    st.lowpass_taps = 2 * static_cast<std::size_t>(std::llround(static_cast<double>(points(cfg.surrogate_lowpass_ms)) / 2)) + 1;
    st.lowpass_fc = cfg.surrogate_lowpass_hz / cfg.grid_hz;
    st.decimation = static_cast<std::size_t>(std::llround(cfg.grid_hz / cfg.surrogate_grid_hz));
    // The peak of the span's WCC lag profile (r averaged lag by lag over its
    // windows; the last one is the published WCC) against the same for
    // circularly shifted partners (Moulder et al. 2018; wcc_span_test.hpp).
    const WccSpanTest t = wcc_span_test(*x, *y, st);
    if (!t.statistic) return std::nullopt;
    return surrogate_z(*t.statistic, t.surrogates);
  }

  PairSnapshot pair_second(PairAccumulator& acc, const Snapshot& snap) {
    PairSnapshot p;
    p.first = acc.first;
    p.second = acc.second;
    const auto i1 = static_cast<std::size_t>(acc.first);
    const auto i2 = static_cast<std::size_t>(acc.second);
    const ParticipantSnapshot& q1 = snap.participants[i1];
    const ParticipantSnapshot& q2 = snap.participants[i2];
    const std::int64_t t_ms = snap.t_ms;
    const bool test_due = is_multiple(t_ms, cfg.surrogate_update_ms);

    // Heart-rate synchrony, leader/follower, above chance.
    std::optional<HeartRateSynchrony> h;
    if (q1.streaming && q2.streaming) h = heart_rate_synchrony(seats[i1].beats, seats[i2].beats, t_ms, cfg);
    if (h) {
      p.wcc_r0 = h->r0;
      p.wcc_peak_r = h->peak_r;
      p.wcc_peak_lag_s = h->peak_lag_s;
      p.wcc_peak_z = h->peak_z;
      ++acc.windows;
      acc.sum_r0 += h->r0;
      acc.sum_peak_r += h->peak_r;
      acc.sum_abs_peak_r += std::fabs(h->peak_r);
      // Positive lag: the second follows, so the first leads.
      Lead lead = Lead::None;
      if (h->peak_lag_s > cfg.leader_dead_zone_s) {
        ++acc.first_leads;
        lead = Lead::First;
      }
      if (h->peak_lag_s < -cfg.leader_dead_zone_s) {
        ++acc.second_leads;
        lead = Lead::Second;
      }
      acc.leads.add(t_ms, lead);
      if (test_due) {
        acc.above_chance_z = wcc_above_chance(seats[i1], seats[i2], t_ms, *h);
        if (acc.above_chance_z) {
          ++acc.z_tests;
          acc.sum_z += *acc.above_chance_z;
          acc.session_z.add(t_ms, *acc.above_chance_z);
          if (*acc.above_chance_z >= cfg.above_chance_min_z) ++acc.z_above;
        }
      }
      p.above_chance_z = acc.above_chance_z;
    } else {
      acc.above_chance_z.reset();
    }
    rolling_leader(acc, t_ms, p);

    // Breathing synchrony, computed every resp_update_ms and held in between
    // while both breathe (docs/metrics.md "Update cadence").
    const bool resp_due = is_multiple(t_ms, cfg.resp_update_ms);
    if (!q1.breathing || !q2.breathing) {
      acc.plv_held.reset();
      acc.rel_phase_held.reset();
      acc.plv_z.reset();
    } else if (resp_due || test_due) {
      const auto b = breathing_synchrony(seats[i1].resp_phases, seats[i2].resp_phases, t_ms, cfg, test_due);
      acc.plv_held.reset();
      acc.rel_phase_held.reset();
      if (b) {
        acc.plv_held = finite_or_none(b->plv);
        acc.rel_phase_held = finite_or_none(b->rel_phase_rad);
      } else {
        acc.plv_z.reset();
      }
      if (b && test_due) {
        acc.plv_z = b->plv_z;
        if (acc.plv_z) {
          ++acc.plv_z_tests;
          acc.sum_plv_z += *acc.plv_z;
          acc.session_plv_z.add(t_ms, *acc.plv_z);
          if (*acc.plv_z >= cfg.above_chance_min_z) ++acc.plv_z_above;
        }
      }
    }
    if (acc.plv_held) {
      p.plv = acc.plv_held;
      p.rel_phase_rad = acc.rel_phase_held;
      p.plv_above_chance_z = acc.plv_z;
      ++acc.plv_windows;
      acc.sum_plv += *acc.plv_held;
    }
    if (q1.breath_rate_bpm && q2.breath_rate_bpm) {
      p.breath_rate_diff_bpm = finite_or_none(*q1.breath_rate_bpm - *q2.breath_rate_bpm);
    }

    // Arousal concordance over the seconds in (T - window, T] with both values.
    while (!acc.arousal.empty() &&
           acc.arousal.front()[0] <= static_cast<double>(t_ms - cfg.arousal_concordance_window_ms)) {
      acc.arousal.pop_front();
    }
    if (q1.arousal && q2.arousal) {
      acc.arousal.push_back({static_cast<double>(t_ms), *q1.arousal, *q2.arousal});
    }
    p.arousal_r = pearson_of(acc.arousal, static_cast<std::size_t>(cfg.arousal_concordance_min_values));
    if (p.arousal_r) {
      ++acc.arousal_r_n;
      acc.sum_arousal_r += *p.arousal_r;
    }

    // HRV linkage: one lnRMSSD pair per epoch, rolling window of epochs.
    while (!acc.epochs.empty() &&
           acc.epochs.front()[0] <= static_cast<double>(t_ms - cfg.hrv_linkage_window_ms)) {
      acc.epochs.pop_front();
    }
    if (seats[i1].epoch_ln_rmssd && seats[i2].epoch_ln_rmssd) {
      acc.epochs.push_back({static_cast<double>(t_ms), *seats[i1].epoch_ln_rmssd, *seats[i2].epoch_ln_rmssd});
      acc.linkage.add(*seats[i1].epoch_ln_rmssd, *seats[i2].epoch_ln_rmssd);
    }
    p.hrv_linkage_r = pearson_of(acc.epochs, static_cast<std::size_t>(cfg.hrv_linkage_min_epochs));
    return p;
  }

  void compute_second(std::int64_t t_ms) {
    Snapshot snap;
    if (latest) {  // reuse the pairs' storage: latest is replaced below
      snap.pairs = std::move(latest->pairs);
      snap.pairs.clear();
    }
    snap.t_ms = t_ms;
    thread_local std::array<BreathingBuffer, kSeatCount> resp_buffers;  // scratch, per thread
    const bool resp_due = is_multiple(t_ms, cfg.resp_update_ms);
    if (resp_due) filter_breathing(t_ms, resp_buffers);
    for (std::size_t i = 0; i < seats.size(); ++i) {
      snap.participants[i] = participant_second(seats[i], t_ms, resp_due ? &resp_buffers[i] : nullptr);
    }
    snap.pairs.push_back(pair_second(pairs[0], snap));
    const ParticipantSnapshot& c = snap.participants[static_cast<std::size_t>(Seat::Clinician)];
    if (c.streaming || c.breathing) {
      snap.pairs.push_back(pair_second(pairs[1], snap));
      snap.pairs.push_back(pair_second(pairs[2], snap));
    }
    const auto status = [&snap](Seat s) {
      const ParticipantSnapshot& p = snap.participants[static_cast<std::size_t>(s)];
      return PartnerStatus{p.streaming, p.calibrating, p.state};
    };
    const PairSnapshot& ab = snap.pairs[0];
    // Heart-rate synchrony above chance only (SYNCHRONY.md rule 7; the
    // breathing test is published beside it, docs/metrics.md "Above chance").
    const bool above = ab.above_chance_z && *ab.above_chance_z >= cfg.above_chance_min_z;
    const ParticipantSnapshot& pa = snap.participants[static_cast<std::size_t>(Seat::A)];
    const ParticipantSnapshot& pb = snap.participants[static_cast<std::size_t>(Seat::B)];
    const bool rising = ab_trend.step(t_ms, pa.arousal, pb.arousal, ab.arousal_r);
    const SharedDecision d = shared_state_above_chance(status(Seat::A), status(Seat::B), above, rising);
    snap.shared = d.state;
    snap.activated = d.activated;
    episodes.observe(t_ms, pa.state, pb.state);
    snap.episode = episodes.ongoing();
    add_shared_time(time_in_shared, d.state, 1.0);
    data_seconds += 1.0;

    for (SeatState& s : seats) {
      s.beats.prune_before(t_ms - retention_ms());
      s.resp.prune_before(static_cast<double>(t_ms - resp_retention_ms()));
    }
    latest = std::move(snap);
  }

  bool latest_is_silent() const {
    for (const auto& p : latest->participants) {
      if (p.streaming || p.breathing) return false;
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
      // The next respiration sample after t_ms, likewise.
      if (const auto next = s.resp.first_after(static_cast<double>(t_ms))) {
        const auto next_ms = static_cast<std::int64_t>(std::ceil(*next));
        end = std::min(end, ceil_div(next_ms, kSecondMs) * kSecondMs - kSecondMs);
      }
    }
    return end;
  }

  // Accumulates `n` more silent seconds identical to `latest` (bar t_ms).
  void repeat_silent(std::int64_t n) {
    const auto secs = static_cast<double>(n);
    for (std::size_t i = 0; i < seats.size(); ++i) {
      if (seats[i].present_at(latest->t_ms)) {
        add_state_time(seats[i].time_in_state, latest->participants[i].state, secs);
      }
    }
    add_shared_time(time_in_shared, latest->shared, secs);
    data_seconds += secs;
    episodes.observe_unknown(latest->t_ms + kSecondMs, n);  // silent: both UNKNOWN
    latest->episode = episodes.ongoing();
  }

  std::int64_t first_second(std::int64_t t_ms) const {
    std::optional<std::int64_t> first_beat;
    for (const SeatState& s : seats) {
      if (s.beats.first_beat_ms() && (!first_beat || *s.beats.first_beat_ms() < *first_beat)) {
        first_beat = s.beats.first_beat_ms();
      }
      if (s.resp.first_sample_ms()) {
        const auto t = static_cast<std::int64_t>(std::ceil(*s.resp.first_sample_ms()));
        if (!first_beat || t < *first_beat) first_beat = t;
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
    p.plv_windows = acc.plv_windows;
    p.mean_plv = mean_or_none(acc.sum_plv, acc.plv_windows);
    p.mean_arousal_r = mean_or_none(acc.sum_arousal_r, acc.arousal_r_n);
    p.hrv_linkage_r = acc.linkage.r();
    p.hrv_linkage_epochs = acc.linkage.n;
    p.above_chance_tests = acc.z_tests;
    p.mean_above_chance_z = mean_or_none(acc.sum_z, acc.z_tests);
    if (acc.z_tests > 0) p.above_chance_share = static_cast<double>(acc.z_above) / acc.z_tests;
    p.plv_above_chance_tests = acc.plv_z_tests;
    p.mean_plv_above_chance_z = mean_or_none(acc.sum_plv_z, acc.plv_z_tests);
    if (acc.plv_z_tests > 0) p.plv_above_chance_share = static_cast<double>(acc.plv_z_above) / acc.plv_z_tests;
    p.session_above_chance_spans = acc.session_z.spans();
    p.session_above_chance_z = acc.session_z.z();
    p.session_plv_above_chance_spans = acc.session_plv_z.spans();
    p.session_plv_above_chance_z = acc.session_plv_z.z();
    return p;
  }

  ParticipantSummary participant_summary(const SeatState& s) const {
    ParticipantSummary p;
    p.present = s.beats.accepted() > 0 || s.resp.accepted() > 0;
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
    const BeatClassCounts c = s.beats.class_counts();
    p.ectopic_beats = c.ectopic;
    p.missed_beats = c.missed;
    p.extra_beats = c.extra;
    p.long_short_beats = c.long_short;
    p.implausible_beats = c.implausible;
    p.resp_samples = s.resp.accepted();
    p.resp_samples_ignored = s.resp.ignored();
    p.mean_sdnn_ms = mean_or_none(s.sum_sdnn, s.n_sdnn);
    p.mean_lf_ms2 = mean_or_none(s.sum_lf, s.n_lf);
    p.mean_hf_ms2 = mean_or_none(s.sum_hf, s.n_hf);
    p.mean_coherence = mean_or_none(s.sum_coherence, s.n_coherence);
    p.mean_breath_rate_bpm = mean_or_none(s.sum_breath, s.n_breath);
    if (s.baseline_breath) p.baseline_breath_rate_bpm = s.baseline_breath->median;
    p.session_baseline = {s.baseline_hr, s.baseline_ln_rmssd, s.baseline_breath, s.baseline_values,
                          s.baseline_breath_values};
    p.baseline_source = effective_baseline(s).source;
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
  return impl_->seat_at(i).beats.add(beat);
}

std::size_t SynchronyEngine::add_respiration(Seat seat, std::int64_t t0_ms, double rate_hz,
                                             const double* values, std::size_t n) {
  const auto i = static_cast<std::size_t>(seat);
  if (i >= kSeatCount) return 0;
  return impl_->seat_at(i).resp.add(t0_ms, rate_hz, values, n);
}

void SynchronyEngine::advance_to(std::int64_t t_ms) { impl_->advance(t_ms, nullptr); }

void SynchronyEngine::advance_to(std::int64_t t_ms,
                                 const std::function<void(const Snapshot&)>& on_snapshot) {
  impl_->advance(t_ms, &on_snapshot);
}

bool SynchronyEngine::set_stored_baseline(Seat seat, const StoredBaseline& stored) {
  const auto i = static_cast<std::size_t>(seat);
  if (i >= kSeatCount || !usable(stored)) return false;
  SeatState& s = impl_->seat_at(i);
  if (s.baseline_hr) return false;  // calibration finished: too late to switch
  s.stored = sanitised(stored);
  return true;
}

const std::optional<Snapshot>& SynchronyEngine::latest() const { return impl_->latest; }

EngineSummary SynchronyEngine::summary() const {
  EngineSummary out;
  out.data_seconds = impl_->data_seconds;
  for (std::size_t i = 0; i < kSeatCount; ++i) {
    out.participants[i] = i < impl_->seats.size() ? impl_->participant_summary(impl_->seats[i])
                                                   : impl_->participant_summary(SeatState(impl_->cfg));
  }
  out.pairs.push_back(impl_->pair_summary(impl_->pairs[0]));
  if (out.participants[static_cast<std::size_t>(Seat::Clinician)].present) {
    out.pairs.push_back(impl_->pair_summary(impl_->pairs[1]));
    out.pairs.push_back(impl_->pair_summary(impl_->pairs[2]));
  }
  out.time_in_shared = impl_->time_in_shared;
  out.episodes = impl_->episodes.summary();
  return out;
}

const EngineConfig& SynchronyEngine::config() const { return impl_->cfg; }

}  // namespace attune::core
