#include "codec/ble_heart_rate.hpp"

namespace attune::codec {
namespace {

constexpr std::uint8_t kFlagHr16 = 0x01;
constexpr std::uint8_t kFlagContactDetected = 0x02;
constexpr std::uint8_t kFlagContactSupported = 0x04;
constexpr std::uint8_t kFlagEnergy = 0x08;
constexpr std::uint8_t kFlagRr = 0x10;

std::uint16_t le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (static_cast<unsigned>(p[1]) << 8));
}

}  // namespace

const char* to_string(BleParseError e) {
  switch (e) {
    case BleParseError::Empty: return "empty Heart Rate Measurement (no flags byte)";
    case BleParseError::Truncated: return "truncated Heart Rate Measurement (a field announced by the flags is cut short)";
    case BleParseError::TrailingByte: return "odd trailing byte after the RR intervals (RR values are 2 bytes each)";
    case BleParseError::UnexpectedBytes: return "bytes after the last field announced by the flags (RR flag clear)";
  }
  return "unknown error";
}

BleParseResult parse_heart_rate_measurement(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || data == nullptr) return BleParseError::Empty;
  const std::uint8_t flags = data[0];
  std::size_t pos = 1;

  HeartRateMeasurement m;
  if (flags & kFlagHr16) {
    if (size - pos < 2) return BleParseError::Truncated;
    m.hr_bpm = le16(data + pos);
    pos += 2;
  } else {
    if (size - pos < 1) return BleParseError::Truncated;
    m.hr_bpm = data[pos];
    pos += 1;
  }
  m.contact_supported = (flags & kFlagContactSupported) != 0;
  m.contact_detected = m.contact_supported && (flags & kFlagContactDetected) != 0;

  if (flags & kFlagEnergy) {
    if (size - pos < 2) return BleParseError::Truncated;
    m.energy_expended_kj = le16(data + pos);
    pos += 2;
  }

  const std::size_t rest = size - pos;
  if (flags & kFlagRr) {
    // The flag says "one or more"; a notification that sets it and carries
    // none is tolerated (seen in the field) and yields no intervals.
    if (rest % 2 != 0) return BleParseError::TrailingByte;
    m.rr_ms.reserve(rest / 2);
    for (; pos + 2 <= size; pos += 2) m.rr_ms.push_back(rr_1024_to_ms(le16(data + pos)));
  } else if (rest != 0) {
    // Bytes the flags do not announce are refused rather than guessed at.
    return BleParseError::UnexpectedBytes;
  }
  return m;
}

}  // namespace attune::codec
