// Arousal index (ours, SYNCHRONY.md): how far a person's heart is from their
// own calm, in robust SD units: the mean of the signed z-terms against the
// calibration baseline, (z(HR) - z(lnRMSSD)) / 2. Higher heart rate and lower
// vagal HRV both raise it; with a respiration stream and its baseline, a
// faster breath raises it too: (z(HR) - z(lnRMSSD) + z(breath rate)) / 3.
// (EDA joins when that stream exists.) The mean, not the sum:
// docs/metrics.md "Arousal index".
#pragma once

#include "core/robust_baseline.hpp"

namespace attune::core {

double arousal_index(double hr_bpm, double ln_rmssd, const RobustBaseline& hr_baseline,
                     const RobustBaseline& ln_rmssd_baseline);

double arousal_index(double hr_bpm, double ln_rmssd, double breath_rate_bpm,
                     const RobustBaseline& hr_baseline, const RobustBaseline& ln_rmssd_baseline,
                     const RobustBaseline& breath_baseline);

}  // namespace attune::core
