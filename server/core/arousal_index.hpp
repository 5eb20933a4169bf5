// Arousal index (ours, SYNCHRONY.md): how far a person's heart is from their
// own calm, in robust SD units: z(HR) - z(lnRMSSD) against the calibration
// baseline. Higher heart rate and lower vagal HRV both raise it. EDA and
// breath-rate terms join later, when those streams exist.
#pragma once

#include "core/robust_baseline.hpp"

namespace attune::core {

double arousal_index(double hr_bpm, double ln_rmssd, const RobustBaseline& hr_baseline,
                     const RobustBaseline& ln_rmssd_baseline);

}  // namespace attune::core
