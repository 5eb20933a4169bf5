// Heart rate from RR intervals: the mean of the instantaneous rates
// 60000 / RR (beats/min), as SYNCHRONY.md defines HR over a 5 s window.
// (The mean of rates, not 60000 / mean RR: the two differ by Jensen's gap.)
#pragma once

#include <optional>
#include <vector>

namespace attune::core {

// Instantaneous heart rate of one interval, beats/min.
double heart_rate_instantaneous_bpm(double rr_ms);

// Mean of 60000 / rr over the intervals; nullopt when empty.
std::optional<double> heart_rate_mean_bpm(const std::vector<double>& rr_ms);

}  // namespace attune::core
