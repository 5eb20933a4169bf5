// Heart Rate Measurement (GATT 0x2A37) parser: byte vectors laid out as in the
// Bluetooth SIG Heart Rate Service specification, section 3.1, and bad input.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "codec/ble_heart_rate.hpp"

using namespace attune::codec;

namespace {

BleParseResult parse(std::vector<std::uint8_t> bytes) {
  return parse_heart_rate_measurement(bytes.data(), bytes.size());
}

HeartRateMeasurement ok(const BleParseResult& r) {
  INFO((std::holds_alternative<BleParseError>(r) ? to_string(std::get<BleParseError>(r)) : "ok"));
  REQUIRE(std::holds_alternative<HeartRateMeasurement>(r));
  return std::get<HeartRateMeasurement>(r);
}

BleParseError err(const BleParseResult& r) {
  REQUIRE(std::holds_alternative<BleParseError>(r));
  return std::get<BleParseError>(r);
}

}  // namespace

TEST_CASE("BLE HRM: 8-bit heart rate, no other fields") {
  const auto m = ok(parse({0x00, 72}));
  CHECK(m.hr_bpm == 72);
  CHECK_FALSE(m.contact_supported);
  CHECK_FALSE(m.contact_detected);
  CHECK_FALSE(m.energy_expended_kj.has_value());
  CHECK(m.rr_ms.empty());
}

TEST_CASE("BLE HRM: 16-bit heart rate is little-endian") {
  const auto m = ok(parse({0x01, 0x2C, 0x01}));  // 0x012C = 300
  CHECK(m.hr_bpm == 300);
}

TEST_CASE("BLE HRM: sensor contact bits") {
  SECTION("supported and detected (flags 0x06)") {
    const auto m = ok(parse({0x06, 60}));
    CHECK(m.contact_supported);
    CHECK(m.contact_detected);
  }
  SECTION("supported, not detected (flags 0x04)") {
    const auto m = ok(parse({0x04, 60}));
    CHECK(m.contact_supported);
    CHECK_FALSE(m.contact_detected);
  }
  SECTION("not supported: the detected bit means nothing (flags 0x02)") {
    const auto m = ok(parse({0x02, 60}));
    CHECK_FALSE(m.contact_supported);
    CHECK_FALSE(m.contact_detected);
  }
}

TEST_CASE("BLE HRM: energy expended") {
  const auto m = ok(parse({0x08, 80, 0x34, 0x12}));
  REQUIRE(m.energy_expended_kj.has_value());
  CHECK(*m.energy_expended_kj == 0x1234);
  CHECK(m.rr_ms.empty());
}

TEST_CASE("BLE HRM: RR intervals in 1/1024 s become milliseconds") {
  // A Polar H10-style notification: flags 0x16 (8-bit HR, contact supported
  // and detected, RR present), HR 75, RR 0x0333 = 819/1024 s, 0x0320 = 800/1024 s.
  const auto m = ok(parse({0x16, 75, 0x33, 0x03, 0x20, 0x03}));
  CHECK(m.hr_bpm == 75);
  CHECK(m.contact_detected);
  REQUIRE(m.rr_ms.size() == 2);
  CHECK(m.rr_ms[0] == Approx(819 * 1000.0 / 1024.0));
  CHECK(m.rr_ms[1] == Approx(781.25));
  CHECK(rr_1024_to_ms(1024) == 1000.0);
}

TEST_CASE("BLE HRM: every field at once, 16-bit HR") {
  // flags 0x1F: UINT16 HR, contact supported+detected, energy, RR
  const auto m = ok(parse({0x1F, 0x48, 0x00, 0x0A, 0x00, 0x00, 0x04, 0x00, 0x02, 0xFF, 0xFF}));
  CHECK(m.hr_bpm == 72);
  CHECK(*m.energy_expended_kj == 10);
  REQUIRE(m.rr_ms.size() == 3);
  CHECK(m.rr_ms[0] == 1000.0);
  CHECK(m.rr_ms[1] == 500.0);
  CHECK(m.rr_ms[2] == Approx(65535 * 1000.0 / 1024.0));
}

TEST_CASE("BLE HRM: RR flag with no intervals yields none") {
  const auto m = ok(parse({0x10, 70}));
  CHECK(m.rr_ms.empty());
}

TEST_CASE("BLE HRM: reserved flag bits are ignored") {
  const auto m = ok(parse({0xE0, 70}));
  CHECK(m.hr_bpm == 70);
}

TEST_CASE("BLE HRM: many RR values up to the end (long ATT MTU)") {
  std::vector<std::uint8_t> bytes{0x10, 60};
  for (int i = 0; i < 200; ++i) { bytes.push_back(0x00); bytes.push_back(0x04); }
  const auto m = ok(parse(bytes));
  CHECK(m.rr_ms.size() == 200);
}

TEST_CASE("BLE HRM: bad input gives a clear error") {
  CHECK(err(parse({})) == BleParseError::Empty);
  CHECK(err(parse_heart_rate_measurement(nullptr, 0)) == BleParseError::Empty);
  CHECK(err(parse({0x00})) == BleParseError::Truncated);             // no HR value
  CHECK(err(parse({0x01, 0x48})) == BleParseError::Truncated);       // half a UINT16 HR
  CHECK(err(parse({0x08, 70})) == BleParseError::Truncated);         // energy announced, missing
  CHECK(err(parse({0x08, 70, 0x01})) == BleParseError::Truncated);   // half the energy
  CHECK(err(parse({0x10, 70, 0x00, 0x04, 0x01})) == BleParseError::TrailingByte);
  CHECK(err(parse({0x18, 70, 0x01, 0x00, 0x01})) == BleParseError::TrailingByte);
  CHECK(err(parse({0x00, 70, 0x00, 0x04})) == BleParseError::UnexpectedBytes);  // RR flag clear
  for (auto e : {BleParseError::Empty, BleParseError::Truncated, BleParseError::TrailingByte,
                 BleParseError::UnexpectedBytes})
    CHECK(std::string(to_string(e)).size() > 10);
}

TEST_CASE("BLE HRM: string_view overload") {
  const std::string bytes("\x10\x3c\x00\x04", 4);
  CHECK(ok(parse_heart_rate_measurement(bytes)).rr_ms.at(0) == 1000.0);
}
