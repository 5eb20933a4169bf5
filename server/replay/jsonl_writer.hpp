// JSON Lines of the replay: one object per data second, and the session
// summary last (shape documented in `attune replay --help` and
// docs/metrics.md "Replay output"). Unavailable values are null.
#pragma once

#include <string>

#include "core/synchrony_engine.hpp"

namespace attune::replay {

// `with_clinician`: include "C" and the AC, BC pairs.
std::string snapshot_json(const core::Snapshot& s, bool with_clinician);

std::string summary_json(const core::EngineSummary& s, const core::EngineConfig& cfg,
                         const std::string& input_report_json);

const char* state_name(core::RegulationState s);
const char* shared_name(core::SharedState s);

}  // namespace attune::replay
