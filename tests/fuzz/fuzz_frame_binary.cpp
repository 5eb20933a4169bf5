// libFuzzer target: one binary (protobuf) WebSocket frame through the same
// path a connection and a room take: decode_client, then validate_batch and
// the per-seat StreamCursor on whatever decodes, then re-encoding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "codec/frame_codec.hpp"
#include "codec/sample_validation.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view frame(reinterpret_cast<const char*>(data), size);
  attune::fuzz::decode_and_validate(frame, attune::codec::FrameFormat::Binary);
  return 0;
}
