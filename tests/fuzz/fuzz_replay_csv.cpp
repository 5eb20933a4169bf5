// libFuzzer target: the replay CSV reader (server/replay/csv_reader.hpp).
// Besides memory safety it checks the reader's contract: every sample it
// returns is well-formed and no more errors are kept than asked for.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "replay/csv_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace attune::replay;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  constexpr std::size_t kMaxErrors = 5;
  const CsvResult r = read_replay_csv(in, kMaxErrors);
  if (r.errors.size() > kMaxErrors || r.errors.size() > r.bad_lines) std::abort();
  if (!r.header_ok && !r.samples.empty()) std::abort();
  std::size_t last_line = 0;
  for (const auto& s : r.samples) {
    if (!std::isfinite(s.value)) std::abort();
    if (s.line <= last_line) std::abort();  // file order, one sample per line
    last_line = s.line;
    if (std::string(stream_name(s.stream)) == "?") std::abort();
  }
  return 0;
}
