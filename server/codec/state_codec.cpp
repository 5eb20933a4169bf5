#include "codec/state_codec.hpp"

namespace attune::codec {

v1::Role role_of(core::Seat seat) {
  switch (seat) {
    case core::Seat::A: return v1::ROLE_PARTNER_A;
    case core::Seat::B: return v1::ROLE_PARTNER_B;
    case core::Seat::Clinician: return v1::ROLE_CLINICIAN;
  }
  return v1::ROLE_UNSPECIFIED;
}

v1::RegulationState to_proto(core::RegulationState state) {
  switch (state) {
    case core::RegulationState::Unknown: return v1::REGULATION_STATE_UNKNOWN;
    case core::RegulationState::Settled: return v1::REGULATION_STATE_SETTLED;
    case core::RegulationState::Activated: return v1::REGULATION_STATE_ACTIVATED;
    case core::RegulationState::ShutDown: return v1::REGULATION_STATE_SHUT_DOWN;
  }
  return v1::REGULATION_STATE_UNSPECIFIED;
}

v1::SharedState to_proto(core::SharedState state) {
  using S = core::SharedState;
  switch (state) {
    case S::Waiting: return v1::SHARED_STATE_WAITING;
    case S::Calibrating: return v1::SHARED_STATE_CALIBRATING;
    case S::LowSignal: return v1::SHARED_STATE_LOW_SIGNAL;
    case S::Connected: return v1::SHARED_STATE_CONNECTED;
    case S::Settled: return v1::SHARED_STATE_SETTLED;
    case S::OneActivated: return v1::SHARED_STATE_ONE_ACTIVATED;
    case S::CoEscalation: return v1::SHARED_STATE_CO_ESCALATION;
    case S::Withdrawn: return v1::SHARED_STATE_WITHDRAWN;
  }
  return v1::SHARED_STATE_UNSPECIFIED;
}

namespace {

bool sees_seat(View view, core::Seat seat) {
  // The clinician's own state goes to the clinician alone.
  return seat != core::Seat::Clinician || view == View::Clinician;
}

bool sees_raw(View view, core::Seat seat, bool shared) {
  if (view == View::Clinician) return true;
  if (view == View::PartnerA && seat == core::Seat::A) return true;
  if (view == View::PartnerB && seat == core::Seat::B) return true;
  return shared && view != View::Observer;
}

template <typename Setter>
void set_if(const std::optional<double>& value, Setter set) {
  if (value) set(*value);
}

void fill_baseline(const core::SessionBaseline& b, v1::Baseline& out) {
  if (b.hr_bpm) {
    out.set_hr_median_bpm(b.hr_bpm->median);
    out.set_hr_scale_bpm(b.hr_bpm->scale);
  }
  if (b.ln_rmssd) {
    out.set_ln_rmssd_median(b.ln_rmssd->median);
    out.set_ln_rmssd_scale(b.ln_rmssd->scale);
  }
  if (b.breath_rate_bpm) {
    out.set_breath_median_bpm(b.breath_rate_bpm->median);
    out.set_breath_scale_bpm(b.breath_rate_bpm->scale);
  }
  out.set_values(b.values);
  out.set_breath_values(b.breath_values);
}

void fill_participant(const core::ParticipantSnapshot& p, core::Seat seat, bool raw, bool connected,
                      v1::ParticipantState& out) {
  out.set_role(role_of(seat));
  out.set_state(to_proto(p.state));
  out.set_calibrating(p.calibrating);
  out.set_connected(connected);
  out.set_baseline_source(core::baseline_source_name(p.baseline_source));  // not physiology
  if (!raw) return;
  set_if(p.hr_bpm, [&](double v) { out.set_hr_bpm(v); });
  set_if(p.rmssd_ms, [&](double v) { out.set_rmssd_ms(v); });
  set_if(p.ln_rmssd, [&](double v) { out.set_ln_rmssd(v); });
  set_if(p.arousal, [&](double v) { out.set_arousal(v); });
  set_if(p.artifact_fraction, [&](double v) { out.set_artifact_fraction(v); });
  set_if(p.sdnn_ms, [&](double v) { out.set_sdnn_ms(v); });
  set_if(p.pnn50, [&](double v) { out.set_pnn50(v); });
  set_if(p.lf_ms2, [&](double v) { out.set_lf_ms2(v); });
  set_if(p.hf_ms2, [&](double v) { out.set_hf_ms2(v); });
  set_if(p.rsa_ms2, [&](double v) { out.set_rsa_ms2(v); });
  set_if(p.coherence, [&](double v) { out.set_coherence(v); });
  set_if(p.breath_rate_bpm, [&](double v) { out.set_breath_rate_bpm(v); });
  set_if(p.ie_ratio, [&](double v) { out.set_ie_ratio(v); });
}

void fill_pair(const core::PairSnapshot& p, v1::PairState& out) {
  out.set_first(role_of(p.first));
  out.set_second(role_of(p.second));
  set_if(p.wcc_r0, [&](double v) { out.set_wcc_r0(v); });
  set_if(p.wcc_peak_r, [&](double v) { out.set_wcc_peak_r(v); });
  set_if(p.wcc_peak_lag_s, [&](double v) { out.set_wcc_peak_lag_s(v); });
  set_if(p.wcc_peak_z, [&](double v) { out.set_wcc_peak_z(v); });
  set_if(p.leader_first_share, [&](double v) { out.set_leader_first_share(v); });
  set_if(p.leader_second_share, [&](double v) { out.set_leader_second_share(v); });
  set_if(p.above_chance_z, [&](double v) { out.set_above_chance_z(v); });
  set_if(p.plv, [&](double v) { out.set_plv(v); });
  set_if(p.rel_phase_rad, [&](double v) { out.set_rel_phase_rad(v); });
  set_if(p.plv_above_chance_z, [&](double v) { out.set_plv_above_chance_z(v); });
  set_if(p.breath_rate_diff_bpm, [&](double v) { out.set_breath_rate_diff_bpm(v); });
  set_if(p.arousal_r, [&](double v) { out.set_arousal_r(v); });
  set_if(p.hrv_linkage_r, [&](double v) { out.set_hrv_linkage_r(v); });
}

}  // namespace

v1::RoomState to_room_state(const core::Snapshot& snapshot, View view, const RoomStateContext& context) {
  v1::RoomState out;
  out.set_session_id(context.session_id);
  out.set_data_time_ms(snapshot.t_ms);
  out.set_shared_state(to_proto(snapshot.shared));
  if (snapshot.activated) out.set_activated_role(role_of(*snapshot.activated));
  for (std::size_t i = 0; i < core::kSeatCount; ++i) {
    auto seat = static_cast<core::Seat>(i);
    const auto& p = snapshot.participants[i];
    bool present = p.streaming || context.connected[i];
    if (!present || !sees_seat(view, seat)) continue;
    auto& participant = *out.add_participants();
    fill_participant(p, seat, sees_raw(view, seat, context.share_metrics_with_partners), context.connected[i],
                     participant);
    if (view == View::Clinician && context.clock[i]) {
      participant.set_clock_offset_ms(context.clock[i]->offset_ms);
      participant.set_clock_uncertainty_ms(context.clock[i]->uncertainty_ms);
    }
  }
  for (const auto& pair : snapshot.pairs) {
    bool involves_clinician = pair.first == core::Seat::Clinician || pair.second == core::Seat::Clinician;
    if (involves_clinician && view != View::Clinician) continue;
    fill_pair(pair, *out.add_pairs());
  }
  // The ongoing A-B episode follows from the partners' regulation states,
  // which every role sees: everyone gets it.
  if (snapshot.episode) {
    auto& e = *out.mutable_episode();
    e.set_activated_role(role_of(snapshot.episode->activated));
    e.set_anchor_role(role_of(snapshot.episode->anchor));
    e.set_elapsed_s(snapshot.episode->elapsed_s);
  }
  return out;
}

v1::SessionSummary summary_for_view(const v1::SessionSummary& full, View view, bool share) {
  auto seat_of = [](v1::Role role) {
    return role == v1::ROLE_PARTNER_A ? core::Seat::A : role == v1::ROLE_PARTNER_B ? core::Seat::B : core::Seat::Clinician;
  };
  auto is_own = [view](v1::Role role) {
    return (view == View::PartnerA && role == v1::ROLE_PARTNER_A) ||
           (view == View::PartnerB && role == v1::ROLE_PARTNER_B) ||
           (view == View::Clinician && role == v1::ROLE_CLINICIAN);
  };
  // Field by field, so that anything added to the summary later stays out of
  // partners' and observers' copies until someone decides who may see it.
  v1::SessionSummary out;
  out.set_session_id(full.session_id());
  out.set_room_id(full.room_id());
  out.set_started_at_ms(full.started_at_ms());
  out.set_ended_at_ms(full.ended_at_ms());
  out.set_end_reason(full.end_reason());
  out.set_data_seconds(full.data_seconds());
  out.set_algorithm_version(full.algorithm_version());
  *out.mutable_time_in_shared_state() = full.time_in_shared_state();
  *out.mutable_markers() = full.markers();
  out.set_stored_baselines(full.stored_baselines());
  if (full.has_stored_resonance_target_bpm())
    out.set_stored_resonance_target_bpm(full.stored_resonance_target_bpm());  // the pacer's target, shown to all
  // Co-regulation episodes (A-B only) are built from the partners' regulation
  // states alone, which partners and observers see live anyway: everyone.
  if (full.has_coregulation()) *out.mutable_coregulation() = full.coregulation();
  if (view == View::Clinician) out.set_parameters_json(full.parameters_json());
  for (const auto& p : full.participants()) {
    const auto seat = seat_of(p.role());
    if (!sees_seat(view, seat)) continue;
    auto& copy = *out.add_participants();
    if (sees_raw(view, seat, share)) {
      copy = p;
    } else {
      copy.set_role(p.role());
      *copy.mutable_time_in_state() = p.time_in_state();
      copy.set_baseline_source(p.baseline_source());  // which baseline, not its values
    }
  }
  for (const auto& pair : full.pairs()) {
    bool involves_clinician = pair.first() == v1::ROLE_CLINICIAN || pair.second() == v1::ROLE_CLINICIAN;
    if (!involves_clinician || view == View::Clinician) *out.add_pairs() = pair;
  }
  // Prompts: the clinician sees every prompt; others only their own.
  for (const auto& prompt : full.prompts())
    if (view == View::Clinician || is_own(prompt.recipient())) *out.add_prompts() = prompt;
  if (full.has_pacer()) {
    auto& pacer = *out.mutable_pacer();
    pacer = full.pacer();
    pacer.clear_mean_entrainment();
    for (const auto& e : full.pacer().mean_entrainment())
      if (sees_raw(view, seat_of(e.role()), share) && sees_seat(view, seat_of(e.role())))
        *pacer.add_mean_entrainment() = e;
  }
  return out;
}

std::string utf8_prefix(const std::string& text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  // Step back over continuation bytes (10xxxxxx) to the start of a character.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

v1::EpisodeOutcome to_proto(core::EpisodeOutcome outcome) {
  switch (outcome) {
    case core::EpisodeOutcome::Recovered: return v1::EPISODE_OUTCOME_RECOVERED;
    case core::EpisodeOutcome::Escalated: return v1::EPISODE_OUTCOME_ESCALATED;
    case core::EpisodeOutcome::Lost: return v1::EPISODE_OUTCOME_LOST;
    case core::EpisodeOutcome::Open: return v1::EPISODE_OUTCOME_OPEN;
  }
  return v1::EPISODE_OUTCOME_UNSPECIFIED;
}

void fill_coregulation(const core::EpisodeSummary& e, v1::CoregulationSummary& out) {
  for (const auto& ep : e.episodes) {
    auto& o = *out.add_episodes();
    o.set_activated_role(role_of(ep.activated));
    o.set_anchor_role(role_of(ep.anchor));
    o.set_start_ms(ep.start_ms);
    o.set_end_ms(ep.end_ms);
    o.set_duration_s(ep.duration_s());
    o.set_outcome(to_proto(ep.outcome));
  }
  out.set_total(e.total);
  out.set_recovered(e.recovered);
  out.set_escalated(e.escalated);
  out.set_lost(e.lost);
  out.set_open(e.open);
  set_if(e.median_recovery_s, [&](double v) { out.set_median_recovery_s(v); });
  set_if(e.mean_recovery_s, [&](double v) { out.set_mean_recovery_s(v); });
  const core::Seat partners[2] = {core::Seat::A, core::Seat::B};
  for (std::size_t i = 0; i < 2; ++i) {
    auto& s = *out.add_seats();
    s.set_role(role_of(partners[i]));
    s.set_activated(e.seats[i].activated);
    s.set_recovered(e.seats[i].recovered);
    s.set_anchored(e.seats[i].anchored);
    s.set_anchored_recovered(e.seats[i].anchored_recovered);
  }
}

void fill_summary(const core::EngineSummary& summary, v1::SessionSummary& out) {
  fill_coregulation(summary.episodes, *out.mutable_coregulation());
  out.set_data_seconds(summary.data_seconds);
  for (std::size_t i = 0; i < core::kSeatCount; ++i) {
    const auto& p = summary.participants[i];
    if (!p.present) continue;
    auto& s = *out.add_participants();
    s.set_role(role_of(static_cast<core::Seat>(i)));
    s.set_beats_received(p.beats_received);
    s.set_beats_rejected(p.beats_rejected);
    s.set_artifact_fraction(p.artifact_fraction);
    set_if(p.mean_hr_bpm, [&](double v) { s.set_mean_hr_bpm(v); });
    set_if(p.mean_rmssd_ms, [&](double v) { s.set_mean_rmssd_ms(v); });
    set_if(p.baseline_hr_bpm, [&](double v) { s.set_baseline_hr_bpm(v); });
    set_if(p.baseline_ln_rmssd, [&](double v) { s.set_baseline_ln_rmssd(v); });
    s.set_ectopic_beats(p.ectopic_beats);
    s.set_missed_beats(p.missed_beats);
    s.set_extra_beats(p.extra_beats);
    s.set_long_short_beats(p.long_short_beats);
    s.set_implausible_beats(p.implausible_beats);
    s.set_resp_samples(p.resp_samples);
    set_if(p.mean_sdnn_ms, [&](double v) { s.set_mean_sdnn_ms(v); });
    set_if(p.mean_lf_ms2, [&](double v) { s.set_mean_lf_ms2(v); });
    set_if(p.mean_hf_ms2, [&](double v) { s.set_mean_hf_ms2(v); });
    set_if(p.mean_coherence, [&](double v) { s.set_mean_coherence(v); });
    set_if(p.mean_breath_rate_bpm, [&](double v) { s.set_mean_breath_rate_bpm(v); });
    set_if(p.baseline_breath_rate_bpm, [&](double v) { s.set_baseline_breath_rate_bpm(v); });
    s.set_baseline_source(core::baseline_source_name(p.baseline_source));
    fill_baseline(p.session_baseline, *s.mutable_session_baseline());
    auto& t = *s.mutable_time_in_state();
    t.set_unknown_s(p.time_in_state.unknown);
    t.set_settled_s(p.time_in_state.settled);
    t.set_activated_s(p.time_in_state.activated);
    t.set_shut_down_s(p.time_in_state.shut_down);
  }
  for (const auto& p : summary.pairs) {
    auto& s = *out.add_pairs();
    s.set_first(role_of(p.first));
    s.set_second(role_of(p.second));
    s.set_windows(p.windows);
    set_if(p.mean_wcc_r0, [&](double v) { s.set_mean_wcc_r0(v); });
    set_if(p.mean_wcc_peak_r, [&](double v) { s.set_mean_wcc_peak_r(v); });
    set_if(p.mean_abs_wcc_peak_r, [&](double v) { s.set_mean_abs_wcc_peak_r(v); });
    s.set_leader_first_share(p.leader_first_share);
    s.set_leader_second_share(p.leader_second_share);
    s.set_plv_windows(p.plv_windows);
    set_if(p.mean_plv, [&](double v) { s.set_mean_plv(v); });
    set_if(p.mean_arousal_r, [&](double v) { s.set_mean_arousal_r(v); });
    set_if(p.hrv_linkage_r, [&](double v) { s.set_hrv_linkage_r(v); });
    s.set_hrv_linkage_epochs(p.hrv_linkage_epochs);
    s.set_above_chance_tests(p.above_chance_tests);
    set_if(p.mean_above_chance_z, [&](double v) { s.set_mean_above_chance_z(v); });
    s.set_above_chance_share(p.above_chance_share);
    s.set_plv_above_chance_tests(p.plv_above_chance_tests);
    set_if(p.mean_plv_above_chance_z, [&](double v) { s.set_mean_plv_above_chance_z(v); });
    s.set_plv_above_chance_share(p.plv_above_chance_share);
    s.set_session_above_chance_spans(p.session_above_chance_spans);
    set_if(p.session_above_chance_z, [&](double v) { s.set_session_above_chance_z(v); });
    s.set_session_plv_above_chance_spans(p.session_plv_above_chance_spans);
    set_if(p.session_plv_above_chance_z, [&](double v) { s.set_session_plv_above_chance_z(v); });
  }
  const auto& t = summary.time_in_shared;
  auto& o = *out.mutable_time_in_shared_state();
  o.set_waiting_s(t.waiting);
  o.set_calibrating_s(t.calibrating);
  o.set_low_signal_s(t.low_signal);
  o.set_connected_s(t.connected);
  o.set_settled_s(t.settled);
  o.set_one_activated_s(t.one_activated);
  o.set_co_escalation_s(t.co_escalation);
  o.set_withdrawn_s(t.withdrawn);
}

}  // namespace attune::codec
