#include "sim/simulate_options.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace attune::sim {

namespace {

constexpr double kPastLimitS = 12.0 * 3600.0;  // server: "more than 12 h in the past"
constexpr double kPastMarginS = 30.0 * 60.0;

bool to_double(const std::string& s, double& v) {
  if (s.empty()) return false;
  char* end = nullptr;
  v = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(v);
}

bool to_u64(const std::string& s, std::uint64_t& v) {
  if (s.empty() || s[0] == '-') return false;
  char* end = nullptr;
  v = std::strtoull(s.c_str(), &end, 10);
  return end == s.c_str() + s.size();
}

}  // namespace

bool parse_server_url(const std::string& text, ServerUrl& out, std::string& error) {
  std::string rest;
  if (text.rfind("http://", 0) == 0) {
    rest = text.substr(7);
  } else if (text.rfind("https://", 0) == 0) {
    error = "https is not supported by simulate yet: use http:// (e.g. behind the TLS proxy, the node's own port)";
    return false;
  } else {
    error = "--server must look like http://host:port";
    return false;
  }
  out = ServerUrl{};
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) {
    out.base_path = rest.substr(slash);
    while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
  }
  const auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  } else if (!authority.empty() && authority.front() == '[') {  // [::1]:8080
    const auto close = authority.find(']');
    out.host = authority.substr(1, close - 1);
    out.port = close + 1 < authority.size() && authority[close + 1] == ':' ? authority.substr(close + 2) : "80";
  } else {
    out.host = authority;
    out.port = "80";
  }
  std::uint64_t port = 0;
  if (out.host.empty() || !to_u64(out.port, port) || port == 0 || port > 65535) {
    error = "--server: bad host or port in '" + text + "'";
    return false;
  }
  return true;
}

double max_duration_s(double speed) {
  if (speed <= 1.0) return 1e12;  // real time: the data is always "now"
  return (kPastLimitS - kPastMarginS) / (1.0 - 1.0 / speed);
}

std::string simulate_usage() {
  return R"(usage: attune simulate [options]

Streams a simulated couple (and optionally a clinician) to an Attune server
over real WebSocket connections, one per seat, and prints the room state the
server sends back once per second.

Room:
  --server URL          server base URL (default http://127.0.0.1:8080)
  --admin-key KEY       create a new room with POST /v1/rooms (or env ATTUNE_ADMIN_KEY)
  --invite-a TOKEN      ...or join an existing room: partner A's invite
  --invite-b TOKEN      partner B's invite
  --invite-c TOKEN      the clinician's invite (implies --clinician)
  --clinician           also stream a clinician

Data:
  --duration S          data seconds to simulate (default 600)
  --speed N             send data N times faster than real time (default 1, >= 1).
                        Data starts duration*(1-1/N) s before now so that it ends
                        about at real now; the server refuses data older than 12 h,
                        so duration is capped at 11.5 h / (1 - 1/N)
  --coupling C          0..1: how much B's slow heart-rate changes follow A's (default 0.6)
  --lag S               seconds by which B follows A; negative: A follows B (default 2)
  --breath-coupling K   0..0.5 cycles/s: how strongly the follower's breathing is pulled
                        toward the leader's (Kuramoto; default 0: independent breathing;
                        0.1 locks within about a minute, 0.02 drifts in and out)
  --episodes SPEC       activation episodes: "default" (calm, A activated, recovery,
                        both activated, calm), "none", or SEATS:START-END[@INTENSITY],...
                        e.g. "a:150-240,ab:330-420@0.8" (seats a, b, c; data seconds)
  --ectopic-rate P      probability that a beat is ectopic (default 0.003)
  --dropout-rate N      sensor dropouts (2-5 s without beats) per minute (default 0.2)
  --seed N              random seed; the same seed gives the same couple (default 1)

Intervention loop:
  --follow-pacer        the simulated people breathe with the shared pacer while it
                        runs (default; their heart follows through RSA)
  --ignore-pacer        nobody follows it
  --follow-pacer-a X    how strongly partner A follows it, 0..1 (also -b, -c)
  --start-pacer S       partner A sends PacerCommand START at data second S
  --stop-pacer S        partner A sends PacerCommand STOP at data second S
  --ack-prompts         acknowledge every prompt after a short delay (default)
  --no-ack              never acknowledge prompts
  --clock-offset-ms X   every seat's clock reads true time + X ms: beats, waveforms
                        and clock replies are stamped on it (default 0)
  --clock-offset-a X    the same for one seat (also -b, -c); wins over --clock-offset-ms
  --reply-jitter-ms N   delay every frame a seat sends (clock replies, batches) by a
                        random 0..N ms, seeded, in order, like a slow network (default 0)

Output and protocol:
  --json                print one JSON object per line instead of text
  --format binary|json  WebSocket frames: protobuf (binary, default) or JSON text
  --no-end              leave the session running at the end (close without Leave)
  --help                this text

At the end partner A sends Leave{end_session:true}; the summary is printed,
followed by a line "session_id=<id>" for scripts.
Exit codes: 0 done, 1 bad flags, 2 cannot reach the server or create the room,
3 a seat was refused (bad token, no Welcome), 4 no summary within 10 s.
)";
}

ParseResult parse_simulate_options(const std::vector<std::string>& args, const char* env_admin_key) {
  ParseResult r;
  SimulateOptions& o = r.options;
  auto fail = [&](std::string msg) {
    r.ok = false;
    r.error = std::move(msg);
    return r;
  };
  std::array<bool, kSeatCount> seat_offset_set{};
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    std::string v;
    auto number = [&](double& out, double lo, double hi) {
      return value(v) && to_double(v, out) && out >= lo && out <= hi;
    };
    if (a == "--help" || a == "-h") {
      r.help = true;
      r.ok = true;
      return r;
    } else if (a == "--server") {
      if (!value(o.server)) return fail("--server needs a URL");
    } else if (a == "--admin-key") {
      if (!value(o.admin_key)) return fail("--admin-key needs a value");
    } else if (a == "--invite-a") {
      if (!value(o.invite_a)) return fail("--invite-a needs a token");
    } else if (a == "--invite-b") {
      if (!value(o.invite_b)) return fail("--invite-b needs a token");
    } else if (a == "--invite-c") {
      if (!value(o.invite_c)) return fail("--invite-c needs a token");
      o.clinician = true;
    } else if (a == "--clinician") {
      o.clinician = true;
    } else if (a == "--duration") {
      if (!number(o.duration_s, 1.0, 1e9)) return fail("--duration needs seconds >= 1");
    } else if (a == "--speed") {
      if (!number(o.speed, 1.0, 1e4)) return fail("--speed needs a factor in 1..10000");
    } else if (a == "--coupling") {
      if (!number(o.coupling, 0.0, 1.0)) return fail("--coupling needs a value in 0..1");
    } else if (a == "--breath-coupling") {
      if (!number(o.breath_coupling, 0.0, 0.5)) return fail("--breath-coupling needs cycles/s in 0..0.5");
    } else if (a == "--lag") {
      if (!number(o.lag_s, -30.0, 30.0)) return fail("--lag needs seconds in -30..30");
    } else if (a == "--seed") {
      if (!value(v) || !to_u64(v, o.seed)) return fail("--seed needs a non-negative integer");
    } else if (a == "--episodes") {
      if (!value(o.episodes_text)) return fail("--episodes needs a value");
    } else if (a == "--ectopic-rate") {
      if (!number(o.ectopic_per_beat, 0.0, 0.2)) return fail("--ectopic-rate needs a probability in 0..0.2");
    } else if (a == "--dropout-rate") {
      if (!number(o.dropouts_per_min, 0.0, 10.0)) return fail("--dropout-rate needs dropouts per minute in 0..10");
    } else if (a == "--follow-pacer") {
      o.follow_pacer = {1.0, 1.0, 1.0};
    } else if (a == "--ignore-pacer") {
      o.follow_pacer = {0.0, 0.0, 0.0};
    } else if (a == "--follow-pacer-a" || a == "--follow-pacer-b" || a == "--follow-pacer-c") {
      double& f = o.follow_pacer[static_cast<std::size_t>(a.back() - 'a')];
      if (!number(f, 0.0, 1.0)) return fail(a + " needs a strength in 0..1");
    } else if (a == "--start-pacer" || a == "--stop-pacer") {
      double s = 0.0;
      if (!number(s, 0.0, 1e9)) return fail(a + " needs a data second >= 0");
      (a == "--start-pacer" ? o.start_pacer_s : o.stop_pacer_s) = s;
    } else if (a == "--ack-prompts") {
      o.ack_prompts = true;
    } else if (a == "--no-ack") {
      o.ack_prompts = false;
    } else if (a == "--clock-offset-ms") {
      double x = 0.0;
      if (!number(x, -86'400'000.0, 86'400'000.0)) return fail("--clock-offset-ms needs milliseconds within +/- 1 day");
      for (std::size_t k = 0; k < seat_offset_set.size(); ++k)
        if (!seat_offset_set[k]) o.clock_offset_ms[k] = x;
    } else if (a == "--clock-offset-a" || a == "--clock-offset-b" || a == "--clock-offset-c") {
      const auto k = static_cast<std::size_t>(a.back() - 'a');
      if (!number(o.clock_offset_ms[k], -86'400'000.0, 86'400'000.0))
        return fail(a + " needs milliseconds within +/- 1 day");
      seat_offset_set[k] = true;
    } else if (a == "--reply-jitter-ms") {
      if (!number(o.reply_jitter_ms, 0.0, 10'000.0)) return fail("--reply-jitter-ms needs milliseconds in 0..10000");
    } else if (a == "--json") {
      o.json_output = true;
    } else if (a == "--no-end") {
      o.no_end = true;
    } else if (a == "--format") {
      if (!value(v) || (v != "binary" && v != "json")) return fail("--format is binary or json");
      o.json_frames = v == "json";
    } else {
      return fail("unknown option '" + a + "' (see --help)");
    }
  }

  if (o.admin_key.empty() && env_admin_key != nullptr) o.admin_key = env_admin_key;
  const bool has_invites = !o.invite_a.empty() || !o.invite_b.empty() || !o.invite_c.empty();
  if (has_invites) {
    if (o.invite_a.empty() || o.invite_b.empty()) return fail("--invite-a and --invite-b go together");
    if (o.clinician && o.invite_c.empty()) return fail("--clinician with invites needs --invite-c");
    o.admin_key.clear();  // explicit invites win over an admin key from the environment
  } else if (o.admin_key.empty()) {
    return fail("give --admin-key (or ATTUNE_ADMIN_KEY) to create a room, or --invite-a and --invite-b");
  }

  std::string err;
  if (!parse_server_url(o.server, o.url, err)) return fail(err);
  if (!parse_episodes(o.episodes_text, o.duration_s, o.episodes, err)) return fail("--episodes: " + err);

  if (o.start_pacer_s && o.stop_pacer_s && *o.stop_pacer_s <= *o.start_pacer_s)
    r.notes.push_back("--stop-pacer is not after --start-pacer: both are sent at their data seconds anyway");

  const double cap = max_duration_s(o.speed);
  if (o.duration_s > cap) {
    std::ostringstream note;
    note << "duration capped at " << static_cast<long long>(cap) << " s: at speed " << o.speed
         << " the data would start more than 12 h in the past, which the server refuses";
    r.notes.push_back(note.str());
    o.duration_s = cap;
    if (o.episodes_text == "default") o.episodes = default_scenario(o.duration_s);
  }
  r.ok = true;
  return r;
}

}  // namespace attune::sim
