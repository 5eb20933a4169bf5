#include "replay/replay_command.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

#include "core/synchrony_engine.hpp"
#include "replay/csv_reader.hpp"
#include "replay/jsonl_writer.hpp"
#include "replay/replay_feed.hpp"

namespace attune::replay {
namespace {

constexpr const char* kHelp = R"(attune replay: recorded streams through the synchrony core

Usage: attune replay [--malik] [--strict] FILE|-

Input: CSV with the header line
  participant,stream,t_ms,value
and one sample per line:
  participant  A, B (partners) or C (clinician)
  stream       rr     value = RR interval in ms; t_ms = time of the beat that ends it
               resp   value = one respiration waveform sample (any unit); its time is t_ms
               hr, eda, motion   accepted and counted; not used by this core version
  t_ms         integer milliseconds on one clock for everybody
  value        finite number
Blank lines and lines starting with '#' are skipped. A bad line (wrong field
count, unknown participant or stream, non-integer time, non-finite value) is
reported on stderr with its line number and skipped; --strict makes any bad
line an error (exit 1). Rows may come in any order: they are fed to the core
in time order (stable), a tick per whole second, as a live room would.

A recording written by the server (`attune serve --recordings-dir`, rooms
created with the recording consent) also holds the room's own steps: rows
`*,advance,T,0` (the room advanced data time to T), `rr_flags` (a beat's
device flags), `resp_rate` (a waveform chunk's start and rate) and the
`baseline_*` / `stored_baseline` rows of a stored baseline handed to the
core. A file with advance rows is replayed as recorded: rows in file order,
seconds closed where the room closed them, so the values are exactly the
ones the room published, even where one partner's data came late.

Output (stdout): JSON Lines, one object per second of data time:
  {"t_s": 123,
   "A": {"hr_bpm", "rmssd_ms", "ln_rmssd", "sdnn_ms", "pnn50", "lf_ms2", "hf_ms2",
         "rsa_ms2", "coherence", "breath_rate_bpm", "ie_ratio", "arousal",
         "state", "artifact_fraction"},
   "B": {...}, "C": {...} (C only when the clinician appears in the file),
   "pairs": {"AB": {"wcc_r0", "wcc_peak_r", "wcc_peak_lag_s", "wcc_peak_z", "plv",
                    "rel_phase_rad", "breath_rate_diff", "arousal_r", "hrv_linkage_r",
                    "above_chance_z"}, "AC": {...}, "BC": {...}},
   "shared_state": "WAITING|CALIBRATING|LOW_SIGNAL|CONNECTED|SETTLED|ONE_ACTIVATED|CO_ESCALATION|WITHDRAWN"}
A value not available (window not full, quality too low, stream absent) is
null, never NaN. state is UNKNOWN|SETTLED|ACTIVATED|SHUT_DOWN.
wcc_peak_lag_s > 0: the second named partner follows the first.
pnn50 is a percentage of successive differences (denominator: number of
differences). The last line is {"summary": {...}} with time in each state,
means, beat classes, HRV linkage over the session, above-chance tests, the
co-regulation episodes of A and B ("coregulation": counts per outcome,
median and mean recovery time, per-partner counts, the first 100 episodes
with start_s/end_s in data seconds), the input report and the full
configuration with the algorithm version.
Every metric's definition, window and source: docs/metrics.md.

Flags:
  --malik    clean beats with the Malik rule instead of Lipponen & Tarvainen 2019
  --strict   stop at the first bad line
  -h, --help this text
)";

}  // namespace

int run_replay(int argc, char** argv) {
  std::string path;
  bool malik = false, strict = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::cout << kHelp;
      return 0;
    }
    if (a == "--malik") {
      malik = true;
    } else if (a == "--strict") {
      strict = true;
    } else if (!a.empty() && a[0] == '-' && a != "-") {
      std::cerr << "attune replay: unknown flag '" << a << "'\n\n" << kHelp;
      return 2;
    } else if (path.empty()) {
      path = a;
    } else {
      std::cerr << "attune replay: one input file only\n";
      return 2;
    }
  }
  if (path.empty()) {
    std::cerr << "attune replay: missing FILE\n\n" << kHelp;
    return 2;
  }
  CsvResult csv;
  if (path == "-") {
    csv = read_replay_csv(std::cin);
  } else {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "attune replay: cannot open '" << path << "': " << std::strerror(errno) << "\n";
      return 1;
    }
    csv = read_replay_csv(in);
  }
  for (const auto& e : csv.errors) std::cerr << "attune replay: " << path << ": " << e << "\n";
  if (csv.bad_lines > csv.errors.size()) {
    std::cerr << "attune replay: " << (csv.bad_lines - csv.errors.size()) << " more bad lines\n";
  }
  if (!csv.header_ok) return 1;
  if (strict && csv.bad_lines > 0) return 1;

  core::EngineConfig cfg;
  if (malik) cfg.cleaning = core::CleaningMethod::Malik;
  core::SynchronyEngine engine(cfg);
  bool clinician = false;
  for (const auto& s : csv.samples) clinician = clinician || s.seat == core::Seat::Clinician;
  const auto print = [clinician](const core::Snapshot& s) {
    std::cout << snapshot_json(s, clinician) << '\n';
  };
  const FeedReport fed = is_server_recording(csv.samples) ? feed_as_recorded(csv.samples, engine, print)
                                                          : feed_in_time_order(csv.samples, engine, print);

  std::string report = "{\"rows\":" + std::to_string(csv.samples.size()) +
                       ",\"bad_lines\":" + std::to_string(csv.bad_lines) +
                       ",\"as_recorded\":" + (fed.as_recorded ? "true" : "false");
  for (std::size_t i = 0; i < kStreamCount; ++i) {
    if (i > static_cast<std::size_t>(Stream::Motion) && fed.rows[i] == 0) continue;  // recording rows: when present
    report += ",\"" + std::string(stream_name(static_cast<Stream>(i))) + "\":" + std::to_string(fed.rows[i]);
  }
  report += ",\"beats_ignored\":" + std::to_string(fed.beats_ignored) +
            ",\"resp_ignored\":" + std::to_string(fed.resp_ignored) + ",\"unused_streams\":[\"hr\",\"eda\",\"motion\"]}";
  std::cout << summary_json(engine.summary(), engine.config(), report) << '\n';
  std::cout.flush();
  return std::cout ? 0 : 1;
}

}  // namespace attune::replay
