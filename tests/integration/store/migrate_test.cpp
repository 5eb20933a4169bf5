#include <catch2/catch.hpp>

#include <algorithm>
#include <future>
#include <stdexcept>

#include "store/embedded_migrations.hpp"
#include "store/migrations.hpp"
#include "test_db.hpp"

using namespace attune::store;
using namespace attune::store::testing;

TEST_CASE("migrate applies every migration once - then nothing") {
  const auto& url = fresh_database_url();
  const int expected = expected_schema_version();

  const auto before = check_schema(url);
  CHECK(before.reachable);
  CHECK(before.current_version == 0);
  CHECK_FALSE(before.up_to_date);

  const auto first = migrate(url);
  CHECK(first.applied.size() == embedded_migrations().size());
  CHECK(first.applied.front() == 1);
  CHECK(first.current_version == expected);

  const auto second = migrate(url);
  CHECK(second.applied.empty());
  CHECK(second.current_version == expected);
  CHECK(query_scalar(url, "SELECT count(*) FROM schema_migrations") ==
        std::to_string(embedded_migrations().size()));

  const auto after = check_schema(url);
  CHECK(after.up_to_date);
  CHECK(after.current_version == expected);
  CHECK(after.expected_version == expected);

  for (const char* table : {"rooms", "invites", "sessions", "session_summaries", "audit_log"}) {
    INFO(table);
    CHECK(query_scalar(url, std::string("SELECT to_regclass('") + table + "') IS NOT NULL") ==
          "t");
  }
}

TEST_CASE("two servers migrating at once: the advisory lock serialises them") {
  const auto& url = fresh_database_url();
  auto a = std::async(std::launch::async, [&] { return migrate(url); });
  auto b = std::async(std::launch::async, [&] { return migrate(url); });
  const auto ra = a.get();
  const auto rb = b.get();
  // Exactly one of them did the work; neither failed on "table already exists".
  CHECK(ra.applied.size() + rb.applied.size() == embedded_migrations().size());
  CHECK((ra.applied.empty() || rb.applied.empty()));
  CHECK(ra.current_version == rb.current_version);
}

TEST_CASE("migrate refuses an applied migration whose text changed") {
  const auto& url = migrated_database_url();
  query_scalar(url, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
  CHECK_THROWS_WITH(migrate(url), Catch::Contains("checksum"));
}

TEST_CASE("migrate and check_schema against an unreachable database") {
  const auto url = unreachable_url();
  CHECK_THROWS_AS(migrate(url), std::runtime_error);
  const auto status = check_schema(url);
  CHECK_FALSE(status.reachable);
  CHECK_FALSE(status.up_to_date);
  CHECK_FALSE(status.error.empty());
}
