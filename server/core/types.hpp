// Plain values that flow into and out of the synchrony core.
// No Asio, no protobuf, no clock: time enters as data (milliseconds on the
// server's clock after alignment).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attune::core {

// Seats that stream physiology. Observers never stream.
enum class Seat : std::uint8_t { A = 0, B = 1, Clinician = 2 };
inline constexpr std::size_t kSeatCount = 3;

inline const char* seat_name(Seat s) {
  switch (s) {
    case Seat::A: return "A";
    case Seat::B: return "B";
    case Seat::Clinician: return "C";
  }
  return "?";
}

// One heart beat: the RR interval that ends at t_ms.
struct Beat {
  std::int64_t t_ms = 0;
  double rr_ms = 0.0;
  std::uint32_t flags = 0;  // BeatFlags bits
};

enum BeatFlags : std::uint32_t {
  kBeatNoContact = 1u << 0,   // sensor reported no skin contact
  kBeatArtifact = 1u << 1,    // device marked the beat unreliable
};

enum class RegulationState : std::uint8_t { Unknown, Settled, Activated, ShutDown };

enum class SharedState : std::uint8_t {
  Waiting,       // fewer than two partners streaming
  Calibrating,   // someone's baseline is not known yet
  LowSignal,     // someone's signal is too poor to say anything
  Connected,     // both settled and in synchrony
  Settled,       // both settled
  OneActivated,  // exactly one partner activated
  CoEscalation,  // both activated
  Withdrawn,     // someone shut down
};

}  // namespace attune::core
