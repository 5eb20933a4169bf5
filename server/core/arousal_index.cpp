#include "core/arousal_index.hpp"

namespace attune::core {

double arousal_index(double hr_bpm, double ln_rmssd, const RobustBaseline& hr_baseline,
                     const RobustBaseline& ln_rmssd_baseline) {
  return robust_z(hr_bpm, hr_baseline) - robust_z(ln_rmssd, ln_rmssd_baseline);
}

}  // namespace attune::core
