#include "core/rr_cleaning.hpp"

#include <cmath>
#include <cstddef>

namespace attune::core {

bool rr_plausible(double rr_ms, double min_ms, double max_ms) {
  return std::isfinite(rr_ms) && rr_ms >= min_ms && rr_ms <= max_ms;
}

bool rr_malik_ectopic(double rr_ms, double prev_rr_ms, double fraction) {
  return std::fabs(rr_ms - prev_rr_ms) > fraction * prev_rr_ms;
}

void rr_interpolate_artifacts_into(const std::int64_t* t_ms, const double* rr_ms,
                                   const std::uint8_t* artifact, std::size_t n,
                                   std::vector<double>& out) {
  out.assign(rr_ms, rr_ms + n);
  // next_clean[i]: index of the first clean beat at or after i (n if none).
  thread_local std::vector<std::size_t> next_clean;  // reused: every second, every seat
  next_clean.assign(n + 1, n);
  for (std::size_t i = n; i-- > 0;) next_clean[i] = artifact[i] ? next_clean[i + 1] : i;

  std::size_t prev = n;  // last clean index seen, n while none
  for (std::size_t i = 0; i < n; ++i) {
    if (!artifact[i]) {
      prev = i;
      continue;
    }
    const std::size_t next = next_clean[i];
    if (prev == n && next == n) {  // nothing clean to lean on
      out.assign(rr_ms, rr_ms + n);
      return;
    }
    if (prev == n) {
      out[i] = rr_ms[next];
    } else if (next == n) {
      out[i] = rr_ms[prev];
    } else {
      const double span = static_cast<double>(t_ms[next] - t_ms[prev]);
      const double w = static_cast<double>(t_ms[i] - t_ms[prev]) / span;
      out[i] = rr_ms[prev] + (rr_ms[next] - rr_ms[prev]) * w;
    }
  }
}

std::vector<double> rr_interpolate_artifacts(const std::vector<std::int64_t>& t_ms,
                                             const std::vector<double>& rr_ms,
                                             const std::vector<bool>& artifact) {
  const std::vector<std::uint8_t> flags(artifact.begin(), artifact.end());
  std::vector<double> out;
  rr_interpolate_artifacts_into(t_ms.data(), rr_ms.data(), flags.data(), rr_ms.size(), out);
  return out;
}

double rr_artifact_fraction(const std::vector<bool>& artifact) {
  if (artifact.empty()) return 0.0;
  std::size_t k = 0;
  for (bool a : artifact) k += a ? 1 : 0;
  return static_cast<double>(k) / static_cast<double>(artifact.size());
}

}  // namespace attune::core
