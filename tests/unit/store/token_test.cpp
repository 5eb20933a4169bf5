#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "store/token.hpp"

using namespace attune::store;

namespace {
bool only_chars_from(const std::string& s, const std::string& alphabet) {
  return s.find_first_not_of(alphabet) == std::string::npos;
}
const std::string kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
}  // namespace

TEST_CASE("generate_token: 32 bytes as unpadded base64url") {
  const auto token = generate_token();
  CHECK(token.size() == 43);  // ceil(256 / 6)
  CHECK(only_chars_from(token, kBase64Url));
  CHECK(token.find('=') == std::string::npos);
}

TEST_CASE("generate_token: 10k tokens are all different") {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(generate_token());
  CHECK(seen.size() == 10000);
}

TEST_CASE("generate_token: the last character carries only 4 bits") {
  // 256 = 42*6 + 4: the final symbol's two low bits are padding zeros, so only
  // every fourth base64url symbol can appear there. Catches an encoder that
  // leaks garbage bits.
  const std::string allowed = "AEIMQUYcgkosw048";
  for (int i = 0; i < 200; ++i) {
    const auto token = generate_token();
    REQUIRE(allowed.find(token.back()) != std::string::npos);
  }
}

TEST_CASE("sha256_hex: known vectors") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex(std::string("a\0b", 3)) != sha256_hex("ab"));  // embedded NUL counts
  const auto h = sha256_hex(generate_token());
  CHECK(h.size() == 64);
  CHECK(only_chars_from(h, "0123456789abcdef"));
}

TEST_CASE("constant_time_equal") {
  CHECK(constant_time_equal("", ""));
  CHECK(constant_time_equal("secret", "secret"));
  CHECK_FALSE(constant_time_equal("secret", "secreT"));
  CHECK_FALSE(constant_time_equal("secret", "secret1"));  // prefix, different length
  CHECK_FALSE(constant_time_equal("", "x"));
  CHECK_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST_CASE("generate_id: prefix plus 26 base32 characters - unique") {
  const auto id = generate_id("rm_");
  REQUIRE(id.size() == 3 + 26);
  CHECK(id.rfind("rm_", 0) == 0);
  CHECK(only_chars_from(id.substr(3), "abcdefghijklmnopqrstuvwxyz234567"));
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) seen.insert(generate_id("ss_"));
  CHECK(seen.size() == 10000);
}
