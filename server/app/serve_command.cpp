// `attune serve`: wires the store, the rooms and the network together, and
// shuts down gracefully on SIGTERM/SIGINT (DESIGN.md, "Threads and lifetimes").
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <iostream>
#include <thread>
#include <vector>

#include <unistd.h>

#include <utility>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "app/commands.hpp"
#include "app/flags.hpp"
#include "codec/prompt_catalogue.hpp"
#include "net/listener.hpp"
#include "store/migrations.hpp"
#include "store/pg_store.hpp"
#include "store/recovery.hpp"
#include "store/token.hpp"

namespace attune::app {
namespace {

namespace asio = boost::asio;

constexpr const char* kServeHelp = R"(attune serve: run the Attune server (HTTP API and WebSocket on one port)

Usage: attune serve [flags]

Flags (each also read from the environment variable shown; secrets also from VAR_FILE):
  --listen HOST:PORT       address to listen on (ATTUNE_LISTEN, default 127.0.0.1:8080;
                           port 0 picks a free port)
  --database-url URL       libpq connection string or URI (ATTUNE_DATABASE_URL)
  --admin-key KEY          bearer key that may create rooms and read every session
                           (ATTUNE_ADMIN_KEY or ATTUNE_ADMIN_KEY_FILE); required
  --threads N              I/O threads (ATTUNE_THREADS, default: number of cores)
  --grace-period S         seconds a session outlives its last partner or clinician
                           (ATTUNE_GRACE_PERIOD_S, default 120)
  --max-frame-bytes N      largest WebSocket message accepted (ATTUNE_MAX_FRAME_BYTES, 65536)
  --max-batches-per-second N  per-connection message rate (ATTUNE_MAX_BATCHES_PER_SECOND, 50)
  --hello-timeout S        a WebSocket must send Hello within this (ATTUNE_HELLO_TIMEOUT_S, 10)
  --http-timeout S         an HTTP request must arrive whole within this (ATTUNE_HTTP_TIMEOUT_S, 10)
  --prompts FILE           prompt catalogue (JSON, see docs/prompts.md; ATTUNE_PROMPTS_FILE;
                           default: the built-in catalogue, config/prompts.json)
  --spool-dir DIR          where summaries the database cannot take are kept (fsync'd) until it
                           returns (ATTUNE_SPOOL_DIR, default ./spool)
  --checkpoint-interval S  a live session's summary is checkpointed this often; 0 never
                           (ATTUNE_CHECKPOINT_S, default 30)
  --node-id ID             this server's name on the sessions it runs; at start-up its sessions
                           left live by a crash are closed as interrupted (ATTUNE_NODE_ID,
                           default the host name)
  --trust-forwarded-for    take the client address from X-Forwarded-For (behind a trusted
                           reverse proxy; ATTUNE_TRUST_FORWARDED_FOR=1)
  --recordings-dir DIR     where rooms created with the recording consent write their
                           streams (replay format; ATTUNE_RECORDINGS_DIR; default: none)
  --db-wait S              how long to wait for PostgreSQL at start-up (ATTUNE_DB_WAIT_S, 60)
  --port-file PATH         write the bound port to PATH once listening (for scripts and tests)
  --log-level LEVEL        trace|debug|info|warn|error (ATTUNE_LOG_LEVEL, default info)
  --help                   show this text

Migrations in schema/ are applied at start-up (see `attune migrate`); then the spool is
replayed and this node's sessions left live by a crash are closed as interrupted.
SIGTERM or SIGINT ends every live session, writes its summary (or spools it), drains the
store and exits 0.
)";

bool parse_endpoint(const std::string& text, asio::ip::tcp::endpoint& out) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  std::string host = text.substr(0, colon), port = text.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
  if (ec) return false;
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (!end || *end != '\0' || p < 0 || p > 65535) return false;
  out = asio::ip::tcp::endpoint(address, static_cast<unsigned short>(p));
  return true;
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "attune";
  return name;
}

// Applies migrations, waiting for the database to come up (compose starts both at once).
bool migrate_with_wait(const std::string& url, long wait_s) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  for (;;) {
    try {
      auto result = store::migrate(url);
      spdlog::info("database schema at version {} ({} migration(s) applied now)", result.current_version,
                   result.applied.size());
      return true;
    } catch (const std::exception& e) {
      if (std::chrono::steady_clock::now() >= deadline) {
        spdlog::error("database not usable: {}", e.what());
        return false;
      }
      spdlog::warn("waiting for the database: {}", e.what());
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  }
}

}  // namespace

int run_serve(int argc, char** argv) {
  Flags flags(argc, argv, 1,
              {"listen", "database-url", "admin-key", "threads", "grace-period", "max-frame-bytes",
               "max-batches-per-second", "hello-timeout", "http-timeout", "prompts", "recordings-dir", "db-wait", "port-file", "log-level",
               "spool-dir", "checkpoint-interval", "node-id"},
              {"help", "trust-forwarded-for"});
  if (!flags.ok()) {
    std::cerr << "attune serve: " << flags.error() << "\n\n" << kServeHelp;
    return 2;
  }
  if (flags.get_bool("help")) {
    std::cout << kServeHelp;
    return 0;
  }
  setup_logging(flags.get("log-level", "ATTUNE_LOG_LEVEL", "info").c_str());

  asio::ip::tcp::endpoint endpoint;
  const std::string listen = flags.get("listen", "ATTUNE_LISTEN", "127.0.0.1:8080");
  if (!parse_endpoint(listen, endpoint)) {
    std::cerr << "attune serve: --listen must be HOST:PORT, got '" << listen << "'\n";
    return 2;
  }
  const std::string database_url = flags.get("database-url", "ATTUNE_DATABASE_URL");
  const std::string admin_key = flags.get("admin-key", "ATTUNE_ADMIN_KEY");
  if (database_url.empty() || admin_key.empty()) {
    std::cerr << "attune serve: --database-url and --admin-key are required (or ATTUNE_DATABASE_URL, "
                 "ATTUNE_ADMIN_KEY)\n";
    return 2;
  }
  if (admin_key.size() < 16) {
    std::cerr << "attune serve: the admin key must be at least 16 characters\n";
    return 2;
  }
  const long threads = std::max(1L, flags.get_int("threads", "ATTUNE_THREADS",
                                                  static_cast<long>(std::thread::hardware_concurrency())));

  if (!migrate_with_wait(database_url, flags.get_int("db-wait", "ATTUNE_DB_WAIT_S", 60))) return 1;

  const std::string spool_dir = flags.get("spool-dir", "ATTUNE_SPOOL_DIR", "./spool");
  const std::string node_id = flags.get("node-id", "ATTUNE_NODE_ID", host_name());
  // Before listening: what the spool holds goes to the database first, so a
  // session whose real summary was spooled is not closed from its checkpoint.
  try {
    auto recovered = store::recover_at_startup(database_url, spool_dir, node_id);
    spdlog::info("start-up recovery (node {}): {} spooled summary(ies) written, {} left; {} interrupted "
                 "session(s) closed ({} from a checkpoint, {} without a summary)",
                 node_id, recovered.spool.written, recovered.spool.left,
                 recovered.interrupted_with_checkpoint + recovered.interrupted_without_checkpoint,
                 recovered.interrupted_with_checkpoint, recovered.interrupted_without_checkpoint);
  } catch (const std::exception& e) {
    spdlog::error("start-up recovery failed: {}", e.what());
    return 1;
  }

  store::PgStoreOptions store_options;
  store_options.database_url = database_url;
  store_options.spool_dir = spool_dir;
  store_options.node_id = node_id;
  std::unique_ptr<store::PgStore> store_owner;
  try {
    store_owner = std::make_unique<store::PgStore>(store_options);
  } catch (const std::exception& e) {
    spdlog::error("cannot start the store: {}", e.what());
    return 1;
  }
  store::PgStore& store = *store_owner;

  rooms::RoomSettings room_settings;
  room_settings.grace_ms = flags.get_int("grace-period", "ATTUNE_GRACE_PERIOD_S", 120) * 1000;
  room_settings.checkpoint_ms = std::max(0L, flags.get_int("checkpoint-interval", "ATTUNE_CHECKPOINT_S", 30)) * 1000;
  room_settings.max_frame_bytes =
      static_cast<std::uint32_t>(flags.get_int("max-frame-bytes", "ATTUNE_MAX_FRAME_BYTES", 64 * 1024));
  room_settings.max_batches_per_second =
      static_cast<std::uint32_t>(flags.get_int("max-batches-per-second", "ATTUNE_MAX_BATCHES_PER_SECOND", 50));

  if (auto path = flags.get("prompts", "ATTUNE_PROMPTS_FILE"); !path.empty()) {
    std::string why;
    if (!codec::load_prompt_catalogue_file(path, room_settings.catalogue, why)) {
      std::cerr << "attune serve: the prompt catalogue " << path << " cannot be used: " << why << "\n";
      return 2;
    }
  } else {
    room_settings.catalogue = codec::load_default_catalogue();
  }

  room_settings.recordings_dir = flags.get("recordings-dir", "ATTUNE_RECORDINGS_DIR");

  asio::io_context io(static_cast<int>(threads));
  rooms::SystemClock clock;
  net::ServerMetrics metrics;
  rooms::RoomRegistry registry(io, room_settings, store, clock, metrics);
  net::ServerContext context{io, registry, store, metrics, clock, {}, {}, {}};
  context.settings.admin_key_hash = store::sha256_hex(admin_key);
  context.settings.trust_forwarded_for =
      flags.get_bool("trust-forwarded-for") || flags.get("", "ATTUNE_TRUST_FORWARDED_FOR") == "1";
  context.settings.hello_timeout = std::chrono::seconds(flags.get_int("hello-timeout", "ATTUNE_HELLO_TIMEOUT_S", 10));
  context.settings.http_header_timeout =
      std::chrono::seconds(flags.get_int("http-timeout", "ATTUNE_HTTP_TIMEOUT_S", 10));

  std::shared_ptr<net::Listener> listener;
  try {
    listener = std::make_shared<net::Listener>(context, endpoint);
  } catch (const std::exception& e) {
    spdlog::error("cannot listen on {}: {}", listen, e.what());
    return 1;
  }
  listener->run();
  auto bound = listener->local_endpoint();
  spdlog::info("attune listening on {}:{} with {} thread(s)", bound.address().to_string(), bound.port(), threads);
  if (auto path = flags.get("port-file", ""); !path.empty()) std::ofstream(path) << bound.port() << '\n';

  // Graceful stop: refuse new work, end every session (summaries to the
  // store), drain the store on a thread of its own, then stop the I/O.
  std::thread drainer;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: ending live sessions and shutting down", signal);
    context.shutting_down = true;
    listener->stop();
    registry.shutdown([&] {
      drainer = std::thread([&] {
        store.drain_and_stop();
        auto stats = store.stats();
        spdlog::info("store drained ({} writes ok, {} failed, {} summary(ies) in the spool); stopping",
                     stats.writes_ok, stats.writes_failed, stats.spool_depth);
        // Leave a moment for the going-away close frames to reach clients.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        io.stop();
      });
    });
  });

  std::vector<std::thread> pool;
  for (long i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  if (drainer.joinable()) drainer.join();
  spdlog::info("attune stopped");
  return 0;
}

}  // namespace attune::app
