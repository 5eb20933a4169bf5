// WebSocket frames <-> protocol messages. Binary frames carry protobuf, text
// frames protobuf's canonical JSON mapping (snake_case on output; both
// snake_case and lowerCamelCase accepted on input).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "attune/v1/attune.pb.h"

namespace attune::codec {

enum class FrameFormat { Binary, Json };

struct DecodeError {
  v1::ErrorCode code = v1::ERROR_CODE_BAD_FRAME;
  std::string message;
};

// Decodes one client frame. On failure returns false and fills `error`.
bool decode_client(std::string_view frame, FrameFormat format, v1::ClientMessage& out,
                   DecodeError& error);

std::string encode_server(const v1::ServerMessage& message, FrameFormat format);

// Any protobuf message as JSON (snake_case names, fields with default values
// left out) for HTTP bodies and stored summaries.
std::string to_json(const google::protobuf::Message& message);
// Parses JSON into `out`; unknown fields are ignored. Returns false on error.
bool from_json(std::string_view json, google::protobuf::Message& out, std::string* error = nullptr);

}  // namespace attune::codec
