#include "replay/csv_reader.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>

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

std::optional<Stream> stream_of(const std::string& s) {
  if (s == "rr") return Stream::Rr;
  if (s == "hr") return Stream::Hr;
  if (s == "resp") return Stream::Resp;
  if (s == "eda") return Stream::Eda;
  if (s == "motion") return Stream::Motion;
  return std::nullopt;
}

}  // namespace

const char* stream_name(Stream s) {
  switch (s) {
    case Stream::Rr: return "rr";
    case Stream::Hr: return "hr";
    case Stream::Resp: return "resp";
    case Stream::Eda: return "eda";
    case Stream::Motion: return "motion";
  }
  return "?";
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
    const auto seat = seat_of(f[0]);
    if (!seat) {
      bad("participant must be A, B or C, got '" + f[0].substr(0, 20) + "'");
      continue;
    }
    const auto stream = stream_of(f[1]);
    if (!stream) {
      bad("stream must be rr, hr, resp, eda or motion, got '" + f[1].substr(0, 20) + "'");
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
