#include "codec/frame_codec.hpp"

#include <google/protobuf/util/json_util.h>

namespace attune::codec {
namespace {

// Far deeper than any valid message (the deepest is about 4 levels); rejects
// pathological nesting before the JSON parser recurses into it.
constexpr int kMaxJsonDepth = 32;

// protobuf's JSON parser also accepts single-quoted strings, and inside one
// a '"' is an ordinary character (and the other way round), so the scan
// tracks which quote opened the string: otherwise {"a":'"',"b":[[[...]]]}
// hides its brackets from this check.
bool json_nesting_ok(std::string_view json) {
  int depth = 0;
  char quote = 0;  // the quote that opened the current string, 0 outside strings
  bool escaped = false;
  for (char c : json) {
    if (quote != 0) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') quote = c;
    else if (c == '{' || c == '[') { if (++depth > kMaxJsonDepth) return false; }
    else if (c == '}' || c == ']') --depth;
  }
  return true;
}

}  // namespace

bool decode_client(std::string_view frame, FrameFormat format, v1::ClientMessage& out,
                   DecodeError& error) {
  out.Clear();
  if (format == FrameFormat::Binary) {
    if (!out.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) {
      error = {v1::ERROR_CODE_BAD_FRAME, "The binary frame is not a valid attune.v1.ClientMessage."};
      return false;
    }
  } else {
    if (!json_nesting_ok(frame)) {
      error = {v1::ERROR_CODE_BAD_FRAME, "The JSON frame is nested too deeply."};
      return false;
    }
    std::string why;
    if (!from_json(frame, out, &why)) {
      error = {v1::ERROR_CODE_BAD_FRAME,
               "The text frame is not a valid attune.v1.ClientMessage in JSON: " + why};
      return false;
    }
  }
  if (out.payload_case() == v1::ClientMessage::PAYLOAD_NOT_SET) {
    error = {v1::ERROR_CODE_INVALID, "The message has no payload (hello, samples, marker or leave)."};
    return false;
  }
  return true;
}

std::string encode_server(const v1::ServerMessage& message, FrameFormat format) {
  if (format == FrameFormat::Binary) return message.SerializeAsString();
  return to_json(message);
}

std::string to_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

bool from_json(std::string_view json, google::protobuf::Message& out, std::string* error) {
  if (!json_nesting_ok(json)) {
    if (error) *error = "nested too deeply";
    return false;
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &out, options);
  if (!status.ok()) {
    if (error) *error = std::string(status.message());
    return false;
  }
  return true;
}

}  // namespace attune::codec
