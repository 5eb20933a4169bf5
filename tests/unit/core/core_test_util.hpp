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

inline bool same_bits(const Snapshot& a, const Snapshot& b) {
  if (a.t_ms != b.t_ms || a.shared != b.shared || a.activated != b.activated ||
      a.pairs.size() != b.pairs.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.participants.size(); ++i) {
    const auto& p = a.participants[i];
    const auto& q = b.participants[i];
    if (p.streaming != q.streaming || p.calibrating != q.calibrating || p.state != q.state ||
        !same_bits(p.hr_bpm, q.hr_bpm) || !same_bits(p.rmssd_ms, q.rmssd_ms) ||
        !same_bits(p.ln_rmssd, q.ln_rmssd) || !same_bits(p.arousal, q.arousal) ||
        !same_bits(p.artifact_fraction, q.artifact_fraction)) {
      return false;
    }
  }
  for (std::size_t i = 0; i < a.pairs.size(); ++i) {
    const auto& p = a.pairs[i];
    const auto& q = b.pairs[i];
    if (p.first != q.first || p.second != q.second || !same_bits(p.wcc_r0, q.wcc_r0) ||
        !same_bits(p.wcc_peak_r, q.wcc_peak_r) || !same_bits(p.wcc_peak_lag_s, q.wcc_peak_lag_s) ||
        !same_bits(p.wcc_peak_z, q.wcc_peak_z)) {
      return false;
    }
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
