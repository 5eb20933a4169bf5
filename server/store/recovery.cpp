#include "store/recovery.hpp"

#include <spdlog/spdlog.h>

#include <memory>

#include "store/pg_errors.hpp"
#include "store/pg_queries.hpp"

namespace attune::store {

SpoolReplay replay_spool(pqxx::connection& conn, Spool& spool) {
  SpoolReplay result;
  const auto records = spool.records();
  if (records.empty()) return result;
  std::vector<SummaryRecord> keep;
  std::size_t i = 0;
  for (; i < records.size(); ++i) {
    const auto& r = records[i];
    try {
      pqxx::work tx(conn);
      if (sql::insert_summary(tx, r)) tx.commit();
      result.written++;
    } catch (const std::exception& e) {
      if (is_connection_error(e)) {
        result.connection_lost = true;
        spdlog::warn("spool: replay stopped, database connection lost: {}", safe_error_text(e));
        break;
      }
      if (is_transient_error(e)) {
        spdlog::warn("spool: replay of session={} failed, will retry: {}", r.session_id, safe_error_text(e));
        break;
      }
      spdlog::error("spool: session={} refused by the database; kept in the spool: {}", r.session_id,
                    safe_error_text(e));
      keep.push_back(r);
    }
  }
  for (; i < records.size(); ++i) keep.push_back(records[i]);
  if (result.written > 0 && !spool.rewrite(keep)) {
    // The written records stay in the file and will be replayed again: harmless.
    spdlog::error("spool: could not compact after replaying {} summary(ies)", result.written);
  }
  result.left = spool.depth();
  if (result.written > 0)
    spdlog::info("spool: {} summary(ies) written to the database, {} left", result.written, result.left);
  return result;
}

StartupRecovery recover_at_startup(const std::string& database_url, const std::string& spool_dir,
                                   const std::string& node_id) {
  StartupRecovery out;
  pqxx::connection conn(database_url);
  std::vector<std::string> skip;
  if (!spool_dir.empty()) {
    Spool spool(spool_dir);  // released at the end of this block; PgStore takes it next
    out.spool = replay_spool(conn, spool);
    if (out.spool.connection_lost) throw std::runtime_error("database connection lost during the spool replay");
    for (const auto& r : spool.records()) skip.push_back(r.session_id);
  }
  if (!node_id.empty()) {
    pqxx::work tx(conn);
    const auto counts = sql::close_interrupted(tx, node_id, skip);
    tx.commit();
    out.interrupted_with_checkpoint = counts.with_checkpoint;
    out.interrupted_without_checkpoint = counts.without_checkpoint;
  }
  return out;
}

}  // namespace attune::store
