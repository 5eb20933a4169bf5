#include "store/token.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <cstdint>
#include <stdexcept>

namespace attune::store {
namespace {

template <std::size_t N>
std::array<unsigned char, N> random_bytes() {
  std::array<unsigned char, N> out{};
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed: no secure randomness available");
  }
  return out;
}

// Encodes whole groups of `bits` bits, most significant first; a final partial
// group is padded with zero bits (no '=' characters).
std::string encode_bits(const unsigned char* data, std::size_t size, unsigned bits,
                        std::string_view alphabet) {
  std::string out;
  out.reserve((size * 8 + bits - 1) / bits);
  std::uint32_t buffer = 0;
  unsigned held = 0;
  const std::uint32_t mask = (1u << bits) - 1;
  for (std::size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    held += 8;
    while (held >= bits) {
      held -= bits;
      out.push_back(alphabet[(buffer >> held) & mask]);
    }
  }
  if (held > 0) out.push_back(alphabet[(buffer << (bits - held)) & mask]);
  return out;
}

constexpr std::string_view kBase64Url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view kBase32Lower = "abcdefghijklmnopqrstuvwxyz234567";

}  // namespace

std::string generate_token() {
  const auto bytes = random_bytes<32>();
  return encode_bits(bytes.data(), bytes.size(), 6, kBase64Url);
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(2 * SHA256_DIGEST_LENGTH, '0');
  for (std::size_t i = 0; i < SHA256_DIGEST_LENGTH; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0x0f];
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string generate_id(std::string_view prefix) {
  const auto bytes = random_bytes<16>();
  std::string out(prefix);
  out += encode_bits(bytes.data(), bytes.size(), 5, kBase32Lower);
  return out;
}

}  // namespace attune::store
