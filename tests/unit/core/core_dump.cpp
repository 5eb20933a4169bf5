// Replays a beat CSV through the engine and prints one JSON line per data
// second, for comparison with tests/reference/core_reference.py.
//
//   core_dump <beats.csv> [--live]
//
// CSV: header line, then participant,stream,t_ms,value with participant A,
// B or C and stream "rr" or "resp" (one respiration sample per row; other
// streams are skipped). Without --live every row is added first and time
// advanced once; with --live rows are added in time order with a tick per
// whole second (both must print the same). --malik selects the Malik
// cleaning fallback. The last line (after the snapshots) is the summary.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
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
  bool resp;
  Beat beat;  // t_ms, and rr_ms = the sample value for respiration
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
    if (!seat || (stream != "rr" && stream != "resp")) continue;
    rows.push_back({*seat, stream == "resp",
                    Beat{std::strtoll(t.c_str(), nullptr, 10), std::strtod(value.c_str(), nullptr), 0}});
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
      << num(p.arousal) << ",\"artifact_fraction\":" << num(p.artifact_fraction)
      << ",\"sdnn_ms\":" << num(p.sdnn_ms) << ",\"pnn50\":" << num(p.pnn50) << ",\"lf_ms2\":"
      << num(p.lf_ms2) << ",\"hf_ms2\":" << num(p.hf_ms2) << ",\"rsa_ms2\":" << num(p.rsa_ms2)
      << ",\"coherence\":" << num(p.coherence) << ",\"breathing\":" << (p.breathing ? "true" : "false")
      << ",\"breath_rate_bpm\":" << num(p.breath_rate_bpm) << ",\"ie_ratio\":" << num(p.ie_ratio) << '}';
  }
  o << "},\"pairs\":[";
  for (std::size_t i = 0; i < s.pairs.size(); ++i) {
    const auto& p = s.pairs[i];
    if (i) o << ',';
    o << "{\"first\":\"" << seat_name(p.first) << "\",\"second\":\"" << seat_name(p.second)
      << "\",\"r0\":" << num(p.wcc_r0) << ",\"peak_r\":" << num(p.wcc_peak_r)
      << ",\"peak_lag_s\":" << num(p.wcc_peak_lag_s) << ",\"peak_z\":" << num(p.wcc_peak_z)
      << ",\"leader_first_share\":" << num(p.leader_first_share) << ",\"leader_second_share\":"
      << num(p.leader_second_share) << ",\"above_chance_z\":" << num(p.above_chance_z)
      << ",\"plv\":" << num(p.plv) << ",\"rel_phase_rad\":" << num(p.rel_phase_rad)
      << ",\"plv_above_chance_z\":" << num(p.plv_above_chance_z) << ",\"breath_rate_diff_bpm\":"
      << num(p.breath_rate_diff_bpm) << ",\"arousal_r\":" << num(p.arousal_r)
      << ",\"hrv_linkage_r\":" << num(p.hrv_linkage_r) << '}';
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
  bool live = false, malik = false;
  for (int i = 2; i < argc; ++i) {
    live = live || std::string(argv[i]) == "--live";
    malik = malik || std::string(argv[i]) == "--malik";
  }
  auto rows = read_csv(in);
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.beat.t_ms < b.beat.t_ms; });
  if (rows.empty()) return 0;
  const std::int64_t end = rows.back().beat.t_ms;

  EngineConfig cfg;
  if (malik) cfg.cleaning = CleaningMethod::Malik;
  SynchronyEngine engine(cfg);
  auto add = [&engine](const Row& r) {
    if (r.resp) {
      engine.add_respiration(r.seat, r.beat.t_ms, 25.0, &r.beat.rr_ms, 1);
    } else {
      engine.add_beat(r.seat, r.beat);
    }
  };
  if (live) {
    for (const Row& r : rows) {
      // Seconds before this row are complete (the first row starts the clock).
      if (&r != &rows.front()) engine.advance_to(r.beat.t_ms - 1, print);
      add(r);
    }
  } else {
    for (const Row& r : rows) add(r);
  }
  engine.advance_to(end, print);
  const EngineSummary sum = engine.summary();
  std::ostringstream o;
  o << "{\"summary\":true,\"participants\":{";
  for (std::size_t i = 0; i < kSeatCount; ++i) {
    const auto& p = sum.participants[i];
    if (i) o << ',';
    o << '"' << seat_name(static_cast<Seat>(i)) << "\":{\"ectopic\":" << p.ectopic_beats
      << ",\"missed\":" << p.missed_beats << ",\"extra\":" << p.extra_beats
      << ",\"long_short\":" << p.long_short_beats << ",\"implausible\":" << p.implausible_beats
      << ",\"beats_rejected\":" << p.beats_rejected << '}';
  }
  o << "}";
  // The A-B session-end tests (Stouffer over disjoint spans), checked by
  // compare_core.py against its own combination of the per-second z.
  const PairSummary& ab = sum.pairs.at(0);
  const auto num = [&o](const std::optional<double>& v) {
    if (v) o << std::setprecision(17) << *v;
    else o << "null";
  };
  o << ",\"AB\":{\"session_above_chance_spans\":" << ab.session_above_chance_spans << ",\"session_above_chance_z\":";
  num(ab.session_above_chance_z);
  o << ",\"session_plv_above_chance_spans\":" << ab.session_plv_above_chance_spans
    << ",\"session_plv_above_chance_z\":";
  num(ab.session_plv_above_chance_z);
  o << "}}\n";
  std::cout << o.str();
  std::cerr << "config " << engine.config().to_json() << "\n";
  return 0;
}
