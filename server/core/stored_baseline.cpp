#include "core/stored_baseline.hpp"

#include <cmath>

namespace attune::core {
namespace {

bool well_formed(const std::optional<RobustBaseline>& b) {
  return b && std::isfinite(b->median) && std::isfinite(b->scale) && b->scale > 0.0;
}

}  // namespace

const char* baseline_source_name(BaselineSource source) {
  switch (source) {
    case BaselineSource::None: return "";
    case BaselineSource::Session: return "session";
    case BaselineSource::Stored: return "stored";
  }
  return "";
}

bool usable(const StoredBaseline& stored) { return well_formed(stored.hr_bpm) && well_formed(stored.ln_rmssd); }

StoredBaseline sanitised(StoredBaseline stored) {
  if (!well_formed(stored.breath_rate_bpm)) stored.breath_rate_bpm.reset();
  return stored;
}

}  // namespace attune::core
