// What a room knows of a connection: a small interface, so the room logic is
// tested with fake members and never sees Beast.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "codec/frame_codec.hpp"

namespace attune::rooms {

// WebSocket close codes the room asks for (RFC 6455 and application codes).
enum class CloseCode : std::uint16_t {
  Normal = 1000,          // session ended
  GoingAway = 1001,       // server shutting down
  PolicyViolation = 1008, // protocol violations (e.g. samples before Hello)
  BadToken = 4401,        // unknown, expired or wrong invite / resume token
  SeatTaken = 4409,       // someone is connected on that seat
  Replaced = 4410,        // the same seat resumed on another connection
  TryAgainLater = 1013,   // the database is not reachable just now
  TooManyAttempts = 4429, // too many unknown tokens from this address
};

class Member {
 public:
  virtual ~Member() = default;
  // The frame type this member used for its Hello; the room replies in it.
  virtual codec::FrameFormat format() const = 0;
  // Queues a ServerMessage serialised in `format` (which decides the frame
  // type). `replaceable` marks a room state that a newer one may replace while
  // it is still queued (slow readers). Thread-safe.
  virtual void send(std::shared_ptr<const std::string> frame, codec::FrameFormat format, bool replaceable) = 0;
  // Sends pending frames, then closes with the code. Thread-safe.
  virtual void close(CloseCode code, std::string reason) = 0;
};

}  // namespace attune::rooms
