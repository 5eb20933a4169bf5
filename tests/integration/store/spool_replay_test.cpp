// The spool against a real PostgreSQL: summaries the database cannot take go to
// the spool, and are written exactly once when it is reachable; crash recovery
// closes one node's live sessions from their checkpoints.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <thread>

#include "store/pg_store.hpp"
#include "store/migrations.hpp"
#include "store/recovery.hpp"
#include "store/spool.hpp"
#include "store/token.hpp"
#include "test_db.hpp"

using namespace attune::store;
using namespace attune::store::testing;
using namespace std::chrono_literals;

namespace {

std::string temp_spool_dir() {
  char pattern[] = "/tmp/attune-spool-it-XXXXXX";
  const char* dir = ::mkdtemp(pattern);
  REQUIRE(dir != nullptr);
  return std::string(dir) + "/spool";
}

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 10s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return pred();
}

std::string new_room(const std::string& url) {
  PgStore store(fast_options(url));
  RoomRecord room;
  room.room_id = generate_id("rm_");
  room.owner_key_hash = sha256_hex(generate_token());
  Waiter<bool> created;
  store.create_room(room, created.callback());
  REQUIRE(created.get());
  return room.room_id;
}

SummaryRecord summary_for(const std::string& room_id, const std::string& reason = "ended_by_partner_a") {
  SummaryRecord s;
  s.session_id = generate_id("ses_");
  s.room_id = room_id;
  s.started_at_ms = 1'700'000'000'000;
  s.ended_at_ms = 1'700'000'600'000;
  s.end_reason = reason;
  s.algorithm_version = "test-1";
  s.parameters_json = R"({"window_s": 30})";
  s.summary_json = R"({"session_id": "x", "end_reason": ")" + reason + R"(", "participants": [{"beats_received": 42}]})";
  return s;
}

std::string count(const std::string& url, const std::string& table_where) {
  return query_scalar(url, "SELECT count(*) FROM " + table_where);
}

}  // namespace

TEST_CASE("spool replay: every record written once and replaying again changes nothing") {
  const auto& url = migrated_database_url();
  const auto room = new_room(url);
  const auto dir = temp_spool_dir();
  std::vector<SummaryRecord> records;
  for (int i = 0; i < 5; ++i) records.push_back(summary_for(room));
  std::string ids;
  for (const auto& r : records) ids += (ids.empty() ? "'" : ",'") + r.session_id + "'";

  pqxx::connection conn(url);
  {
    Spool spool(dir);
    for (const auto& r : records) REQUIRE(spool.append(r));
    auto result = replay_spool(conn, spool);
    CHECK(result.written == 5);
    CHECK(result.left == 0);
    CHECK(spool.depth() == 0);
  }
  CHECK(count(url, "session_summaries WHERE session_id IN (" + ids + ")") == "5");
  // A crash between the writes and the compaction: the same records again.
  {
    Spool spool(dir);
    CHECK(spool.depth() == 0);
    for (const auto& r : records) REQUIRE(spool.append(r));
    auto result = replay_spool(conn, spool);
    CHECK(result.written == 5);  // found already stored: success, nothing changed
    CHECK(spool.depth() == 0);
  }
  CHECK(count(url, "session_summaries WHERE session_id IN (" + ids + ")") == "5");
  CHECK(count(url, "audit_log WHERE action = 'session.ended' AND session_id IN (" + ids + ")") == "5");
  CHECK(count(url, "sessions WHERE status = 'ended' AND session_id IN (" + ids + ")") == "5");
}

TEST_CASE("spool replay: a record the database refuses stays in the spool, the others go through") {
  const auto& url = migrated_database_url();
  const auto room = new_room(url);
  const auto dir = temp_spool_dir();
  Spool spool(dir);
  auto good1 = summary_for(room), bad = summary_for("rm_that_does_not_exist"), good2 = summary_for(room);
  REQUIRE(spool.append(good1));
  REQUIRE(spool.append(bad));
  REQUIRE(spool.append(good2));
  pqxx::connection conn(url);
  auto result = replay_spool(conn, spool);
  CHECK(result.written == 2);
  REQUIRE(spool.depth() == 1);
  CHECK(spool.records()[0].session_id == bad.session_id);
  CHECK(count(url, "session_summaries WHERE session_id IN ('" + good1.session_id + "','" + good2.session_id + "')") ==
        "2");
}

TEST_CASE("PgStore with a spool: database away - summary spooled at once - replayed on the next start") {
  const auto& url = migrated_database_url();
  const auto room = new_room(url);
  const auto dir = temp_spool_dir();
  auto summary = summary_for(room);
  {
    auto options = fast_options(unreachable_url());
    options.spool_dir = dir;
    PgStore store(options);
    Waiter<bool> saved;
    store.save_summary(summary, saved.callback());
    // Reported as not written, but only once it is on disk in the spool.
    CHECK_FALSE(saved.get(5s));
    CHECK(store.stats().spool_depth == 1);
    CHECK(store.stats().summaries_spooled == 1);
    CHECK(store.stats().summaries_pending == 0);
    const auto started = std::chrono::steady_clock::now();
    store.drain_and_stop();
    CHECK(std::chrono::steady_clock::now() - started < 3s);
  }
  {
    auto options = fast_options(url);
    options.spool_dir = dir;
    PgStore store(options);
    CHECK(eventually([&] { return store.stats().spool_depth == 0; }));
    Waiter<std::optional<SessionRow>> got;
    store.get_session(summary.session_id, got.callback());
    auto row = got.get();
    REQUIRE(row.has_value());
    CHECK(row->status == "ended");
    CHECK(row->summary_json.has_value());
  }
  CHECK(count(url, "session_summaries WHERE session_id = '" + summary.session_id + "'") == "1");
  Spool spool(dir);
  CHECK(spool.depth() == 0);
}

TEST_CASE("PgStore with a spool: stopping while the database is away loses no summary") {
  const auto dir = temp_spool_dir();
  auto options = fast_options(unreachable_url());
  options.spool_dir = dir;
  options.drain_deadline = 300ms;
  PgStore store(options);
  std::vector<std::unique_ptr<Waiter<bool>>> waiters;
  for (int i = 0; i < 20; ++i) {
    waiters.push_back(std::make_unique<Waiter<bool>>());
    store.save_summary(summary_for("rm_x"), waiters.back()->callback());
  }
  store.drain_and_stop();
  for (auto& w : waiters) CHECK_FALSE(w->get(2s));
  CHECK(store.stats().spool_depth == 20);
  CHECK(store.stats().summaries_pending == 0);
}

TEST_CASE("PgStore: session_started records the node id and checkpoints land on live sessions only") {
  const auto& url = migrated_database_url();
  const auto room = new_room(url);
  auto options = fast_options(url);
  options.node_id = "node-checkpoint-test";
  PgStore store(options);
  const auto id = generate_id("ses_");
  store.session_started({id, room, 1'700'000'000'000});
  auto cp = summary_for(room, "checkpoint");
  cp.session_id = id;
  store.checkpoint(cp);
  CHECK(eventually([&] { return store.stats().checkpoints_ok == 1; }));
  CHECK(query_scalar(url, "SELECT node_id FROM sessions WHERE session_id = '" + id + "'") == "node-checkpoint-test");
  CHECK(query_scalar(url, "SELECT checkpoint->'summary'->>'end_reason' FROM sessions WHERE session_id = '" + id + "'") ==
        "checkpoint");
  CHECK(query_scalar(url, "SELECT checkpointed_at IS NOT NULL FROM sessions WHERE session_id = '" + id + "'") == "t");
  // Once ended, a late checkpoint changes nothing.
  auto final_summary = summary_for(room);
  final_summary.session_id = id;
  Waiter<bool> saved;
  store.save_summary(final_summary, saved.callback());
  REQUIRE(saved.get());
  auto late = cp;
  late.summary_json = R"({"late": true})";
  store.checkpoint(late);
  CHECK(eventually([&] { return store.stats().checkpoints_ok == 2; }));
  CHECK(query_scalar(url, "SELECT checkpoint->'summary'->>'late' FROM sessions WHERE session_id = '" + id + "'") == "");
}

TEST_CASE("recover_at_startup: this node's live sessions closed as interrupted, from their checkpoint") {
  const auto url = fresh_database_url();
  migrate(url);
  const auto room = new_room(url);
  const auto with_cp = generate_id("ses_"), without_cp = generate_id("ses_"), other_node = generate_id("ses_"),
             spooled = generate_id("ses_");
  const auto dir = temp_spool_dir();
  {
    auto options = fast_options(url);
    options.node_id = "node-a";
    PgStore a(options);
    a.session_started({with_cp, room, 1'700'000'000'000});
    a.session_started({without_cp, room, 1'700'000'000'000});
    a.session_started({spooled, room, 1'700'000'000'000});
    auto cp = summary_for(room, "checkpoint");
    cp.session_id = with_cp;
    a.checkpoint(cp);
    auto options_b = fast_options(url);
    options_b.node_id = "node-b";
    PgStore b(options_b);
    b.session_started({other_node, room, 1'700'000'000'000});
    a.drain_and_stop();
    b.drain_and_stop();
  }
  // The real summary of `spooled` waits in the spool (the database was away when it ended).
  {
    Spool spool(dir);
    auto real = summary_for(room, "ended_by_partner_b");
    real.session_id = spooled;
    REQUIRE(spool.append(real));
  }
  auto result = recover_at_startup(url, dir, "node-a");
  CHECK(result.spool.written == 1);
  CHECK(result.interrupted_with_checkpoint == 1);
  CHECK(result.interrupted_without_checkpoint == 1);

  auto one = [&](const std::string& sql) { return query_scalar(url, sql); };
  CHECK(one("SELECT status || '/' || end_reason FROM sessions WHERE session_id = '" + with_cp + "'") ==
        "interrupted/interrupted");
  CHECK(one("SELECT summary->>'end_reason' FROM session_summaries WHERE session_id = '" + with_cp + "'") ==
        "interrupted");
  CHECK(one("SELECT summary->'participants'->0->>'beats_received' FROM session_summaries WHERE session_id = '" +
            with_cp + "'") == "42");
  CHECK(one("SELECT status FROM sessions WHERE session_id = '" + without_cp + "'") == "interrupted");
  CHECK(one("SELECT count(*) FROM session_summaries WHERE session_id = '" + without_cp + "'") == "0");
  CHECK(one("SELECT status || '/' || end_reason FROM sessions WHERE session_id = '" + spooled + "'") ==
        "ended/ended_by_partner_b");
  CHECK(one("SELECT status FROM sessions WHERE session_id = '" + other_node + "'") == "live");
  CHECK(one("SELECT count(*) FROM audit_log WHERE action = 'session.interrupted'") == "2");
  // Twice: nothing left to do.
  auto again = recover_at_startup(url, dir, "node-a");
  CHECK(again.interrupted_with_checkpoint + again.interrupted_without_checkpoint == 0);
}
