// codec::decode_client on binary (protobuf) and text (JSON) frames: what is
// accepted, and the error code for what is not.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "codec/frame_codec.hpp"
#include "codec/sample_validation.hpp"

using namespace attune;
using codec::FrameFormat;

namespace {

struct Decoded {
  bool ok = false;
  v1::ClientMessage msg;
  codec::DecodeError error;
};

Decoded decode(const std::string& frame, FrameFormat format) {
  Decoded d;
  d.ok = codec::decode_client(frame, format, d.msg, d.error);
  return d;
}

std::string nested(int depth, const std::string& open = "[", const std::string& close = "]") {
  std::string s;
  for (int i = 0; i < depth; ++i) s += open;
  for (int i = 0; i < depth; ++i) s += close;
  return s;
}

constexpr std::int64_t kNow = 1'795'868'310'000;

}  // namespace

TEST_CASE("decode binary: a valid SampleBatch round-trips") {
  v1::ClientMessage m;
  m.set_seq(42);
  auto* b = m.mutable_samples()->add_beats();
  b->set_t_ms(kNow);
  b->set_rr_ms(742.0);
  const auto d = decode(m.SerializeAsString(), FrameFormat::Binary);
  REQUIRE(d.ok);
  CHECK(d.msg.seq() == 42);
  REQUIRE(d.msg.samples().beats_size() == 1);
  CHECK(d.msg.samples().beats(0).rr_ms() == 742.0);
}

TEST_CASE("decode binary: garbage is BAD_FRAME") {
  const auto d = decode(std::string("\xff\xff\xff\xff\xff", 5), FrameFormat::Binary);
  CHECK_FALSE(d.ok);
  CHECK(d.error.code == v1::ERROR_CODE_BAD_FRAME);
  CHECK_FALSE(d.error.message.empty());
}

TEST_CASE("decode binary: a truncated message is BAD_FRAME") {
  v1::ClientMessage m;
  m.mutable_hello()->set_invite_token("abcdefghijklmnop");
  std::string bytes = m.SerializeAsString();
  bytes.resize(bytes.size() - 3);
  const auto d = decode(bytes, FrameFormat::Binary);
  CHECK_FALSE(d.ok);
  CHECK(d.error.code == v1::ERROR_CODE_BAD_FRAME);
}

TEST_CASE("decode binary: an empty frame has no payload (INVALID)") {
  const auto d = decode("", FrameFormat::Binary);
  CHECK_FALSE(d.ok);
  CHECK(d.error.code == v1::ERROR_CODE_INVALID);
}

TEST_CASE("decode binary: unknown fields are skipped") {
  v1::ClientMessage m;
  m.mutable_leave()->set_end_session(true);
  std::string bytes = m.SerializeAsString();
  bytes += std::string("\xa8\x1f\x01", 3);  // field 500, varint 1
  const auto d = decode(bytes, FrameFormat::Binary);
  REQUIRE(d.ok);
  CHECK(d.msg.leave().end_session());
}

TEST_CASE("decode JSON: snake_case and lowerCamelCase, int64 as string or number") {
  const auto a = decode(R"({"seq":"7","samples":{"beats":[{"t_ms":"1795868310000","rr_ms":800}]}})", FrameFormat::Json);
  REQUIRE(a.ok);
  CHECK(a.msg.samples().beats(0).t_ms() == kNow);
  const auto b = decode(R"({"seq":7,"samples":{"beats":[{"tMs":1795868310000,"rrMs":800.5}]}})", FrameFormat::Json);
  REQUIRE(b.ok);
  CHECK(b.msg.samples().beats(0).rr_ms() == 800.5);
}

TEST_CASE("decode JSON: unknown fields are ignored") {
  const auto d = decode(R"({"leave":{"end_session":true},"extra":{"x":[1,2,{"y":null}]}})", FrameFormat::Json);
  REQUIRE(d.ok);
  CHECK(d.msg.leave().end_session());
}

TEST_CASE("decode JSON: malformed text is BAD_FRAME") {
  for (const char* bad : {"", "{", "not json", "{\"seq\":}", "[]", "{\"samples\":{\"beats\":[{\"rr_ms\":\"abc\"}]}}",
                          "{\"seq\":\"-1\",\"leave\":{}}", "{\"samples\":7}"}) {
    INFO(bad);
    const auto d = decode(bad, FrameFormat::Json);
    CHECK_FALSE(d.ok);
    CHECK(d.error.code == v1::ERROR_CODE_BAD_FRAME);
  }
}

TEST_CASE("decode JSON: a valid message without payload is INVALID") {
  const auto d = decode(R"({"seq":"3"})", FrameFormat::Json);
  CHECK_FALSE(d.ok);
  CHECK(d.error.code == v1::ERROR_CODE_INVALID);
}

TEST_CASE("decode JSON: deep nesting is refused before parsing") {
  SECTION("arrays in an unknown field, 33 levels") {
    const auto d = decode("{\"x\":" + nested(32) + ",\"leave\":{}}", FrameFormat::Json);
    CHECK_FALSE(d.ok);
    CHECK(d.error.code == v1::ERROR_CODE_BAD_FRAME);
    CHECK(d.error.message.find("nested too deeply") != std::string::npos);
  }
  SECTION("100,000 levels do not exhaust the stack") {
    const auto d = decode(nested(100000), FrameFormat::Json);
    CHECK_FALSE(d.ok);
    CHECK(d.error.code == v1::ERROR_CODE_BAD_FRAME);
  }
  SECTION("brackets inside strings do not count") {
    const auto d = decode("{\"x\":\"" + nested(100) + "\\\"[[\",\"leave\":{}}", FrameFormat::Json);
    CHECK(d.ok);
  }
  SECTION("a single-quoted string holding a double quote does not hide the brackets") {
    // protobuf's JSON parser accepts 'single-quoted' strings; the nesting
    // check used to know only "double" ones, so this passed at any depth.
    const auto d = decode("{\"x\":'\"',\"y\":" + nested(1000) + ",\"leave\":{}}", FrameFormat::Json);
    CHECK_FALSE(d.ok);
    CHECK(d.error.message.find("nested too deeply") != std::string::npos);
    const auto fine = decode("{'x':'\"[[[[','leave':{}}", FrameFormat::Json);
    CHECK(fine.ok);
  }
  SECTION("a little nesting in an unknown field is fine") {
    const auto d = decode("{\"x\":" + nested(10) + ",\"leave\":{}}", FrameFormat::Json);
    CHECK(d.ok);
  }
}

TEST_CASE("decode JSON: NaN and infinity decode, then validation refuses them") {
  for (const char* v : {"\"NaN\"", "\"Infinity\"", "\"-Infinity\""}) {
    INFO(v);
    const auto d = decode(std::string(R"({"samples":{"beats":[{"t_ms":"1795868310000","rr_ms":)") + v + "}]}}",
                          FrameFormat::Json);
    REQUIRE(d.ok);
    CHECK_FALSE(std::isfinite(d.msg.samples().beats(0).rr_ms()));
    const auto e = codec::validate_batch(d.msg.samples(), kNow);
    REQUIRE(e.has_value());
    CHECK(e->code == v1::ERROR_CODE_NOT_FINITE);
  }
}

TEST_CASE("decode JSON: bare NaN and 1e999 are not JSON numbers") {
  for (const char* v : {"NaN", "nan", "Infinity"}) {
    INFO(v);
    const auto d = decode(std::string(R"({"samples":{"beats":[{"t_ms":"1","rr_ms":)") + v + "}]}}",
                          FrameFormat::Json);
    CHECK_FALSE(d.ok);
    CHECK(d.error.code == v1::ERROR_CODE_BAD_FRAME);
  }
}

TEST_CASE("encode_server then decode as JSON stays within the nesting limit") {
  v1::ServerMessage s;
  s.set_seq(5);
  const auto json = codec::encode_server(s, FrameFormat::Json);
  CHECK(json.find("\"seq\"") != std::string::npos);
  v1::ServerMessage back;
  REQUIRE(codec::from_json(json, back));
  CHECK(back.seq() == 5);
}
