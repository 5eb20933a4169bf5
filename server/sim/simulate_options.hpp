// Flags of `attune simulate`: parsing, validation and the --help text.
// Pure (the environment is passed in), so it is tested without a process.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario.hpp"

namespace attune::sim {

struct ServerUrl {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  std::string base_path;  // prefix before /v1/..., without a trailing slash
};

// Accepts http://host[:port][/prefix]; https is refused (no TLS client yet).
bool parse_server_url(const std::string& text, ServerUrl& out, std::string& error);

struct SimulateOptions {
  std::string server = "http://127.0.0.1:8080";
  ServerUrl url;
  std::string admin_key;  // create a room, or...
  std::string invite_a, invite_b, invite_c;  // ...join an existing one
  bool clinician = false;
  double duration_s = 600.0;
  double speed = 1.0;
  double coupling = 0.6;
  double breath_coupling = 0.0;  // cycles/s: B's breathing pulled toward A's (physiology_model.hpp)
  double lag_s = 2.0;
  std::uint64_t seed = 1;
  std::string episodes_text = "default";
  std::vector<Episode> episodes;
  double ectopic_per_beat = 0.003;
  double dropouts_per_min = 0.2;
  bool json_output = false;  // --json: one JSON object per line
  bool no_end = false;
  bool json_frames = false;  // --format json: text frames

  // The intervention loop.
  // Each seat's clock reads true time + this (ms): everything it stamps
  // (beats, waveform t0, clock replies) is on its own clock.
  std::array<double, kSeatCount> clock_offset_ms{};  // --clock-offset-ms, -a/-b/-c
  double reply_jitter_ms = 0.0;  // --reply-jitter-ms: random 0..N ms before each frame goes out
  // How strongly each person follows the pacer, 0..1 (--follow-pacer: all 1,
  // --ignore-pacer: all 0, --follow-pacer-a/-b/-c X).
  std::array<double, kSeatCount> follow_pacer{{1.0, 1.0, 1.0}};
  std::optional<double> start_pacer_s;  // partner A sends PacerCommand START at this data second
  std::optional<double> stop_pacer_s;   // ... and STOP
  bool ack_prompts = true;              // --ack-prompts / --no-ack

  bool creates_room() const { return !admin_key.empty(); }
};

struct ParseResult {
  bool ok = false;
  bool help = false;            // --help: print usage() and exit 0
  std::string error;            // when !ok
  std::vector<std::string> notes;  // adjustments made (e.g. duration capped)
  SimulateOptions options;
};

// args excludes argv[0] ("simulate"). env_admin_key is ATTUNE_ADMIN_KEY or null.
ParseResult parse_simulate_options(const std::vector<std::string>& args, const char* env_admin_key);

std::string simulate_usage();

// The server refuses data more than 12 h old. Data starts
// duration * (1 - 1/speed) before the real start, so that it ends about at
// real "now"; this is the longest duration that keeps the first batch inside
// the window with a 30 min margin.
double max_duration_s(double speed);

}  // namespace attune::sim
