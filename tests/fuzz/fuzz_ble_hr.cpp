// libFuzzer target: the BLE Heart Rate Measurement parser (GATT 0x2A37).
// Besides memory safety it checks the parser's contract: on success the
// fields the flags announce account for every byte.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "codec/ble_heart_rate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace attune::codec;
  const auto result = parse_heart_rate_measurement(data, size);
  if (const auto* e = std::get_if<BleParseError>(&result)) {
    if (to_string(*e) == nullptr) std::abort();
    if (size == 0 && *e != BleParseError::Empty) std::abort();
    return 0;
  }
  const auto& m = std::get<HeartRateMeasurement>(result);
  const std::uint8_t flags = data[0];
  const std::size_t expected = 1 + ((flags & 0x01) ? 2 : 1) + ((flags & 0x08) ? 2 : 0) + 2 * m.rr_ms.size();
  if (expected != size) std::abort();
  if (!(flags & 0x10) && !m.rr_ms.empty()) std::abort();
  if (m.energy_expended_kj.has_value() != ((flags & 0x08) != 0)) std::abort();
  if (m.contact_detected && !m.contact_supported) std::abort();
  for (double rr : m.rr_ms)
    if (!(rr >= 0.0 && rr < 64000.0)) std::abort();
  return 0;
}
