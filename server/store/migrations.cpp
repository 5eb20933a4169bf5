#include "store/migrations.hpp"

#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

#include <map>
#include <stdexcept>

#include "store/embedded_migrations.hpp"
#include "store/pg_errors.hpp"
#include "store/pg_queries.hpp"
#include "store/token.hpp"

namespace attune::store {
namespace {

// Any fixed 64-bit number works; it only has to be the same for every server
// sharing the database. ("attune" + schema, as ASCII-ish digits.)
constexpr long long kMigrationLockKey = 0x617474756e65'01LL;

void ensure_version_table(pqxx::transaction_base& tx) {
  tx.exec0(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      "  version    integer     PRIMARY KEY,"
      "  name       text        NOT NULL,"
      "  checksum   text        NOT NULL,"  // sha256 of the file, to detect edits
      "  applied_at timestamptz NOT NULL DEFAULT now())");
}

std::map<int, std::string> applied_checksums(pqxx::transaction_base& tx) {
  std::map<int, std::string> out;
  for (const auto& row : tx.exec("SELECT version, checksum FROM schema_migrations")) {
    out.emplace(row[0].as<int>(), row[1].as<std::string>());
  }
  return out;
}

}  // namespace

int expected_schema_version() {
  const auto& all = embedded_migrations();
  return all.empty() ? 0 : all.back().version;
}

MigrationResult migrate(const std::string& database_url) {
  MigrationResult result;
  try {
    pqxx::connection conn(database_url);
    pqxx::work tx(conn, "migrate");
    // Without a bound, a server stuck holding the lock would hang every other
    // server's start-up silently; this turns that into an error.
    tx.exec0("SET LOCAL lock_timeout = '60s'");
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
    ensure_version_table(tx);
    const auto applied = applied_checksums(tx);

    for (const auto& m : embedded_migrations()) {
      const std::string checksum = sha256_hex(m.sql);
      const auto found = applied.find(m.version);
      if (found != applied.end()) {
        if (found->second != checksum) {
          throw std::runtime_error("migration " + std::to_string(m.version) + "_" +
                                   std::string(m.name) +
                                   " was edited after it was applied (checksum differs); "
                                   "add a new migration instead");
        }
        continue;
      }
      try {
        tx.exec0(std::string(m.sql));
      } catch (const pqxx::sql_error& e) {
        throw std::runtime_error("migration " + std::to_string(m.version) + "_" +
                                 std::string(m.name) + " failed: " + e.what());
      }
      tx.exec_params0(
          "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
          m.version, std::string(m.name), checksum);
      result.applied.push_back(m.version);
    }
    result.current_version = sql::read_schema_version(tx);
    tx.commit();
  } catch (const pqxx::broken_connection& e) {
    throw std::runtime_error(std::string("migrate: database unreachable: ") +
                             safe_error_text(e));
  } catch (const pqxx::sql_error& e) {
    throw std::runtime_error(std::string("migrate: ") + safe_error_text(e));
  }
  for (int v : result.applied) spdlog::info("store: applied migration {}", v);
  if (result.current_version > expected_schema_version()) {
    spdlog::warn("store: database schema is at version {}, newer than this binary's {}",
                 result.current_version, expected_schema_version());
  }
  return result;
}

SchemaStatus check_schema(const std::string& database_url) {
  SchemaStatus status;
  status.expected_version = expected_schema_version();
  try {
    pqxx::connection conn(database_url);
    status.reachable = true;
    pqxx::read_transaction tx(conn);
    status.current_version = sql::read_schema_version(tx);
    status.up_to_date = status.current_version >= status.expected_version;
  } catch (const std::exception& e) {
    status.error = safe_error_text(e);
  }
  return status;
}

}  // namespace attune::store
