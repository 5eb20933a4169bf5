// Listener interfaces (for dropping the databases at the end of the run).
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include "test_db.hpp"

#include <pqxx/pqxx>

#include <cstdlib>
#include <iostream>
#include <vector>

#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include "store/migrations.hpp"
#include "store/token.hpp"

namespace attune::store::testing {
namespace {

std::string base_url() {
  const char* url = std::getenv("ATTUNE_TEST_DATABASE_URL");
  if (url == nullptr || *url == '\0') {
    FAIL("ATTUNE_TEST_DATABASE_URL is not set: these tests need a real PostgreSQL. "
         "Run scripts/test, or: source scripts/lib/pg.sh; pg_start .data/pg; "
         "export ATTUNE_TEST_DATABASE_URL=$ATTUNE_DATABASE_URL");
  }
  return url;
}

// The same server and credentials, another database. URIs carry the database
// in their path; keyword strings take the last dbname= given.
std::string with_database(const std::string& url, const std::string& db) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos) return url + " dbname=" + db;
  const auto path = url.find('/', scheme + 3);
  const auto query = url.find('?', scheme + 3);
  const std::string head = url.substr(0, std::min(path, query));
  const std::string tail = query == std::string::npos ? "" : url.substr(query);
  return head + "/" + db + tail;
}

// Creates the database on first use; drops it when the process exits.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(std::string admin_url)
      : admin_url_(std::move(admin_url)),
        name_("attune_store_test_" + generate_id("").substr(0, 16)),
        url_(with_database(admin_url_, name_)) {
    pqxx::connection conn(admin_url_);
    pqxx::nontransaction tx(conn);
    tx.exec0("CREATE DATABASE " + tx.quote_name(name_));
  }
  ~ScratchDatabase() {
    try {
      pqxx::connection conn(admin_url_);
      pqxx::nontransaction tx(conn);
      tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(name_) + " WITH (FORCE)");
    } catch (const std::exception& e) {
      std::cerr << "warning: could not drop test database " << name_ << ": " << e.what() << "\n";
    }
  }
  const std::string& url() const { return url_; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

std::vector<std::unique_ptr<ScratchDatabase>>& scratch_databases() {
  static std::vector<std::unique_ptr<ScratchDatabase>> databases;
  return databases;
}

}  // namespace

void drop_scratch_databases() { scratch_databases().clear(); }

const std::string& fresh_database_url() {
  // A new database per call, so tests about migrating start from nothing even
  // when the whole binary runs in one process.
  scratch_databases().push_back(std::make_unique<ScratchDatabase>(base_url()));
  return scratch_databases().back()->url();
}

const std::string& migrated_database_url() {
  static const std::string* url = nullptr;  // stays valid: the databases outlive every test
  if (url == nullptr) {
    const std::string& fresh = fresh_database_url();
    migrate(fresh);
    url = &fresh;
  }
  return *url;
}

std::string unreachable_url() {
  // Bind a port, learn its number, close it: nothing listens there afterwards.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  ::close(fd);
  return "host=127.0.0.1 port=" + std::to_string(ntohs(addr.sin_port)) +
         " user=postgres dbname=attune connect_timeout=2";
}

PgStoreOptions fast_options(std::string url) {
  PgStoreOptions o;
  o.database_url = std::move(url);
  o.queue_capacity = 256;
  o.drain_deadline = std::chrono::seconds(5);
  o.reconnect_initial = std::chrono::milliseconds(20);
  o.reconnect_max = std::chrono::milliseconds(200);
  o.health_interval = std::chrono::milliseconds(200);
  return o;
}

std::string query_scalar(const std::string& url, const std::string& sql) {
  pqxx::connection conn(url);
  pqxx::nontransaction tx(conn);
  const auto r = tx.exec(sql);
  if (r.empty() || r[0][0].is_null()) return "";
  return r[0][0].as<std::string>();
}

}  // namespace attune::store::testing

// Drops the databases when the run ends, not from a static destructor: by then
// libpqxx's own statics may already be gone.
struct DropScratchDatabases : Catch::TestEventListenerBase {
  using TestEventListenerBase::TestEventListenerBase;
  void testRunEnded(const Catch::TestRunStats& stats) override {
    attune::store::testing::drop_scratch_databases();
    TestEventListenerBase::testRunEnded(stats);
  }
};
CATCH_REGISTER_LISTENER(DropScratchDatabases)
