// Validation of incoming samples, before anything reaches a room's engine.
// A batch is applied whole or not at all: the first problem found rejects it
// with a code and a sentence, and nothing in the room changes.
//
// Hard bounds here reject values no sensor can legitimately produce. Values
// that are possible but implausible (e.g. RR 250 ms) pass and are flagged as
// artefacts by the core's cleaning instead (SYNCHRONY.md, "Cleaning").
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "attune/v1/attune.pb.h"

namespace attune::codec {

struct ValidationLimits {
  std::int64_t max_past_ms = 12LL * 3600 * 1000;  // data older than this is refused
  std::int64_t max_future_ms = 2 * 60 * 1000;     // clocks ahead by more are refused
  std::size_t max_beats = 64;                     // per batch (a beat at 200 bpm every 300 ms)
  std::size_t max_scalars = 512;
  std::size_t max_waveforms = 8;
  std::size_t max_waveform_values = 2048;         // per chunk
};

// Hard physiological bounds (documented in docs/protocol.md).
inline constexpr double kRrMinMs = 200.0, kRrMaxMs = 3000.0;
inline constexpr double kHrMinBpm = 20.0, kHrMaxBpm = 250.0;
inline constexpr double kEdaMaxMicroSiemens = 100.0;
inline constexpr double kMotionMaxG = 16.0;
inline constexpr double kWaveformMaxAbs = 1e6;
inline constexpr double kWaveformMinHz = 1.0, kWaveformMaxHz = 250.0;

struct ValidationError {
  v1::ErrorCode code = v1::ERROR_CODE_INVALID;
  std::string message;
};

// Stateless checks: counts, kinds, finiteness, bounds, timestamps near now,
// and time order inside the batch.
std::optional<ValidationError> validate_batch(const v1::SampleBatch& batch, std::int64_t now_ms,
                                              const ValidationLimits& limits = {});

// Moves every timestamp of the batch by delta_ms (client clock -> server
// clock), in place. Saturates instead of overflowing on absurd input.
void shift(v1::SampleBatch& batch, std::int64_t delta_ms);
// The same, on a copy.
v1::SampleBatch shifted(const v1::SampleBatch& batch, std::int64_t delta_ms);

// Where each of a seat's streams has got to, so that a batch cannot go back in
// time against data already applied (kept per seat, across reconnects).
struct StreamCursor {
  static constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::min();
  std::int64_t last_beat_ms = kNone;
  std::array<std::int64_t, 8> last_scalar_ms{kNone, kNone, kNone, kNone, kNone, kNone, kNone, kNone};
  std::int64_t last_waveform_ms = kNone;

  std::optional<ValidationError> check(const v1::SampleBatch& batch) const;
  void advance(const v1::SampleBatch& batch);
  // The latest time any stream has reached (kNone if nothing yet).
  std::int64_t latest_ms() const;
};

}  // namespace attune::codec
