// Replays a beat CSV through the engine and prints one JSON line per data
// second, for comparison with tests/reference/core_reference.py.
//
//   core_dump <beats.csv> [--live]
//
// CSV: header line, then participant,stream,t_ms,value with participant A,
// B or C and stream "rr" (other streams are skipped). Without --live every
// beat is added first and time advanced once; with --live beats are added
// in time order with a tick per whole second (both must print the same).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/synchrony_engine.hpp"

using namespace attune::core;

namespace {

struct Row {
  Seat seat;
  Beat beat;
};

std::optional<Seat> seat_of(const std::string& s) {
  if (s == "A") return Seat::A;
  if (s == "B") return Seat::B;
  if (s == "C") return Seat::Clinician;
  return std::nullopt;
}

std::vector<Row> read_csv(std::istream& in) {
  std::vector<Row> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string who, stream, t, value;
    if (!std::getline(ss, who, ',') || !std::getline(ss, stream, ',') ||
        !std::getline(ss, t, ',') || !std::getline(ss, value, ',')) {
      continue;
    }
    const auto seat = seat_of(who);
    if (!seat || stream != "rr") continue;
    rows.push_back({*seat, Beat{std::strtoll(t.c_str(), nullptr, 10),
                                std::strtod(value.c_str(), nullptr), 0}});
  }
  return rows;
}

std::string num(const std::optional<double>& v) {
  if (!v) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", *v);
  return buf;
}

const char* state_name(RegulationState s) {
  switch (s) {
    case RegulationState::Unknown: return "UNKNOWN";
    case RegulationState::Settled: return "SETTLED";
    case RegulationState::Activated: return "ACTIVATED";
    case RegulationState::ShutDown: return "SHUT_DOWN";
  }
  return "?";
}

const char* shared_name(SharedState s) {
  switch (s) {
    case SharedState::Waiting: return "WAITING";
    case SharedState::Calibrating: return "CALIBRATING";
    case SharedState::LowSignal: return "LOW_SIGNAL";
    case SharedState::Connected: return "CONNECTED";
    case SharedState::Settled: return "SETTLED";
    case SharedState::OneActivated: return "ONE_ACTIVATED";
    case SharedState::CoEscalation: return "CO_ESCALATION";
    case SharedState::Withdrawn: return "WITHDRAWN";
  }
  return "?";
}

void print(const Snapshot& s) {
  std::ostringstream o;
  o << "{\"t_ms\":" << s.t_ms << ",\"shared\":\"" << shared_name(s.shared) << "\",\"participants\":{";
  for (std::size_t i = 0; i < kSeatCount; ++i) {
    const auto& p = s.participants[i];
    if (i) o << ',';
    o << '"' << seat_name(static_cast<Seat>(i)) << "\":{\"streaming\":" << (p.streaming ? "true" : "false")
      << ",\"calibrating\":" << (p.calibrating ? "true" : "false") << ",\"state\":\""
      << state_name(p.state) << "\",\"hr_bpm\":" << num(p.hr_bpm) << ",\"rmssd_ms\":"
      << num(p.rmssd_ms) << ",\"ln_rmssd\":" << num(p.ln_rmssd) << ",\"arousal\":"
      << num(p.arousal) << ",\"artifact_fraction\":" << num(p.artifact_fraction) << '}';
  }
  o << "},\"pairs\":[";
  for (std::size_t i = 0; i < s.pairs.size(); ++i) {
    const auto& p = s.pairs[i];
    if (i) o << ',';
    o << "{\"first\":\"" << seat_name(p.first) << "\",\"second\":\"" << seat_name(p.second)
      << "\",\"r0\":" << num(p.wcc_r0) << ",\"peak_r\":" << num(p.wcc_peak_r)
      << ",\"peak_lag_s\":" << num(p.wcc_peak_lag_s) << ",\"peak_z\":" << num(p.wcc_peak_z) << '}';
  }
  o << "]}\n";
  std::cout << o.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: core_dump <beats.csv> [--live]\n";
    return 2;
  }
  std::ifstream in(argv[1]);
  if (!in) {
    std::cerr << "cannot read " << argv[1] << "\n";
    return 2;
  }
  const bool live = argc > 2 && std::string(argv[2]) == "--live";
  auto rows = read_csv(in);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.beat.t_ms < b.beat.t_ms; });
  if (rows.empty()) return 0;
  const std::int64_t end = rows.back().beat.t_ms;

  SynchronyEngine engine;
  if (live) {
    for (const Row& r : rows) {
      // Seconds before this beat are complete (the first beat starts the clock).
      if (&r != &rows.front()) engine.advance_to(r.beat.t_ms - 1, print);
      engine.add_beat(r.seat, r.beat);
    }
  } else {
    for (const Row& r : rows) engine.add_beat(r.seat, r.beat);
  }
  engine.advance_to(end, print);
  std::cerr << "config " << engine.config().to_json() << "\n";
  return 0;
}
