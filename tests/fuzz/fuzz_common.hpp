// Shared by the frame fuzz targets: what happens to a client frame after it
// is read (docs/architecture.md, "One SampleBatch, from socket to RoomState").
#pragma once

#include <cstdlib>
#include <string_view>

#include <google/protobuf/stubs/logging.h>

#include "codec/frame_codec.hpp"
#include "codec/sample_validation.hpp"

namespace attune::fuzz {

// libprotobuf logs an ERROR line for every string field with invalid UTF-8;
// at fuzzing rates that is most of the time spent. Discard its log.
inline void quiet_protobuf() {
  static const bool once = (google::protobuf::SetLogHandler(nullptr), true);
  (void)once;
}

// The server's clock for validation: fixed, so that runs are reproducible.
inline constexpr std::int64_t kNowMs = 1'795'868'310'000;

// Frames are at most 64 KiB on the wire (Beast's read_message_max); longer
// inputs are cut there so the fuzzer explores what the server can receive.
inline constexpr std::size_t kMaxFrame = 64 * 1024;

inline void decode_and_validate(std::string_view frame, codec::FrameFormat format) {
  quiet_protobuf();
  if (frame.size() > kMaxFrame) frame = frame.substr(0, kMaxFrame);
  v1::ClientMessage msg;
  codec::DecodeError error;
  if (!codec::decode_client(frame, format, msg, error)) {
    // Every refusal carries a code and a sentence for the client.
    if (error.code == v1::ERROR_CODE_UNSPECIFIED || error.message.empty()) std::abort();
    return;
  }
  if (msg.payload_case() == v1::ClientMessage::PAYLOAD_NOT_SET) std::abort();
  // Re-encoding what decoded must work in both formats (the server echoes
  // nothing back, but summaries and logs print decoded messages as JSON).
  (void)codec::to_json(msg);
  (void)msg.SerializeAsString();
  if (!msg.has_samples()) return;
  const auto& batch = msg.samples();
  codec::StreamCursor cursor;
  if (auto e = codec::validate_batch(batch, kNowMs)) {
    if (e->code == v1::ERROR_CODE_UNSPECIFIED || e->message.empty()) std::abort();
    return;
  }
  // A batch that passed: the room then checks and advances the seat's cursor
  // twice in a row (a resend must be refused by the cursor).
  if (cursor.check(batch)) std::abort();  // a fresh cursor accepts any valid batch
  cursor.advance(batch);
  (void)cursor.latest_ms();
  const bool has_data = batch.beats_size() + batch.scalars_size() + batch.waveforms_size() > 0;
  if (has_data && !cursor.check(batch)) std::abort();
}

}  // namespace attune::fuzz
