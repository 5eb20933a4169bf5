#include "core/arousal_index.hpp"

namespace attune::core {

// The mean, not the sum, of the signed z-terms: each term is one robust SD
// of its own calibration, and the index stays in those units whichever
// streams are present (a sum of three terms spreads sqrt(3) times wider in
// calm than one term, while the thresholds are in single-term units).
double arousal_index(double hr_bpm, double ln_rmssd, const RobustBaseline& hr_baseline,
                     const RobustBaseline& ln_rmssd_baseline) {
  return (robust_z(hr_bpm, hr_baseline) - robust_z(ln_rmssd, ln_rmssd_baseline)) / 2.0;
}

double arousal_index(double hr_bpm, double ln_rmssd, double breath_rate_bpm,
                     const RobustBaseline& hr_baseline, const RobustBaseline& ln_rmssd_baseline,
                     const RobustBaseline& breath_baseline) {
  return (robust_z(hr_bpm, hr_baseline) - robust_z(ln_rmssd, ln_rmssd_baseline) +
          robust_z(breath_rate_bpm, breath_baseline)) /
         3.0;
}

}  // namespace attune::core
