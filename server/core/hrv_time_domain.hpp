// Time-domain HRV beyond RMSSD (hrv_rmssd.hpp).
// Source: Task Force of the ESC and NASPE (1996), Circulation 93:1043.
#pragma once

#include <optional>
#include <vector>

namespace attune::core {

// SDNN: sample standard deviation of the RR intervals (ddof = 1, as
// numpy.std(rr, ddof=1)); nullopt for fewer than 2 intervals.
std::optional<double> hrv_sdnn(const std::vector<double>& rr_ms);

// pNN50 in percent: 100 * #(|RR_i - RR_{i-1}| > 50 ms) / #(successive
// differences). The denominator is the number of differences (n - 1), not
// the number of intervals: libraries disagree, this is ours (as NeuroKit2).
// nullopt for fewer than 2 intervals.
std::optional<double> hrv_pnn50(const std::vector<double>& rr_ms);

}  // namespace attune::core
