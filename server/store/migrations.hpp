// Schema migrations: the numbered schema/*.sql files, embedded in the binary,
// applied in order inside one transaction. Used by `attune migrate` and at
// `serve` start-up.
#pragma once

#include <string>
#include <vector>

namespace attune::store {

struct MigrationResult {
  std::vector<int> applied;  // versions applied by this call, in order; empty if none
  int current_version = 0;   // highest version recorded after the call
};

// Applies every embedded migration the database lacks, all in one transaction
// holding a transaction-level advisory lock, so two servers starting together
// serialise and the second one finds nothing to do. Idempotent.
// Throws std::runtime_error (message safe to log: never the URL) when the
// database is unreachable, a migration fails (nothing is applied then), or an
// applied migration no longer matches its embedded text (checksum).
MigrationResult migrate(const std::string& database_url);

struct SchemaStatus {
  bool reachable = false;
  int current_version = 0;   // highest applied version, 0 if none
  int expected_version = 0;  // highest embedded version
  bool up_to_date = false;   // reachable and current >= expected
  std::string error;         // why not reachable / not readable, safe to log
};

// Read-only check (for /readyz and `serve` start-up). Never throws.
SchemaStatus check_schema(const std::string& database_url);

// Highest embedded migration version (what this binary expects).
int expected_schema_version();

}  // namespace attune::store
