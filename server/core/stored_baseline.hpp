// A person's baseline as the engine uses it, and the one a session measured
// for storage (SYNCHRONY.md "Baseline"; docs/metrics.md "Stored baseline").
//
// A stored baseline comes from earlier sessions of the same seat (the store
// takes the per-field median over the seat's latest sessions). With one, the
// participant is not calibrating: arousal is computed from the first second
// with a valid HR and lnRMSSD. The session still measures its own baseline
// over its first baseline_ms, so that the next session has one more to
// stand on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/robust_baseline.hpp"

namespace attune::core {

struct StoredBaseline {
  std::optional<RobustBaseline> hr_bpm;          // needed (with ln_rmssd) to be used at all
  std::optional<RobustBaseline> ln_rmssd;
  std::optional<RobustBaseline> breath_rate_bpm; // optional: arousal without breath when absent
};

// Which baseline the arousal index and states of a participant used.
enum class BaselineSource : std::uint8_t {
  None,     // never had one (no valid calibration, no stored baseline)
  Session,  // the session's own first baseline_ms
  Stored,   // a stored baseline handed over before calibration finished
};

const char* baseline_source_name(BaselineSource source);  // "", "session", "stored"

// What a session measured for storage: robust location and scale per field
// and the number of one-second values each rests on.
struct SessionBaseline {
  std::optional<RobustBaseline> hr_bpm;
  std::optional<RobustBaseline> ln_rmssd;
  std::optional<RobustBaseline> breath_rate_bpm;
  std::uint32_t values = 0;         // seconds behind the HR / lnRMSSD baseline
  std::uint32_t breath_values = 0;  // breath-rate values behind the breath baseline
};

// True when the stored baseline can stand in for calibration: HR and
// lnRMSSD both present, finite, with a positive scale (breath optional,
// dropped when malformed).
bool usable(const StoredBaseline& stored);

// The stored baseline with any malformed breath field dropped.
StoredBaseline sanitised(StoredBaseline stored);

}  // namespace attune::core
