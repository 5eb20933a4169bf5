// Parser for the Bluetooth GATT Heart Rate Measurement characteristic
// (UUID 0x2A37), as notified by chest straps and watches.
//
// Layout (Bluetooth SIG, "Heart Rate Service Specification" HRS v1.0,
// section 3.1 "Heart Rate Measurement", and the GATT Specification
// Supplement, characteristic 0x2A37):
//
//   byte 0      Flags
//                 bit 0   Heart Rate Value Format: 0 = UINT8, 1 = UINT16
//                 bit 1   Sensor Contact Status (detected when supported)
//                 bit 2   Sensor Contact Support: 1 = the feature is supported
//                 bit 3   Energy Expended Status: 1 = the field is present
//                 bit 4   RR-Interval: 1 = one or more RR values are present
//                 bits 5-7 reserved for future use (ignored here)
//   1 or 2      Heart Rate Measurement Value, beats/min (UINT8 or UINT16 LE)
//   0 or 2      Energy Expended, kilojoules (UINT16 LE), accumulated
//   2 * n       RR-Interval values, UINT16 LE, resolution 1/1024 s, oldest
//               first, as many as fit in the rest of the notification
//
// Everything is little-endian. The parser is pure: no I/O, no globals; the only
// allocation is the RR vector, reserved once to its exact size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

namespace attune::codec {

struct HeartRateMeasurement {
  std::uint16_t hr_bpm = 0;
  bool contact_supported = false;  // flags bit 2
  bool contact_detected = false;   // flags bit 1; meaningful only when supported
  std::optional<std::uint16_t> energy_expended_kj;
  std::vector<double> rr_ms;       // each RR interval converted from 1/1024 s to ms
};

enum class BleParseError {
  Empty,          // no bytes at all
  Truncated,      // the flags announce a field (HR value or energy) that is cut short
  TrailingByte,   // an odd byte left over where only whole RR values may follow
  UnexpectedBytes,// bytes after the last announced field while the RR flag is clear
};

const char* to_string(BleParseError e);

using BleParseResult = std::variant<HeartRateMeasurement, BleParseError>;

// Parses one notification of characteristic 0x2A37.
BleParseResult parse_heart_rate_measurement(const std::uint8_t* data, std::size_t size);

inline BleParseResult parse_heart_rate_measurement(std::string_view bytes) {
  return parse_heart_rate_measurement(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

// 1/1024 s units to milliseconds (exact in double).
inline constexpr double rr_1024_to_ms(std::uint16_t raw) { return raw * (1000.0 / 1024.0); }

}  // namespace attune::codec
