#include "core/arousal_index.hpp"

namespace attune::core {

double arousal_index(double hr_bpm, double ln_rmssd, const RobustBaseline& hr_baseline,
                     const RobustBaseline& ln_rmssd_baseline) {
  return robust_z(hr_bpm, hr_baseline) - robust_z(ln_rmssd, ln_rmssd_baseline);
}

double arousal_index(double hr_bpm, double ln_rmssd, double breath_rate_bpm,
                     const RobustBaseline& hr_baseline, const RobustBaseline& ln_rmssd_baseline,
                     const RobustBaseline& breath_baseline) {
  return robust_z(hr_bpm, hr_baseline) - robust_z(ln_rmssd, ln_rmssd_baseline) +
         robust_z(breath_rate_bpm, breath_baseline);
}

}  // namespace attune::core
