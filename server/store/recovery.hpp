// What `attune serve` does at start-up, after migrations and before it
// listens: write what the spool holds, then close this node's sessions that a
// crash left 'live' (docs/persistence.md, "Crash recovery").
#pragma once

#include <cstddef>
#include <string>

#include <pqxx/pqxx>

#include "store/spool.hpp"

namespace attune::store {

struct SpoolReplay {
  std::size_t written = 0;       // stored now, or found already stored (idempotent)
  std::size_t left = 0;          // still in the spool
  bool connection_lost = false;  // the database went away during the replay
};

// Writes every spooled summary with save_summary's idempotent transaction,
// in order, stopping at the first failure that is not permanent; then
// compacts the spool down to what is left. A record the database refuses
// permanently (constraint violation) stays in the spool and is logged.
// Crash-safe: a crash before the compaction replays those records again,
// which changes nothing.
SpoolReplay replay_spool(pqxx::connection& conn, Spool& spool);

struct StartupRecovery {
  SpoolReplay spool;
  std::size_t interrupted_with_checkpoint = 0;
  std::size_t interrupted_without_checkpoint = 0;
};

// Replays the spool in `spool_dir` (if not empty), then closes every session of
// `node_id` still live as interrupted (with its checkpoint's summary when it has
// one), skipping sessions whose summary is still in the spool. Throws on
// database errors, and when the spool folder is unusable.
StartupRecovery recover_at_startup(const std::string& database_url, const std::string& spool_dir,
                                   const std::string& node_id);

}  // namespace attune::store
