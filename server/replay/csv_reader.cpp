#include "replay/csv_reader.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "replay/recording_format.hpp"

namespace attune::replay {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto p = line.find(',', start);
    out.push_back(trim(line.substr(start, p == std::string::npos ? std::string::npos : p - start)));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

std::optional<core::Seat> seat_of(const std::string& s) {
  if (s == "A") return core::Seat::A;
  if (s == "B") return core::Seat::B;
  if (s == "C") return core::Seat::Clinician;
  return std::nullopt;
}

namespace rec = recording;

// Names in Stream's order.
constexpr const char* kStreamNames[kStreamCount] = {
    "rr", "hr", "resp", "eda", "motion",
    rec::kAdvance, rec::kRrFlags, rec::kRespRate,
    rec::kBaselineHrMedian, rec::kBaselineHrScale, rec::kBaselineLnRmssdMedian, rec::kBaselineLnRmssdScale,
    rec::kBaselineBreathMedian, rec::kBaselineBreathScale, rec::kStoredBaseline,
};

std::optional<Stream> stream_of(const std::string& s) {
  for (std::size_t i = 0; i < kStreamCount; ++i)
    if (s == kStreamNames[i]) return static_cast<Stream>(i);
  return std::nullopt;
}

}  // namespace

const char* stream_name(Stream s) {
  const auto i = static_cast<std::size_t>(s);
  return i < kStreamCount ? kStreamNames[i] : "?";
}

CsvResult read_replay_csv(std::istream& in, std::size_t max_errors) {
  CsvResult r;
  std::string line;
  std::size_t n = 0;
  auto bad = [&](const std::string& why) {
    ++r.bad_lines;
    if (r.errors.size() < max_errors) r.errors.push_back("line " + std::to_string(n) + ": " + why);
  };
  while (std::getline(in, line)) {
    ++n;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    if (!r.header_ok) {
      if (split(t) == std::vector<std::string>{"participant", "stream", "t_ms", "value"}) {
        r.header_ok = true;
      } else {
        bad("expected the header 'participant,stream,t_ms,value', got '" + t.substr(0, 80) + "'");
        return r;
      }
      continue;
    }
    const auto f = split(t);
    if (f.size() != 4) {
      bad("expected 4 comma-separated fields, got " + std::to_string(f.size()));
      continue;
    }
    const auto stream = stream_of(f[1]);
    if (!stream) {
      bad("stream must be rr, hr, resp, eda or motion (or a recording row), got '" + f[1].substr(0, 20) + "'");
      continue;
    }
    const bool room_row = *stream == Stream::Advance;
    const auto seat = room_row ? std::optional<core::Seat>(core::Seat::A) : seat_of(f[0]);
    if (room_row ? f[0] != rec::kRoomParticipant : !seat) {
      bad(room_row ? "participant of an advance row must be '*', got '" + f[0].substr(0, 20) + "'"
                   : "participant must be A, B or C, got '" + f[0].substr(0, 20) + "'");
      continue;
    }
    std::int64_t tms = 0;
    const auto res = std::from_chars(f[2].data(), f[2].data() + f[2].size(), tms);
    if (res.ec != std::errc() || res.ptr != f[2].data() + f[2].size()) {
      bad("t_ms must be an integer number of milliseconds, got '" + f[2].substr(0, 30) + "'");
      continue;
    }
    char* end = nullptr;
    const double v = std::strtod(f[3].c_str(), &end);
    if (f[3].empty() || end != f[3].c_str() + f[3].size() || !std::isfinite(v)) {
      bad("value must be a finite number, got '" + f[3].substr(0, 30) + "'");
      continue;
    }
    r.samples.push_back(Sample{*seat, *stream, tms, v, n});
  }
  if (!r.header_ok && n == 0) bad("empty input: no header");
  return r;
}

}  // namespace attune::replay
