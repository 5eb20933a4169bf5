#include "replay/jsonl_writer.hpp"

#include <charconv>
#include <cmath>
#include <optional>

namespace attune::replay {
namespace {

using core::kSeatCount;
using core::Seat;

class Obj {
 public:
  Obj() : out_("{") {}
  Obj& num(const char* k, const std::optional<double>& v) {
    key(k);
    if (v && std::isfinite(*v)) {
      char buf[40];
      auto r = std::to_chars(buf, buf + sizeof buf, *v);  // shortest round-trip
      out_.append(buf, r.ptr);
    } else {
      out_ += "null";
    }
    return *this;
  }
  Obj& integer(const char* k, long long v) {
    key(k);
    out_ += std::to_string(v);
    return *this;
  }
  Obj& str(const char* k, const char* v) {
    key(k);
    out_ += '"';
    out_ += v;
    out_ += '"';
    return *this;
  }
  Obj& raw(const char* k, const std::string& v) {
    key(k);
    out_ += v;
    return *this;
  }
  std::string done() { return out_ + "}"; }

 private:
  void key(const char* k) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += k;
    out_ += "\":";
  }
  std::string out_;
  bool first_ = true;
};

std::string participant(const core::ParticipantSnapshot& p) {
  return Obj()
      .num("hr_bpm", p.hr_bpm)
      .num("rmssd_ms", p.rmssd_ms)
      .num("ln_rmssd", p.ln_rmssd)
      .num("sdnn_ms", p.sdnn_ms)
      .num("pnn50", p.pnn50)
      .num("lf_ms2", p.lf_ms2)
      .num("hf_ms2", p.hf_ms2)
      .num("rsa_ms2", p.rsa_ms2)
      .num("coherence", p.coherence)
      .num("breath_rate_bpm", p.breath_rate_bpm)
      .num("ie_ratio", p.ie_ratio)
      .num("arousal", p.arousal)
      .str("state", state_name(p.state))
      .num("artifact_fraction", p.artifact_fraction)
      .done();
}

std::string pair(const core::PairSnapshot& p) {
  return Obj()
      .num("wcc_r0", p.wcc_r0)
      .num("wcc_peak_r", p.wcc_peak_r)
      .num("wcc_peak_lag_s", p.wcc_peak_lag_s)
      .num("wcc_peak_z", p.wcc_peak_z)
      .num("plv", p.plv)
      .num("rel_phase_rad", p.rel_phase_rad)
      .num("breath_rate_diff", p.breath_rate_diff_bpm)
      .num("arousal_r", p.arousal_r)
      .num("hrv_linkage_r", p.hrv_linkage_r)
      .num("above_chance_z", p.above_chance_z)
      .done();
}

std::string pair_name(Seat a, Seat b) { return std::string(core::seat_name(a)) + core::seat_name(b); }

// Co-regulation episodes of A and B (docs/metrics.md); times in data seconds
// like "t_s", so tests/reference/episodes_reference.py can recompute them
// from the per-second states.
std::string coregulation(const core::EpisodeSummary& e) {
  std::string list = "[";
  for (std::size_t i = 0; i < e.episodes.size(); ++i) {
    const auto& ep = e.episodes[i];
    if (i > 0) list += ',';
    list += Obj().str("activated", core::seat_name(ep.activated))
                .str("anchor", core::seat_name(ep.anchor))
                .integer("start_s", ep.start_ms / 1000)
                .integer("end_s", ep.end_ms / 1000)
                .num("duration_s", ep.duration_s())
                .str("outcome", core::episode_outcome_name(ep.outcome))
                .done();
  }
  list += ']';
  Obj seats;
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& c = e.seats[i];
    seats.raw(core::seat_name(static_cast<Seat>(i)),
              Obj().integer("activated", c.activated).integer("recovered", c.recovered)
                  .integer("anchored", c.anchored).integer("anchored_recovered", c.anchored_recovered)
                  .done());
  }
  return Obj().integer("total", e.total).integer("recovered", e.recovered)
      .integer("escalated", e.escalated).integer("lost", e.lost).integer("open", e.open)
      .num("median_recovery_s", e.median_recovery_s).num("mean_recovery_s", e.mean_recovery_s)
      .raw("seats", seats.done()).raw("episodes", list).done();
}

}  // namespace

const char* state_name(core::RegulationState s) {
  switch (s) {
    case core::RegulationState::Unknown: return "UNKNOWN";
    case core::RegulationState::Settled: return "SETTLED";
    case core::RegulationState::Activated: return "ACTIVATED";
    case core::RegulationState::ShutDown: return "SHUT_DOWN";
  }
  return "?";
}

const char* shared_name(core::SharedState s) {
  switch (s) {
    case core::SharedState::Waiting: return "WAITING";
    case core::SharedState::Calibrating: return "CALIBRATING";
    case core::SharedState::LowSignal: return "LOW_SIGNAL";
    case core::SharedState::Connected: return "CONNECTED";
    case core::SharedState::Settled: return "SETTLED";
    case core::SharedState::OneActivated: return "ONE_ACTIVATED";
    case core::SharedState::CoEscalation: return "CO_ESCALATION";
    case core::SharedState::Withdrawn: return "WITHDRAWN";
  }
  return "?";
}

std::string snapshot_json(const core::Snapshot& s, bool with_clinician) {
  Obj o;
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, s.t_ms / 1000);
  o.raw("t_s", std::string(buf, r.ptr));
  for (std::size_t i = 0; i < kSeatCount; ++i) {
    if (i == 2 && !with_clinician) continue;
    o.raw(core::seat_name(static_cast<Seat>(i)), participant(s.participants[i]));
  }
  Obj pairs;
  for (const auto& p : s.pairs) {
    const std::string name = pair_name(p.first, p.second);
    pairs.raw(name.c_str(), pair(p));
  }
  if (with_clinician && s.pairs.size() == 1) {  // clinician not streaming this second
    core::PairSnapshot empty_ac, empty_bc;  // all null
    empty_ac.second = empty_bc.second = Seat::Clinician;
    empty_bc.first = Seat::B;
    pairs.raw("AC", pair(empty_ac));
    pairs.raw("BC", pair(empty_bc));
  }
  o.raw("pairs", pairs.done());
  o.str("shared_state", shared_name(s.shared));
  return o.done();
}

std::string summary_json(const core::EngineSummary& s, const core::EngineConfig& cfg,
                         const std::string& input_report_json) {
  Obj sum;
  sum.num("data_seconds", s.data_seconds);
  Obj people;
  for (std::size_t i = 0; i < kSeatCount; ++i) {
    const auto& p = s.participants[i];
    if (!p.present) continue;
    Obj t;
    t.num("unknown", p.time_in_state.unknown).num("settled", p.time_in_state.settled)
        .num("activated", p.time_in_state.activated).num("shut_down", p.time_in_state.shut_down);
    people.raw(core::seat_name(static_cast<Seat>(i)),
               Obj().integer("beats_received", static_cast<long long>(p.beats_received))
                   .integer("beats_rejected", static_cast<long long>(p.beats_rejected))
                   .integer("ectopic_beats", static_cast<long long>(p.ectopic_beats))
                   .integer("missed_beats", static_cast<long long>(p.missed_beats))
                   .integer("extra_beats", static_cast<long long>(p.extra_beats))
                   .integer("long_short_beats", static_cast<long long>(p.long_short_beats))
                   .integer("implausible_beats", static_cast<long long>(p.implausible_beats))
                   .num("artifact_fraction", p.artifact_fraction)
                   .integer("resp_samples", static_cast<long long>(p.resp_samples))
                   .num("mean_hr_bpm", p.mean_hr_bpm)
                   .num("mean_rmssd_ms", p.mean_rmssd_ms)
                   .num("mean_sdnn_ms", p.mean_sdnn_ms)
                   .num("mean_lf_ms2", p.mean_lf_ms2)
                   .num("mean_hf_ms2", p.mean_hf_ms2)
                   .num("mean_coherence", p.mean_coherence)
                   .num("mean_breath_rate_bpm", p.mean_breath_rate_bpm)
                   .num("baseline_hr_bpm", p.baseline_hr_bpm)
                   .num("baseline_ln_rmssd", p.baseline_ln_rmssd)
                   .num("baseline_breath_rate_bpm", p.baseline_breath_rate_bpm)
                   .raw("time_in_state_s", t.done())
                   .done());
  }
  sum.raw("participants", people.done());
  Obj pairs;
  for (const auto& p : s.pairs) {
    const std::string name = pair_name(p.first, p.second);
    pairs.raw(name.c_str(),
              Obj().integer("windows", p.windows)
                  .num("mean_wcc_r0", p.mean_wcc_r0)
                  .num("mean_wcc_peak_r", p.mean_wcc_peak_r)
                  .num("mean_abs_wcc_peak_r", p.mean_abs_wcc_peak_r)
                  .num("leader_first_share", p.leader_first_share)
                  .num("leader_second_share", p.leader_second_share)
                  .integer("plv_windows", p.plv_windows)
                  .num("mean_plv", p.mean_plv)
                  .num("mean_arousal_r", p.mean_arousal_r)
                  .num("hrv_linkage_r", p.hrv_linkage_r)
                  .integer("hrv_linkage_epochs", p.hrv_linkage_epochs)
                  .integer("above_chance_tests", p.above_chance_tests)
                  .num("mean_above_chance_z", p.mean_above_chance_z)
                  .num("above_chance_share", p.above_chance_share)
                  .integer("plv_above_chance_tests", p.plv_above_chance_tests)
                  .num("mean_plv_above_chance_z", p.mean_plv_above_chance_z)
                  .num("plv_above_chance_share", p.plv_above_chance_share)
                  .integer("session_above_chance_spans", p.session_above_chance_spans)
                  .num("session_above_chance_z", p.session_above_chance_z)
                  .integer("session_plv_above_chance_spans", p.session_plv_above_chance_spans)
                  .num("session_plv_above_chance_z", p.session_plv_above_chance_z)
                  .done());
  }
  sum.raw("pairs", pairs.done());
  const auto& t = s.time_in_shared;
  sum.raw("time_in_shared_s", Obj().num("waiting", t.waiting).num("calibrating", t.calibrating)
                                  .num("low_signal", t.low_signal).num("connected", t.connected)
                                  .num("settled", t.settled).num("one_activated", t.one_activated)
                                  .num("co_escalation", t.co_escalation).num("withdrawn", t.withdrawn)
                                  .done());
  sum.raw("coregulation", coregulation(s.episodes));
  sum.raw("input", input_report_json);
  sum.raw("config", cfg.to_json());
  return Obj().raw("summary", sum.done()).done();
}

}  // namespace attune::replay
