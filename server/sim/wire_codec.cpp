#include "sim/wire_codec.hpp"

#include <google/protobuf/util/json_util.h>

namespace attune::sim {

namespace pbu = google::protobuf::util;

std::string encode_client_message(const attune::v1::ClientMessage& msg, bool text) {
  if (!text) return msg.SerializeAsString();
  return to_json_line(msg);
}

bool decode_server_message(const std::string& payload, bool text, attune::v1::ServerMessage& out,
                           std::string& error) {
  out.Clear();
  if (!text) {
    if (out.ParseFromString(payload)) return true;
    error = "binary frame is not a ServerMessage";
    return false;
  }
  pbu::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  const auto status = pbu::JsonStringToMessage(payload, &out, opts);
  if (status.ok()) return true;
  error = "text frame is not a ServerMessage: " + status.ToString();
  return false;
}

std::string to_json_line(const google::protobuf::Message& msg) {
  pbu::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  opts.add_whitespace = false;
  std::string out;
  (void)pbu::MessageToJsonString(msg, &out, opts);
  return out;
}

}  // namespace attune::sim
