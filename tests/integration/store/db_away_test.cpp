#include <catch2/catch.hpp>

#include <thread>

#include "store/pg_store.hpp"
#include "store/token.hpp"
#include "test_db.hpp"

using namespace attune::store;
using namespace attune::store::testing;
using namespace std::chrono_literals;

namespace {
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 5s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}
}  // namespace

TEST_CASE("database away: not reachable - reads fail fast - summaries wait - no crash") {
  auto options = fast_options(unreachable_url());
  options.drain_deadline = 500ms;
  PgStore store(options);

  // The first connection attempt fails and says so in stats().
  CHECK(eventually([&] { return store.stats().reconnects == 0 && !store.stats().database_reachable; }));
  std::this_thread::sleep_for(100ms);
  CHECK_FALSE(store.stats().database_reachable);
  CHECK_FALSE(store.stats().migrations_applied);

  // Reads fail fast rather than wait for a database that is not there.
  const auto started = std::chrono::steady_clock::now();
  // ... and say that they did not ask: an unasked lookup is not a bad token.
  Waiter<InviteLookup> found;
  store.find_invite(sha256_hex(generate_token()), found.callback());
  const InviteLookup lookup = found.get(2s);
  CHECK_FALSE(lookup.answered);
  CHECK_FALSE(lookup.invite.has_value());
  Waiter<std::optional<RoomRow>> room;
  store.get_room("rm_x", room.callback());
  CHECK_FALSE(room.get(2s).has_value());
  Waiter<bool> created;
  RoomRecord record;
  record.room_id = generate_id("rm_");
  record.owner_key_hash = sha256_hex("key");
  store.create_room(record, created.callback());
  CHECK_FALSE(created.get(2s));
  CHECK(std::chrono::steady_clock::now() - started < 2s);

  // A summary is kept and retried, not refused...
  Waiter<bool> saved;
  SummaryRecord summary;
  summary.session_id = generate_id("ss_");
  summary.room_id = record.room_id;
  store.save_summary(summary, saved.callback());
  CHECK_FALSE(saved.ready_within(300ms));
  CHECK(store.stats().summaries_pending == 1);

  // ...until drain_and_stop's deadline, when it is reported as not written.
  const auto stop_started = std::chrono::steady_clock::now();
  store.drain_and_stop();
  CHECK(std::chrono::steady_clock::now() - stop_started < 3s);
  CHECK_FALSE(saved.get(1s));
  CHECK(store.stats().summaries_pending == 0);
  CHECK(store.stats().writes_failed >= 2);  // the room and the summary
}
