// Frames on the simulator's WebSocket connections: protobuf in binary frames,
// protobuf's JSON mapping (snake_case names) in text frames.
#pragma once

#include <string>

#include "attune/v1/attune.pb.h"

namespace attune::sim {

// The payload of one frame; `text` selects the JSON mapping.
std::string encode_client_message(const attune::v1::ClientMessage& msg, bool text);

// Decodes by frame type (unknown JSON fields are ignored, so a newer server
// does not break an older simulator). Returns false with error set on failure.
bool decode_server_message(const std::string& payload, bool text, attune::v1::ServerMessage& out,
                           std::string& error);

// Any message as one line of JSON with snake_case names (for --json output).
std::string to_json_line(const google::protobuf::Message& msg);

}  // namespace attune::sim
