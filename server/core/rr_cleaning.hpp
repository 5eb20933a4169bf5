// RR-interval cleaning: which beats are artefacts, and how an artefact's RR
// is replaced before a metric uses it.
//
// Sources: plausibility bounds and the "corrected, never dropped" rule from
// SYNCHRONY.md; the online ectopic rule from Malik et al. (1996), "Heart rate
// variability: standards of measurement" (Task Force, Circulation 93:1043):
// an interval that differs from its predecessor by more than 20 % is ectopic.
// Lipponen & Tarvainen (2019) replaces this rule later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace attune::core {

// RR outside [min, max] (or not a finite number) cannot be a heart beat.
bool rr_plausible(double rr_ms, double min_ms, double max_ms);

// Malik rule: |rr - prev| > fraction * prev. `prev` is the RR of the previous
// beat that passed plausibility and device flags (see docs/metrics.md).
bool rr_malik_ectopic(double rr_ms, double prev_rr_ms, double fraction);

// Replaces the RR of each artefact by linear interpolation in time between
// the nearest clean beats before and after it (within the given series);
// an artefact with a clean beat on one side only takes that beat's RR
// (nothing is extrapolated beyond the data). With no clean beat at all the
// series is returned unchanged (callers publish nothing then).
std::vector<double> rr_interpolate_artifacts(const std::vector<std::int64_t>& t_ms,
                                             const std::vector<double>& rr_ms,
                                             const std::vector<bool>& artifact);

// The same on arrays (artifact: 0 or 1 per beat) into `out` (resized to n),
// without allocating once warm: the engine corrects its windows every second.
void rr_interpolate_artifacts_into(const std::int64_t* t_ms, const double* rr_ms,
                                   const std::uint8_t* artifact, std::size_t n,
                                   std::vector<double>& out);

// Share of beats that are artefacts (0 for an empty series).
double rr_artifact_fraction(const std::vector<bool>& artifact);

}  // namespace attune::core
