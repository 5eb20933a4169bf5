// `attune migrate`: applies the numbered migrations of schema/ (embedded in
// the binary) inside a transaction; running it again changes nothing.
#include <iostream>

#include "app/commands.hpp"
#include "app/flags.hpp"
#include "store/migrations.hpp"

namespace attune::app {

constexpr const char* kMigrateHelp = R"(attune migrate: bring the database schema up to date

Usage: attune migrate [--database-url URL] [--check]

  --database-url URL   libpq connection string or URI (ATTUNE_DATABASE_URL, or ATTUNE_DATABASE_URL_FILE)
  --check              only report the schema version; exit 1 if migrations are pending
  --help               show this text

Migrations are applied in order, each version once, inside one transaction and
under an advisory lock, so two servers starting together do not race.
)";

int run_migrate(int argc, char** argv) {
  Flags flags(argc, argv, 1, {"database-url"}, {"check", "help"});
  if (!flags.ok()) {
    std::cerr << "attune migrate: " << flags.error() << "\n\n" << kMigrateHelp;
    return 2;
  }
  if (flags.get_bool("help")) {
    std::cout << kMigrateHelp;
    return 0;
  }
  const auto url = flags.get("database-url", "ATTUNE_DATABASE_URL");
  if (url.empty()) {
    std::cerr << "attune migrate: --database-url (or ATTUNE_DATABASE_URL) is required\n";
    return 2;
  }
  try {
    if (flags.get_bool("check")) {
      auto status = store::check_schema(url);
      if (!status.reachable) {
        std::cerr << "attune migrate: database not reachable: " << status.error << "\n";
        return 1;
      }
      std::cout << "schema version " << status.current_version << " (this build expects "
                << status.expected_version << ")\n";
      return status.up_to_date ? 0 : 1;
    }
    auto result = store::migrate(url);
    for (int v : result.applied) std::cout << "applied migration " << v << "\n";
    std::cout << "schema version " << result.current_version
              << (result.applied.empty() ? " (already up to date)" : "") << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "attune migrate: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace attune::app
