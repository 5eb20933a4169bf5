// RMSSD: root mean square of successive RR differences, the time-domain
// index of vagally mediated HRV.
// Source: Task Force of the ESC and NASPE (1996), Circulation 93:1043;
// ultra-short windows: Munoz et al. (2015), PLoS One 10:e0138921.
#pragma once

#include <optional>
#include <vector>

namespace attune::core {

// sqrt(mean(diff(rr)^2)); nullopt for fewer than 2 intervals.
std::optional<double> hrv_rmssd(const std::vector<double>& rr_ms);

// ln(max(rmssd, floor)): natural log used for baselines and z-scores,
// floored so that a flat series gives a finite value.
double hrv_ln_rmssd(double rmssd_ms, double floor_ms);

}  // namespace attune::core
