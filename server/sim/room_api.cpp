#include "sim/room_api.hpp"

#include <google/protobuf/util/json_util.h>

#include "sim/wire_codec.hpp"

namespace attune::sim {

namespace v1 = attune::v1;
namespace pbu = google::protobuf::util;

std::string create_room_body(const std::string& label) {
  v1::CreateRoomRequest req;
  req.set_label(label);
  return to_json_line(req);
}

bool parse_create_room_response(int status, const std::string& body, v1::CreateRoomResponse& out,
                                std::string& error) {
  pbu::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  if (status < 200 || status >= 300) {
    v1::HttpError err;
    if (pbu::JsonStringToMessage(body, &err, opts).ok() && !err.error().message().empty())
      error = "HTTP " + std::to_string(status) + " " + err.error().code() + ": " + err.error().message();
    else
      error = "HTTP " + std::to_string(status) + ": " + body.substr(0, 200);
    return false;
  }
  const auto st = pbu::JsonStringToMessage(body, &out, opts);
  if (!st.ok()) {
    error = "room created but the response is not a CreateRoomResponse: " + st.ToString();
    return false;
  }
  if (out.invites().partner_a().empty() || out.invites().partner_b().empty()) {
    error = "room created but the response has no partner invites";
    return false;
  }
  return true;
}

}  // namespace attune::sim
