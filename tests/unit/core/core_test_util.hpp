// Helpers shared by the core unit tests: beat generators and checks that a
// snapshot holds only finite numbers.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <vector>

#include "core/synchrony_engine.hpp"

namespace attune::core::test {

// Beats whose RR follows an instantaneous heart-rate function of time (s):
// each beat ends at the previous end + RR, RR = 60000 / hr(t) rounded to ms
// so that times and intervals agree exactly.
inline std::vector<Beat> beats_from_hr(const std::function<double(double)>& hr_bpm,
                                       std::int64_t t0_ms, std::int64_t t1_ms) {
  std::vector<Beat> out;
  std::int64_t t = t0_ms;
  while (true) {
    const double rr = std::round(60000.0 / hr_bpm(static_cast<double>(t) / 1000.0));
    t += static_cast<std::int64_t>(rr);
    if (t > t1_ms) break;
    out.push_back(Beat{t, rr, 0});
  }
  return out;
}

// Beats with RR alternating base +/- swing (RMSSD = 2 * swing), starting at t0.
inline std::vector<Beat> alternating_beats(double base_ms, double swing_ms, std::int64_t t0_ms,
                                           std::int64_t t1_ms) {
  std::vector<Beat> out;
  std::int64_t t = t0_ms;
  for (int i = 0;; ++i) {
    const double rr = base_ms + ((i % 2 == 0) ? swing_ms : -swing_ms);
    t += static_cast<std::int64_t>(rr);
    if (t > t1_ms) break;
    out.push_back(Beat{t, rr, 0});
  }
  return out;
}

inline bool finite(const std::optional<double>& v) { return !v || std::isfinite(*v); }

inline bool all_finite(const Snapshot& s) {
  for (const auto& p : s.participants) {
    if (!finite(p.hr_bpm) || !finite(p.rmssd_ms) || !finite(p.ln_rmssd) || !finite(p.arousal) ||
        !finite(p.artifact_fraction)) {
      return false;
    }
  }
  for (const auto& p : s.pairs) {
    if (!finite(p.wcc_r0) || !finite(p.wcc_peak_r) || !finite(p.wcc_peak_lag_s) ||
        !finite(p.wcc_peak_z)) {
      return false;
    }
  }
  return true;
}

inline bool same_bits(const std::optional<double>& a, const std::optional<double>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || std::memcmp(&*a, &*b, sizeof(double)) == 0;
}

// Every value of two snapshots, bit for bit.
inline bool same_bits(const Snapshot& a, const Snapshot& b) {
  using P = ParticipantSnapshot;
  const std::optional<double> P::*pv[] = {&P::hr_bpm, &P::rmssd_ms, &P::ln_rmssd, &P::arousal,
                                          &P::artifact_fraction, &P::sdnn_ms, &P::pnn50, &P::lf_ms2,
                                          &P::hf_ms2, &P::rsa_ms2, &P::coherence,
                                          &P::breath_rate_bpm, &P::ie_ratio};
  using Q = PairSnapshot;
  const std::optional<double> Q::*qv[] = {&Q::wcc_r0, &Q::wcc_peak_r, &Q::wcc_peak_lag_s,
                                          &Q::wcc_peak_z, &Q::leader_first_share,
                                          &Q::leader_second_share, &Q::above_chance_z, &Q::plv,
                                          &Q::rel_phase_rad, &Q::plv_above_chance_z,
                                          &Q::breath_rate_diff_bpm, &Q::arousal_r, &Q::hrv_linkage_r};
  if (a.t_ms != b.t_ms || a.shared != b.shared || a.activated != b.activated ||
      a.pairs.size() != b.pairs.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.participants.size(); ++i) {
    const P& p = a.participants[i];
    const P& q = b.participants[i];
    if (p.streaming != q.streaming || p.calibrating != q.calibrating || p.state != q.state ||
        p.breathing != q.breathing || p.baseline_source != q.baseline_source) {
      return false;
    }
    for (auto m : pv)
      if (!same_bits(p.*m, q.*m)) return false;
  }
  for (std::size_t i = 0; i < a.pairs.size(); ++i) {
    const Q& p = a.pairs[i];
    const Q& q = b.pairs[i];
    if (p.first != q.first || p.second != q.second) return false;
    for (auto m : qv)
      if (!same_bits(p.*m, q.*m)) return false;
  }
  return true;
}

// Every snapshot of advancing `engine` to t_ms.
inline std::vector<Snapshot> collect(SynchronyEngine& engine, std::int64_t t_ms) {
  std::vector<Snapshot> out;
  engine.advance_to(t_ms, [&out](const Snapshot& s) { out.push_back(s); });
  return out;
}

}  // namespace attune::core::test
