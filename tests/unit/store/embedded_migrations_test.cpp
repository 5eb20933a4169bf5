#include <catch2/catch.hpp>

#include <cctype>
#include <string>

#include "store/embedded_migrations.hpp"
#include "store/migrations.hpp"

using namespace attune::store;

TEST_CASE("embedded migrations: sorted - unique - starting at 1 - non-empty") {
  const auto& all = embedded_migrations();
  REQUIRE_FALSE(all.empty());
  CHECK(all.front().version == 1);
  for (std::size_t i = 1; i < all.size(); ++i) {
    CHECK(all[i].version > all[i - 1].version);
  }
  for (const auto& m : all) {
    CHECK_FALSE(m.name.empty());
    CHECK(m.sql.find("CREATE") != std::string_view::npos);
  }
  CHECK(expected_schema_version() == all.back().version);
}

TEST_CASE("embedded migrations: no transaction control inside a migration") {
  // migrate() wraps every file in its own transaction; a COMMIT inside one
  // would end it early and break the all-or-nothing guarantee.
  for (const auto& m : embedded_migrations()) {
    std::string upper(m.sql);
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(upper.find("COMMIT;") == std::string::npos);
    CHECK(upper.find("BEGIN;") == std::string::npos);
  }
}
