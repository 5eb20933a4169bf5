// The one HTTP call the simulator makes: POST /v1/rooms to create a room.
#pragma once

#include <string>

#include "attune/v1/api.pb.h"
#include "sim/simulate_options.hpp"

namespace attune::sim {

// Blocks up to 10 s. On success fills `out` (protobuf JSON mapping of the
// response); on failure sets `error` (the server's HttpError message when
// it sent one).
bool create_room(const ServerUrl& url, const std::string& admin_key, const std::string& label,
                 attune::v1::CreateRoomResponse& out, std::string& error);

// Builds the request body and reads the response body (exposed for tests).
std::string create_room_body(const std::string& label);
bool parse_create_room_response(int status, const std::string& body, attune::v1::CreateRoomResponse& out,
                                std::string& error);

}  // namespace attune::sim
