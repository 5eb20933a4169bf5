// Secrets and identifiers: invite tokens and room keys are random, handed out
// once, and stored only as their SHA-256.
#pragma once

#include <string>
#include <string_view>

namespace attune::store {

// 32 random bytes (OpenSSL RAND_bytes), base64url without padding: 43 chars.
// Throws std::runtime_error if the random generator fails.
std::string generate_token();

// Lowercase hex SHA-256 of the bytes: 64 chars. What the database keeps.
std::string sha256_hex(std::string_view data);

// Compares without an early exit on the first differing byte (CRYPTO_memcmp).
// Different lengths compare unequal; the length itself is not secret.
bool constant_time_equal(std::string_view a, std::string_view b);

// prefix + 16 random bytes in lowercase base32 (26 chars), e.g. "rm_...".
// Identifiers are not secrets, but random ones cannot be enumerated.
std::string generate_id(std::string_view prefix);

}  // namespace attune::store
