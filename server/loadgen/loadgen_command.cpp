// attune loadgen: options, the run of one process, the supervisor that runs
// several shard processes, and the report (table + JSON).
#include <utility>  // before Asio: see TOOLCHAIN.md ('exchange' with Boost 1.74)

#include "loadgen/loadgen_command.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "attune/v1/api.pb.h"
#include "loadgen/echo_server.hpp"
#include "loadgen/load_client.hpp"
#include "loadgen/metrics_probe.hpp"
#include "loadgen/proc_sampler.hpp"
#include "loadgen/stats.hpp"
#include "sim/room_api.hpp"
#include "sim/simulate_options.hpp"

namespace attune::loadgen {

namespace asio = boost::asio;
namespace pb = google::protobuf;
using tcp = asio::ip::tcp;

namespace {

constexpr const char* kHandledMetric = "attune_messages_handled_total";
constexpr const char* kReadMetric = "attune_messages_in_total";

constexpr const char* kUsage = R"(attune loadgen: capacity benchmark client

Usage:
  attune loadgen [--server URL] [--admin-key KEY] [--rooms N] [--duration S] [flags]
  attune loadgen --echo-server PORT [--threads N] [--port-file FILE]
  attune loadgen --echo ws://HOST:PORT [--rooms N] [--duration S] [flags]

Load mode creates N rooms over HTTP (POST /v1/rooms with the admin key, a few
at a time), connects partner A and partner B of each with their invites
(binary frames), answers every ClockProbe, and from its Welcome on each
client sends one SampleBatch every 1/rate s: the beats of that interval
(synthetic RR around 800 ms) and a respiration chunk at 25 Hz (about 12
samples at the default rate). After the ramp (every connection joined or
failed) it measures for --duration seconds: connections held, frames in and
out per second, RoomState delivery latency (published_at_us to receipt, same
machine's clock) p50/p99/max, errors by code, closes; the server's CPU and
RSS from /proc/PID with --server-pid.

Echo mode (the transport baseline) drives a bare Beast echo server
(--echo-server, same networking style as the server: a strand per
connection, one io_context on N threads) with the same clients: 2 x rooms
connections, frames of the size of one SampleBatch at the same rate; its
latency is the round trip of a frame.

Saturation (--saturate, either mode) is a closed loop: each client keeps at
most one frame outstanding and sends its next one as soon as the previous one
is acknowledged, but no more than --rate per second (default 45 with
--saturate, under the server's 50 messages/s per connection). Echo: a frame
is acknowledged when its echo returns, and the figure is echoes received per
second. Load: the server does not answer batches, so a batch counts as
acknowledged once written (TCP back-pressure then paces each client at the
server's reading speed) and the figure is the server's own count of messages
its rooms have handled (attune_messages_handled_total from /metrics at the
window's ends), which is what it really kept up with. Batches carry whatever
the synthetic sensors measured since the previous one (mostly one or two
respiration samples; a beat every ~800 ms), so timestamps stay real. Run both
with the same --rooms, --rate and --duration back to back and compare:
"frames_handled_per_s" in the JSON, "frames handled/s" in the table. Use
enough connections that rooms x 2 x rate is above what either can do.

Flags:
  --server URL            http://host:port of attune serve (default http://127.0.0.1:8080)
  --admin-key KEY         admin key (ATTUNE_ADMIN_KEY)
  --rooms N               rooms (2 connections each; default 100)
  --duration S            measured seconds after the ramp (default 60)
  --rate R                batches per second per client (default 2: every 500 ms; 45 with --saturate)
  --saturate              closed-loop saturation: next frame when the previous is acknowledged (see above)
  --threads N             I/O threads of this process (default 1)
  --shard i/n             this process takes rooms i, i+n, i+2n, ... (default 0/1)
  --processes P           supervisor: run P shard processes of this command, merge their JSON
  --source-ips A,B,...    bind client sockets to these local addresses, round robin
                          (e.g. 127.0.0.2,127.0.0.3: more source ports)
  --end                   at the end partner A of each room ends the session (summaries stored)
  --server-pid PID        sample this process's CPU and RSS (/proc/PID)
  --out FILE              write the result as JSON
  --create-concurrency K  rooms created at once per process (default 4)
  --connect-concurrency C connections opening at once per process (default 128)
  --join-rate J           connections started per second, over all processes (default 400;
                          0: as fast as --connect-concurrency allows). 19,800 connections
                          then take ~50 s to join, like people arriving, instead of one
                          burst whose handshakes time out in the client's own queue
  --ramp-timeout S        give up waiting for joins after S seconds (default 300)
  --label TEXT            rooms are labelled "TEXT <index>" (default loadgen)
  --quiet                 no table on stdout
  --echo-server PORT      run the echo server on 127.0.0.1:PORT (0: any; see --port-file)
  --io-per-thread         with --echo-server: one io_context per thread, connections pinned
                          round robin, no strands (default: one io_context, a strand each)
  --echo URL              drive an echo server at ws://host:port[/path]

JSON (--out): mode, rooms, connections_target, connections_held (at the end of
the window), connections_held_max, join_failures, ramp_s, window_s,
frames_in, frames_out, frames_in_per_s, frames_out_per_s, room_states,
rooms_with_states, summaries, rooms_with_summary, latency_us {p50, p99, max,
count, hist}, errors {ERROR_CODE_*: n}, client_errors {what: n}, closes
{code: n}, errors_total, loadgen_cpu_percent, server {pid, cpu_percent,
rss_kb_start, rss_kb_max, rss_kb_end, rss_kb_per_room}, saturate (bool),
frames_handled_per_s (echo: echoes received per second; load: the server's
messages handled per second, with --saturate only).
)";

struct Options {
  std::string server = "http://127.0.0.1:8080";
  std::string admin_key;
  long rooms = 100;
  double duration_s = 60;
  double rate = 2.0;
  bool rate_given = false;
  bool saturate = false;
  int threads = 1;
  int shard_i = 0, shard_n = 1;
  int processes = 1;
  std::vector<std::string> source_ips;
  bool end = false;
  int server_pid = 0;
  std::string out;
  int create_concurrency = 4;
  std::size_t connect_concurrency = 128;
  double ramp_timeout_s = 300;
  double join_rate = 400;
  double end_timeout_s = 30;
  bool quiet = false;
  bool echo_server = false;
  bool io_per_thread = false;
  int echo_port = 0;
  std::string echo_url;
  std::string port_file;
  std::string label = "loadgen";
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep))
    if (!cur.empty()) out.push_back(cur);
  return out;
}

bool parse(int argc, char** argv, Options& o, std::string& error, bool& help) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i], v;
    const auto eq = a.find('=');
    bool has_inline = a.rfind("--", 0) == 0 && eq != std::string::npos;
    if (has_inline) {
      v = a.substr(eq + 1);
      a = a.substr(0, eq);
    }
    auto value = [&]() -> bool {
      if (has_inline) return true;
      if (i + 1 >= argc) {
        error = a + " needs a value";
        return false;
      }
      v = argv[++i];
      return true;
    };
    try {
      if (a == "--help" || a == "-h") {
        help = true;
        return true;
      } else if (a == "--end") o.end = true;
      else if (a == "--saturate") o.saturate = true;
      else if (a == "--quiet") o.quiet = true;
      else if (a == "--io-per-thread") o.io_per_thread = true;
      else if (!value()) return false;
      else if (a == "--server") o.server = v;
      else if (a == "--admin-key") o.admin_key = v;
      else if (a == "--rooms") o.rooms = std::stol(v);
      else if (a == "--duration") o.duration_s = std::stod(v);
      else if (a == "--rate") o.rate = std::stod(v), o.rate_given = true;
      else if (a == "--threads") o.threads = std::stoi(v);
      else if (a == "--processes") o.processes = std::stoi(v);
      else if (a == "--source-ips") o.source_ips = split(v, ',');
      else if (a == "--server-pid") o.server_pid = std::stoi(v);
      else if (a == "--out") o.out = v;
      else if (a == "--create-concurrency") o.create_concurrency = std::stoi(v);
      else if (a == "--connect-concurrency") o.connect_concurrency = std::stoul(v);
      else if (a == "--ramp-timeout") o.ramp_timeout_s = std::stod(v);
      else if (a == "--join-rate") o.join_rate = std::stod(v);
      else if (a == "--end-timeout") o.end_timeout_s = std::stod(v);
      else if (a == "--echo-server") o.echo_server = true, o.echo_port = std::stoi(v);
      else if (a == "--echo") o.echo_url = v;
      else if (a == "--port-file") o.port_file = v;
      else if (a == "--label") o.label = v;
      else if (a == "--shard") {
        const auto slash = v.find('/');
        if (slash == std::string::npos) throw std::invalid_argument("i/n");
        o.shard_i = std::stoi(v.substr(0, slash));
        o.shard_n = std::stoi(v.substr(slash + 1));
      } else {
        error = "unknown flag " + a;
        return false;
      }
    } catch (const std::exception&) {
      error = "bad value for " + a + ": " + v;
      return false;
    }
  }
  if (o.admin_key.empty())
    if (const char* k = std::getenv("ATTUNE_ADMIN_KEY")) o.admin_key = k;
  if (o.saturate && !o.rate_given) o.rate = 45;
  if (o.rooms < 1) return error = "--rooms must be at least 1", false;
  if (o.rate <= 0 || o.rate > 50) return error = "--rate must be in (0, 50]", false;
  if (o.duration_s <= 0) return error = "--duration must be positive", false;
  if (o.join_rate < 0) return error = "--join-rate must not be negative", false;
  if (o.threads < 1 || o.processes < 1 || o.create_concurrency < 1 || o.connect_concurrency < 1)
    return error = "--threads, --processes and the concurrencies must be at least 1", false;
  if (o.shard_n < 1 || o.shard_i < 0 || o.shard_i >= o.shard_n) return error = "--shard must be i/n with 0 <= i < n", false;
  if (!o.echo_server && o.echo_url.empty() && o.admin_key.empty())
    return error = "load mode needs --admin-key (or ATTUNE_ADMIN_KEY)", false;
  return true;
}

void raise_fd_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

// ------------------------------------------------------------------ results

struct Result {
  std::string mode = "load";
  long rooms = 0;
  int processes = 1;
  double rate = 0;
  std::uint64_t frame_bytes = 0;
  std::uint64_t connections_target = 0, held = 0, held_max = 0, joined = 0, join_failures = 0;
  double ramp_s = 0, window_s = 0;
  std::int64_t window_start_us = 0, window_end_us = 0;
  std::uint64_t frames_in = 0, frames_out = 0, bytes_in = 0, bytes_out = 0, room_states = 0, summaries = 0;
  double frames_in_per_s = 0, frames_out_per_s = 0;
  bool saturate = false;
  // Saturation throughput. Echo: summed over shards. Load: every shard reads
  // the same server counter, so shards' readings are averaged.
  double frames_handled_per_s = 0;
  int handled_readings = 0;
  std::uint64_t rooms_with_states = 0, rooms_with_summary = 0;
  std::map<std::int64_t, std::uint64_t> hist;
  std::int64_t latency_max = 0;
  std::map<std::string, std::uint64_t> errors, client_errors, closes;
  double loadgen_cpu_percent = 0;
  int server_pid = 0;
  bool server_valid = false;
  double server_cpu_percent = 0;
  std::int64_t rss_kb_start = 0, rss_kb_max = 0, rss_kb_end = 0;

  std::uint64_t latency_count() const {
    std::uint64_t n = 0;
    for (auto& [k, c] : hist) n += c;
    return n;
  }
  std::int64_t quantile(double q) const {
    const auto total = latency_count();
    if (!total) return 0;
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total - 1)) + 1;
    std::uint64_t seen = 0;
    for (auto& [k, c] : hist) {
      seen += c;
      if (seen >= rank) return std::min(k, latency_max);
    }
    return latency_max;
  }
  std::uint64_t errors_total() const {
    std::uint64_t n = 0;
    for (auto& [k, c] : errors) n += c;
    for (auto& [k, c] : client_errors) n += c;
    return n;
  }
};

pb::Value num(double x) {
  pb::Value v;
  v.set_number_value(x);
  return v;
}
pb::Value str(const std::string& s) {
  pb::Value v;
  v.set_string_value(s);
  return v;
}

template <class Map>
pb::Value map_value(const Map& m) {
  pb::Value v;
  auto* s = v.mutable_struct_value()->mutable_fields();
  for (auto& [k, c] : m) (*s)[k] = num(static_cast<double>(c));
  return v;
}

std::string to_json(const Result& r) {
  pb::Struct s;
  auto& f = *s.mutable_fields();
  f["mode"] = str(r.mode);
  f["rooms"] = num(r.rooms);
  f["processes"] = num(r.processes);
  f["rate"] = num(r.rate);
  f["frame_bytes"] = num(r.frame_bytes);
  f["connections_target"] = num(r.connections_target);
  f["connections_held"] = num(r.held);
  f["connections_held_max"] = num(r.held_max);
  f["joined"] = num(r.joined);
  f["join_failures"] = num(r.join_failures);
  f["ramp_s"] = num(r.ramp_s);
  f["window_s"] = num(r.window_s);
  f["window_start_us"] = num(static_cast<double>(r.window_start_us));
  f["window_end_us"] = num(static_cast<double>(r.window_end_us));
  f["frames_in"] = num(r.frames_in);
  f["frames_out"] = num(r.frames_out);
  f["bytes_in"] = num(r.bytes_in);
  f["bytes_out"] = num(r.bytes_out);
  f["frames_in_per_s"] = num(r.frames_in_per_s);
  f["frames_out_per_s"] = num(r.frames_out_per_s);
  f["saturate"] = [&] { pb::Value b; b.set_bool_value(r.saturate); return b; }();
  f["frames_handled_per_s"] = num(r.frames_handled_per_s);
  f["handled_readings"] = num(r.handled_readings);
  f["room_states"] = num(r.room_states);
  f["rooms_with_states"] = num(r.rooms_with_states);
  f["summaries"] = num(r.summaries);
  f["rooms_with_summary"] = num(r.rooms_with_summary);
  pb::Value lat;
  auto& lf = *lat.mutable_struct_value()->mutable_fields();
  lf["p50"] = num(r.quantile(0.50));
  lf["p99"] = num(r.quantile(0.99));
  lf["max"] = num(r.latency_max);
  lf["count"] = num(r.latency_count());
  pb::Value hist;
  for (auto& [k, c] : r.hist) {
    pb::Value pair;
    *pair.mutable_list_value()->add_values() = num(static_cast<double>(k));
    *pair.mutable_list_value()->add_values() = num(static_cast<double>(c));
    *hist.mutable_list_value()->add_values() = pair;
  }
  if (!hist.has_list_value()) hist.mutable_list_value();
  lf["hist"] = hist;
  f["latency_us"] = lat;
  f["errors"] = map_value(r.errors);
  f["client_errors"] = map_value(r.client_errors);
  f["closes"] = map_value(r.closes);
  f["errors_total"] = num(r.errors_total());
  f["loadgen_cpu_percent"] = num(r.loadgen_cpu_percent);
  if (r.server_pid) {
    pb::Value sv;
    auto& sf = *sv.mutable_struct_value()->mutable_fields();
    sf["pid"] = num(r.server_pid);
    sf["valid"] = [&] { pb::Value b; b.set_bool_value(r.server_valid); return b; }();
    sf["cpu_percent"] = num(r.server_cpu_percent);
    sf["rss_kb_start"] = num(r.rss_kb_start);
    sf["rss_kb_max"] = num(r.rss_kb_max);
    sf["rss_kb_end"] = num(r.rss_kb_end);
    sf["rss_kb_per_room"] = num(r.rooms ? static_cast<double>(r.rss_kb_max) / r.rooms : 0);
    sf["rss_kb_per_room_over_start"] =
        num(r.rooms ? static_cast<double>(r.rss_kb_max - r.rss_kb_start) / r.rooms : 0);
    f["server"] = sv;
  }
  pb::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  std::string out;
  (void)pb::util::MessageToJsonString(s, &out, opts);
  return out;
}

double get_num(const pb::Struct& s, const std::string& k) {
  auto it = s.fields().find(k);
  return it == s.fields().end() ? 0.0 : it->second.number_value();
}

template <class Map>
void add_map(const pb::Struct& s, const std::string& k, Map& into) {
  auto it = s.fields().find(k);
  if (it == s.fields().end()) return;
  for (auto& [name, v] : it->second.struct_value().fields())
    into[name] += static_cast<std::uint64_t>(v.number_value());
}

bool from_json(const std::string& text, Result& r, std::string& error) {
  pb::Struct s;
  auto st = pb::util::JsonStringToMessage(text, &s);
  if (!st.ok()) return error = st.ToString(), false;
  r.mode = s.fields().count("mode") ? s.fields().at("mode").string_value() : "load";
  r.rooms = static_cast<long>(get_num(s, "rooms"));
  r.rate = get_num(s, "rate");
  r.frame_bytes = static_cast<std::uint64_t>(get_num(s, "frame_bytes"));
  r.connections_target = static_cast<std::uint64_t>(get_num(s, "connections_target"));
  r.held = static_cast<std::uint64_t>(get_num(s, "connections_held"));
  r.held_max = static_cast<std::uint64_t>(get_num(s, "connections_held_max"));
  r.joined = static_cast<std::uint64_t>(get_num(s, "joined"));
  r.join_failures = static_cast<std::uint64_t>(get_num(s, "join_failures"));
  r.ramp_s = get_num(s, "ramp_s");
  r.window_s = get_num(s, "window_s");
  r.window_start_us = static_cast<std::int64_t>(get_num(s, "window_start_us"));
  r.window_end_us = static_cast<std::int64_t>(get_num(s, "window_end_us"));
  r.frames_in = static_cast<std::uint64_t>(get_num(s, "frames_in"));
  r.frames_out = static_cast<std::uint64_t>(get_num(s, "frames_out"));
  r.bytes_in = static_cast<std::uint64_t>(get_num(s, "bytes_in"));
  r.bytes_out = static_cast<std::uint64_t>(get_num(s, "bytes_out"));
  r.frames_in_per_s = get_num(s, "frames_in_per_s");
  r.frames_out_per_s = get_num(s, "frames_out_per_s");
  if (auto it = s.fields().find("saturate"); it != s.fields().end()) r.saturate = it->second.bool_value();
  r.frames_handled_per_s = get_num(s, "frames_handled_per_s");
  r.handled_readings = static_cast<int>(get_num(s, "handled_readings"));
  r.room_states = static_cast<std::uint64_t>(get_num(s, "room_states"));
  r.rooms_with_states = static_cast<std::uint64_t>(get_num(s, "rooms_with_states"));
  r.summaries = static_cast<std::uint64_t>(get_num(s, "summaries"));
  r.rooms_with_summary = static_cast<std::uint64_t>(get_num(s, "rooms_with_summary"));
  r.loadgen_cpu_percent = get_num(s, "loadgen_cpu_percent");
  if (auto it = s.fields().find("latency_us"); it != s.fields().end()) {
    const auto& lat = it->second.struct_value();
    r.latency_max = static_cast<std::int64_t>(get_num(lat, "max"));
    if (auto h = lat.fields().find("hist"); h != lat.fields().end())
      for (auto& pair : h->second.list_value().values())
        if (pair.list_value().values_size() == 2)
          r.hist[static_cast<std::int64_t>(pair.list_value().values(0).number_value())] +=
              static_cast<std::uint64_t>(pair.list_value().values(1).number_value());
  }
  add_map(s, "errors", r.errors);
  add_map(s, "client_errors", r.client_errors);
  add_map(s, "closes", r.closes);
  return true;
}

void merge(Result& into, const Result& r) {
  into.mode = r.mode;
  into.rate = r.rate;
  into.frame_bytes = r.frame_bytes;
  into.rooms += r.rooms;
  into.connections_target += r.connections_target;
  into.held += r.held;
  into.held_max += r.held_max;
  into.joined += r.joined;
  into.join_failures += r.join_failures;
  into.ramp_s = std::max(into.ramp_s, r.ramp_s);
  into.window_start_us = into.window_start_us ? std::max(into.window_start_us, r.window_start_us) : r.window_start_us;
  into.window_end_us = into.window_end_us ? std::min(into.window_end_us, r.window_end_us) : r.window_end_us;
  into.window_s = std::max(into.window_s, r.window_s);
  into.frames_in += r.frames_in;
  into.frames_out += r.frames_out;
  into.bytes_in += r.bytes_in;
  into.bytes_out += r.bytes_out;
  into.frames_in_per_s += r.frames_in_per_s;
  into.frames_out_per_s += r.frames_out_per_s;
  into.saturate = r.saturate;
  if (r.mode == "echo") {
    into.frames_handled_per_s += r.frames_handled_per_s;
  } else if (r.handled_readings) {
    const int n = into.handled_readings + r.handled_readings;
    into.frames_handled_per_s = (into.frames_handled_per_s * into.handled_readings +
                                 r.frames_handled_per_s * r.handled_readings) / n;
    into.handled_readings = n;
  }
  into.room_states += r.room_states;
  into.rooms_with_states += r.rooms_with_states;
  into.summaries += r.summaries;
  into.rooms_with_summary += r.rooms_with_summary;
  for (auto& [k, c] : r.hist) into.hist[k] += c;
  into.latency_max = std::max(into.latency_max, r.latency_max);
  for (auto& [k, c] : r.errors) into.errors[k] += c;
  for (auto& [k, c] : r.client_errors) into.client_errors[k] += c;
  for (auto& [k, c] : r.closes) into.closes[k] += c;
  into.loadgen_cpu_percent += r.loadgen_cpu_percent;
}

void apply_server(Result& r, ProcSampler* server) {
  if (!server || !server->ok()) return;
  auto w = server->window(r.window_start_us, r.window_end_us);
  r.server_valid = w.valid;
  r.server_cpu_percent = w.cpu_percent;
  r.rss_kb_start = w.rss_kb_first;
  r.rss_kb_max = w.rss_kb_max;
  r.rss_kb_end = w.rss_kb_end;
}

std::string map_text(const std::map<std::string, std::uint64_t>& m) {
  if (m.empty()) return "none";
  std::string s;
  for (auto& [k, c] : m) s += (s.empty() ? "" : ", ") + k + " x" + std::to_string(c);
  return s;
}

void print_table(const Result& r) {
  std::printf("attune loadgen (%s): %ld rooms, %llu connections, %.2f frames/s per client (%llu-byte batches), "
              "%.0f s window, %d process(es)\n",
              r.mode.c_str(), r.rooms, static_cast<unsigned long long>(r.connections_target), r.rate,
              static_cast<unsigned long long>(r.frame_bytes), r.window_s, r.processes);
  std::printf("  %-22s %llu held at the end (max %llu; join failures %llu; ramp %.1f s)\n", "connections",
              static_cast<unsigned long long>(r.held), static_cast<unsigned long long>(r.held_max),
              static_cast<unsigned long long>(r.join_failures), r.ramp_s);
  std::printf("  %-22s %.0f in / %.0f out\n", "frames/s (client view)", r.frames_in_per_s, r.frames_out_per_s);
  if (r.saturate)
    std::printf("  %-22s %.0f (%s)\n", "frames handled/s", r.frames_handled_per_s,
                r.mode == "echo" ? "echoes received" : "server's attune_messages_handled_total");
  std::printf("  %-22s p50 %.2f  p99 %.2f  max %.2f  (%llu samples)\n",
              r.mode == "echo" ? "round trip ms" : "state latency ms", r.quantile(0.5) / 1000.0,
              r.quantile(0.99) / 1000.0, r.latency_max / 1000.0, static_cast<unsigned long long>(r.latency_count()));
  if (r.mode != "echo") {
    std::printf("  %-22s %llu states; rooms with states %llu/%ld; summaries %llu, rooms with a summary %llu\n",
                "room states", static_cast<unsigned long long>(r.room_states),
                static_cast<unsigned long long>(r.rooms_with_states), r.rooms,
                static_cast<unsigned long long>(r.summaries), static_cast<unsigned long long>(r.rooms_with_summary));
    std::printf("  %-22s %s\n", "server errors", map_text(r.errors).c_str());
  }
  std::printf("  %-22s %s\n", "client errors", map_text(r.client_errors).c_str());
  std::printf("  %-22s %s\n", "closes", map_text(r.closes).c_str());
  if (r.server_pid)
    std::printf("  %-22s pid %d: CPU %.1f %% (100 = one core), RSS %lld KiB (start %lld), %.1f KiB/room "
                "(%.1f over start)\n",
                "server", r.server_pid, r.server_cpu_percent, static_cast<long long>(r.rss_kb_max),
                static_cast<long long>(r.rss_kb_start), r.rooms ? static_cast<double>(r.rss_kb_max) / r.rooms : 0.0,
                r.rooms ? static_cast<double>(r.rss_kb_max - r.rss_kb_start) / r.rooms : 0.0);
  std::printf("  %-22s CPU %.1f %%\n", "loadgen", r.loadgen_cpu_percent);
  std::fflush(stdout);
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text << "\n";
  return static_cast<bool>(f);
}

// ------------------------------------------------------------------ one process

std::string short_error(const std::string& e) { return e.size() > 80 ? e.substr(0, 80) : e; }

bool resolve(const std::string& host, const std::string& port, tcp::endpoint& out, std::string& error) {
  asio::io_context io;
  tcp::resolver resolver(io);
  boost::system::error_code ec;
  auto results = resolver.resolve(host, port, ec);
  if (ec || results.empty()) return error = "resolve " + host + ": " + ec.message(), false;
  out = *results.begin();
  return true;
}

int run_one(const Options& o) {
  raise_fd_limit();
  Result r;
  r.mode = o.echo_url.empty() ? "load" : "echo";
  r.rate = o.rate;
  r.saturate = o.saturate;
  r.processes = 1;
  r.server_pid = o.server_pid;
  std::unique_ptr<ProcSampler> server;
  if (o.server_pid) server = std::make_unique<ProcSampler>(o.server_pid);
  ProcSampler self(static_cast<int>(getpid()));

  ClientConfig config;
  config.rate = o.rate;
  config.saturate = o.saturate;
  config.max_in_flight = o.connect_concurrency;
  config.join_rate = o.join_rate / o.shard_n;  // each shard process its part
  for (const auto& ip : o.source_ips) {
    boost::system::error_code ec;
    auto a = asio::ip::make_address(ip, ec);
    if (ec) {
      std::cerr << "loadgen: bad --source-ips address " << ip << "\n";
      return 2;
    }
    config.sources.push_back(a);
  }
  std::vector<long> my_rooms;
  for (long i = o.shard_i; i < o.rooms; i += o.shard_n) my_rooms.push_back(i);
  r.rooms = static_cast<long>(my_rooms.size());
  r.connections_target = 2 * my_rooms.size();
  r.frame_bytes = LoadRun::typical_batch_bytes(o.rate);

  Stats stats;
  std::vector<std::unique_ptr<RoomSlot>> rooms;
  std::string error;
  sim::ServerUrl url;
  const std::string target = o.echo_url.empty() ? o.server : o.echo_url;
  std::string as_http = target;
  if (as_http.rfind("ws://", 0) == 0) as_http = "http://" + as_http.substr(5);
  if (!sim::parse_server_url(as_http, url, error) || !resolve(url.host, url.port, config.server, error)) {
    std::cerr << "loadgen: " << error << "\n";
    return 2;
  }
  config.host_header = url.host + ":" + url.port;

  if (!o.echo_url.empty()) {
    config.echo = true;
    config.echo_frame_bytes = std::max<std::size_t>(r.frame_bytes, 16);
    config.ws_path = url.base_path.empty() ? "/" : url.base_path;
  } else {
    config.ws_path = url.base_path + "/v1/ws";
    // Rooms over HTTP, a few at a time (room creation is bounded by the database).
    rooms.resize(my_rooms.size());
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> creators;
    const auto created_at = std::chrono::steady_clock::now();
    for (int t = 0; t < o.create_concurrency; ++t)
      creators.emplace_back([&] {
        for (std::size_t i = next++; i < my_rooms.size(); i = next++) {
          attune::v1::CreateRoomResponse resp;
          std::string err;
          bool ok = false;
          for (int attempt = 0; attempt < 3 && !ok; ++attempt)
            ok = sim::create_room(url, o.admin_key, o.label + " " + std::to_string(my_rooms[i]), resp, err);
          auto slot = std::make_unique<RoomSlot>();
          if (ok) {
            slot->invites[0] = resp.invites().partner_a();
            slot->invites[1] = resp.invites().partner_b();
          } else {
            stats.count_client_error("create room: " + short_error(err));
          }
          rooms[i] = std::move(slot);
        }
      });
    for (auto& t : creators) t.join();
    if (!o.quiet)
      std::cerr << "loadgen: " << rooms.size() << " rooms created in "
                << std::chrono::duration<double>(std::chrono::steady_clock::now() - created_at).count() << " s\n";
  }

  asio::io_context io(o.threads);
  auto guard = asio::make_work_guard(io);
  LoadRun run(io, stats, config);
  if (config.echo) run.set_echo_connections(r.connections_target);
  else run.set_rooms(&rooms);
  std::vector<std::thread> pool;
  for (int i = 0; i < o.threads; ++i) pool.emplace_back([&io] { io.run(); });

  const auto ramp_start = std::chrono::steady_clock::now();
  run.start();
  while (stats.joined.load() + stats.join_failures.load() < run.total() &&
         std::chrono::steady_clock::now() - ramp_start < std::chrono::duration<double>(o.ramp_timeout_s))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  r.ramp_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - ramp_start).count();
  if (!o.quiet)
    std::cerr << "loadgen: " << stats.held.load() << " of " << run.total() << " connections joined in " << r.ramp_s
              << " s; measuring for " << o.duration_s << " s\n";

  // The measured window.
  const bool read_server = o.saturate && !config.echo;
  // A server older than attune_messages_handled_total: messages read instead.
  std::string metric = kHandledMetric;
  auto handled0 = read_server ? read_metric(config.server, config.host_header, metric) : std::nullopt;
  if (read_server && !handled0) {
    metric = kReadMetric;
    handled0 = read_metric(config.server, config.host_header, metric);
  }
  const auto c0 = stats.snapshot();
  r.window_start_us = wall_us();
  const auto t0 = std::chrono::steady_clock::now();
  stats.measuring = true;
  std::this_thread::sleep_until(t0 + std::chrono::duration<double>(o.duration_s));
  stats.measuring = false;
  const auto t1 = std::chrono::steady_clock::now();
  r.window_end_us = wall_us();
  const auto c1 = stats.snapshot();
  const auto handled1 = read_server ? read_metric(config.server, config.host_header, metric) : std::nullopt;
  r.held = static_cast<std::uint64_t>(std::max<std::int64_t>(0, stats.held.load()));
  r.window_s = std::chrono::duration<double>(t1 - t0).count();
  r.frames_in_per_s = static_cast<double>(c1.frames_in - c0.frames_in) / r.window_s;
  r.frames_out_per_s = static_cast<double>(c1.frames_out - c0.frames_out) / r.window_s;
  if (o.saturate && config.echo) {
    r.frames_handled_per_s = r.frames_in_per_s;
  } else if (handled0 && handled1) {
    r.frames_handled_per_s = (*handled1 - *handled0) / r.window_s;
    r.handled_readings = 1;
    if (metric != kHandledMetric) std::cerr << "loadgen: the server has no " << kHandledMetric << "; counted " << metric << "\n";
  } else if (read_server) {
    stats.count_client_error("cannot read " + metric + " from /metrics");
  }
  auto me = self.window(r.window_start_us, r.window_end_us);
  r.loadgen_cpu_percent = me.cpu_percent;

  // The end: sessions ended by partner A (summaries stored), or normal closes.
  const auto started = stats.joined.load() + stats.join_failures.load();
  run.finish(o.end);
  const auto end_start = std::chrono::steady_clock::now();
  while (stats.finished.load() < started &&
         std::chrono::steady_clock::now() - end_start < std::chrono::duration<double>(o.end_timeout_s))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (stats.finished.load() < started)
    stats.count_client_error("still open " + std::to_string(o.end_timeout_s) + " s after the end");
  guard.reset();
  io.stop();
  for (auto& t : pool) t.join();

  r.held_max = static_cast<std::uint64_t>(stats.held_max.load());
  r.joined = stats.joined.load();
  r.join_failures = stats.join_failures.load();
  r.frames_in = c1.frames_in - c0.frames_in;
  r.frames_out = c1.frames_out - c0.frames_out;
  r.bytes_in = c1.bytes_in - c0.bytes_in;
  r.bytes_out = c1.bytes_out - c0.bytes_out;
  r.room_states = stats.room_states.load();
  r.summaries = stats.summaries.load();
  for (auto& room : rooms) {
    if (room->states.load()) ++r.rooms_with_states;
    if (room->summaries.load()) ++r.rooms_with_summary;
  }
  for (auto& [k, c] : stats.latency.buckets()) r.hist[k] += c;
  r.latency_max = stats.latency.max();
  {
    std::lock_guard<std::mutex> lock(stats.mutex);
    r.errors = stats.errors;
    r.client_errors = stats.client_errors;
    for (auto& [code, n] : stats.closes) r.closes[std::to_string(code)] += n;
  }
  apply_server(r, server.get());
  if (!o.quiet) print_table(r);
  if (!o.out.empty() && !write_file(o.out, to_json(r))) {
    std::cerr << "loadgen: cannot write " << o.out << "\n";
    return 1;
  }
  return 0;
}

// ------------------------------------------------------------------ supervisor

int run_supervisor(const Options& o, int argc, char** argv) {
  raise_fd_limit();
  // The children get this command's flags without those the supervisor keeps.
  std::vector<std::string> base;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const std::string name = a.substr(0, a.find('='));
    if (name == "--processes" || name == "--out" || name == "--server-pid" || name == "--shard" || name == "--quiet") {
      if (a.find('=') == std::string::npos && name != "--quiet") ++i;
      continue;
    }
    base.push_back(a);
  }
  char tmpl[] = "/tmp/attune-loadgen-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  if (!dir) {
    std::perror("loadgen: mkdtemp");
    return 1;
  }
  std::unique_ptr<ProcSampler> server;
  if (o.server_pid) server = std::make_unique<ProcSampler>(o.server_pid);
  std::vector<pid_t> children;
  std::vector<std::string> outs;
  for (int i = 0; i < o.processes; ++i) {
    outs.push_back(std::string(dir) + "/shard-" + std::to_string(i) + ".json");
    std::vector<std::string> args{"attune", "loadgen"};
    args.insert(args.end(), base.begin(), base.end());
    args.insert(args.end(), {"--shard", std::to_string(i) + "/" + std::to_string(o.processes), "--out", outs.back()});
    if (i > 0 || o.quiet) args.push_back("--quiet");
    pid_t pid = fork();
    if (pid == 0) {
      std::vector<char*> cargv;
      for (auto& a : args) cargv.push_back(a.data());
      cargv.push_back(nullptr);
      execv("/proc/self/exe", cargv.data());
      std::perror("loadgen: exec");
      _exit(127);
    }
    if (pid < 0) {
      std::perror("loadgen: fork");
      return 1;
    }
    children.push_back(pid);
  }
  int failed = 0;
  for (auto pid : children) {
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
  }
  Result total;
  total.processes = o.processes;
  total.server_pid = o.server_pid;
  for (const auto& path : outs) {
    std::ifstream f(path);
    std::stringstream text;
    text << f.rdbuf();
    Result part;
    std::string error;
    if (!from_json(text.str(), part, error)) {
      total.client_errors["shard process gave no result"] += 1;
      continue;
    }
    merge(total, part);
    std::remove(path.c_str());
  }
  rmdir(dir);
  if (total.window_end_us > total.window_start_us)
    total.window_s = static_cast<double>(total.window_end_us - total.window_start_us) / 1e6;
  apply_server(total, server.get());
  if (!o.quiet) print_table(total);
  if (!o.out.empty() && !write_file(o.out, to_json(total))) {
    std::cerr << "loadgen: cannot write " << o.out << "\n";
    return 1;
  }
  return failed ? 1 : 0;
}

}  // namespace

int run_loadgen(int argc, char** argv) {
  Options o;
  std::string error;
  bool help = false;
  if (!parse(argc, argv, o, error, help)) {
    std::cerr << "attune loadgen: " << error << "\n\nRun `attune loadgen --help` for the flags.\n";
    return 2;
  }
  if (help) {
    std::cout << kUsage;
    return 0;
  }
  if (o.echo_server) {
    raise_fd_limit();
    return run_echo_server("127.0.0.1", static_cast<unsigned short>(o.echo_port), o.threads, o.port_file,
                           o.io_per_thread);
  }
  if (o.processes > 1) return run_supervisor(o, argc, argv);
  return run_one(o);
}

}  // namespace attune::loadgen
