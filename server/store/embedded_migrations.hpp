// The SQL migrations compiled into the binary (generated from schema/*.sql by
// embed_sql.cmake), sorted by version.
#pragma once

#include <string_view>
#include <vector>

namespace attune::store {

struct EmbeddedMigration {
  int version;             // NNNN of schema/NNNN_name.sql
  std::string_view name;   // the "name" part
  std::string_view sql;    // the file's text
};

const std::vector<EmbeddedMigration>& embedded_migrations();

}  // namespace attune::store
