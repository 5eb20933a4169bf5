#include <catch2/catch.hpp>

#include <thread>

#include "store/pg_store.hpp"
#include "store/token.hpp"
#include "test_db.hpp"

using namespace attune::store;
using namespace attune::store::testing;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kDay = 24LL * 3600 * 1000;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Room {
  RoomRecord record;
  std::string partner_a_token, partner_b_token, expired_token;
};

Room make_room() {
  Room r;
  r.record.room_id = generate_id("rm_");
  r.record.owner_key_hash = sha256_hex(generate_token());
  r.record.label = "Tuesday session";
  r.record.share_metrics_with_partners = true;
  r.record.created_at_ms = now_ms();
  r.partner_a_token = generate_token();
  r.partner_b_token = generate_token();
  r.expired_token = generate_token();
  r.record.invites.push_back({sha256_hex(r.partner_a_token), SeatRole::PartnerA, 0});
  r.record.invites.push_back({sha256_hex(r.partner_b_token), SeatRole::PartnerB, now_ms() + kDay});
  r.record.invites.push_back({sha256_hex(r.expired_token), SeatRole::Clinician, now_ms() - 1000});
  return r;
}

bool create(PgStore& store, const RoomRecord& room) {
  Waiter<bool> created;
  store.create_room(room, created.callback());
  return created.get();
}

std::optional<InviteInfo> find(PgStore& store, const std::string& token) {
  Waiter<InviteLookup> found;
  store.find_invite(sha256_hex(token), found.callback());
  const InviteLookup lookup = found.get();
  CHECK(lookup.answered);  // the database was asked, found or not
  return lookup.invite;
}

std::optional<SessionRow> session(PgStore& store, const std::string& id) {
  Waiter<std::optional<SessionRow>> got;
  store.get_session(id, got.callback());
  return got.get();
}

SummaryRecord summary_for(const std::string& room_id, const std::string& session_id,
                          std::int64_t started, std::int64_t ended) {
  SummaryRecord s;
  s.session_id = session_id;
  s.room_id = room_id;
  s.started_at_ms = started;
  s.ended_at_ms = ended;
  s.end_reason = "host_ended";
  s.algorithm_version = "synchrony-1.0";
  s.parameters_json = R"({"window_s": 30})";
  s.summary_json = R"({"sessionId": ")" + session_id + R"(", "meanSynchrony": 0.42})";
  return s;
}

std::string count(const std::string& sql) { return query_scalar(migrated_database_url(), sql); }

}  // namespace

TEST_CASE("create_room - then find_invite by token hash") {
  PgStore store(fast_options(migrated_database_url()));
  const Room room = make_room();
  REQUIRE(create(store, room.record));

  const auto a = find(store, room.partner_a_token);
  REQUIRE(a.has_value());
  CHECK(a->room_id == room.record.room_id);
  CHECK(a->role == SeatRole::PartnerA);
  CHECK(a->expires_at_ms == 0);
  CHECK(a->share_metrics_with_partners);
  CHECK_FALSE(a->recording);

  const auto b = find(store, room.partner_b_token);
  REQUIRE(b.has_value());
  CHECK(b->role == SeatRole::PartnerB);
  CHECK(b->expires_at_ms == room.record.invites[1].expires_at_ms);  // exact round trip

  CHECK_FALSE(find(store, room.expired_token).has_value());
  CHECK_FALSE(find(store, generate_token()).has_value());

  // Only hashes reach the database, and the room's creation is audited.
  CHECK(count("SELECT count(*) FROM invites WHERE token_hash = '" +
              sha256_hex(room.partner_a_token) + "'") == "1");
  CHECK(count("SELECT count(*) FROM audit_log WHERE action = 'room.created' AND room_id = '" +
              room.record.room_id + "'") == "1");
  CHECK(store.stats().database_reachable);
  CHECK(store.stats().migrations_applied);
}

TEST_CASE("create_room refuses a raw token where a hash belongs") {
  PgStore store(fast_options(migrated_database_url()));
  Room room = make_room();
  room.record.invites[0].token_hash = room.partner_a_token;  // the bug the CHECK guards against
  CHECK_FALSE(create(store, room.record));
  CHECK(count("SELECT count(*) FROM rooms WHERE room_id = '" + room.record.room_id + "'") == "0");
  CHECK(store.stats().writes_failed == 1);
}

TEST_CASE("save_summary twice stores one summary and ends the session once") {
  PgStore store(fast_options(migrated_database_url()));
  const Room room = make_room();
  REQUIRE(create(store, room.record));
  const auto sid = generate_id("ss_");
  const auto t0 = now_ms() - 60'000;
  store.session_started({sid, room.record.room_id, t0});

  auto live = session(store, sid);  // FIFO: the start is written before this read
  REQUIRE(live.has_value());
  CHECK(live->status == "live");
  CHECK_FALSE(live->ended_at_ms.has_value());
  CHECK_FALSE(live->summary_json.has_value());

  const auto first = summary_for(room.record.room_id, sid, t0, t0 + 50'000);
  Waiter<bool> w1, w2;
  store.save_summary(first, w1.callback());
  auto second = first;
  second.ended_at_ms = t0 + 59'000;
  second.end_reason = "a later, different reason";
  second.summary_json = R"({"meanSynchrony": 0.99})";
  store.save_summary(second, w2.callback());
  CHECK(w1.get());
  CHECK(w2.get());  // a repeat is a success, not an error

  CHECK(count("SELECT count(*) FROM session_summaries WHERE session_id = '" + sid + "'") == "1");
  CHECK(count("SELECT count(*) FROM audit_log WHERE action = 'session.ended' AND session_id = '" +
              sid + "'") == "1");

  const auto ended = session(store, sid);
  REQUIRE(ended.has_value());
  CHECK(ended->status == "ended");
  CHECK(ended->ended_at_ms == t0 + 50'000);  // the first write wins
  CHECK(ended->started_at_ms == t0);
  CHECK(ended->owner_key_hash == room.record.owner_key_hash);
  REQUIRE(ended->summary_json.has_value());
  // jsonb normalises spacing and key order, so compare the values.
  CHECK_THAT(*ended->summary_json, Catch::Contains("\"meanSynchrony\": 0.42"));
  CHECK(count("SELECT end_reason FROM sessions WHERE session_id = '" + sid + "'") == "host_ended");
  CHECK(store.stats().writes_failed == 0);
}

TEST_CASE("save_summary without session_started creates the session row") {
  PgStore store(fast_options(migrated_database_url()));
  const Room room = make_room();
  REQUIRE(create(store, room.record));
  const auto sid = generate_id("ss_");
  Waiter<bool> saved;
  store.save_summary(summary_for(room.record.room_id, sid, now_ms() - 5000, now_ms()),
                     saved.callback());
  REQUIRE(saved.get());
  const auto row = session(store, sid);
  REQUIRE(row.has_value());
  CHECK(row->status == "ended");
  CHECK(row->summary_json.has_value());
}

TEST_CASE("get_session and get_room for unknown ids give nullopt") {
  PgStore store(fast_options(migrated_database_url()));
  CHECK_FALSE(session(store, "ss_nope").has_value());
  Waiter<std::optional<RoomRow>> got;
  store.get_room("rm_nope", got.callback());
  CHECK_FALSE(got.get().has_value());
}

TEST_CASE("get_room lists its sessions newest first - and only its own") {
  PgStore store(fast_options(migrated_database_url()));
  const Room room = make_room();
  const Room other = make_room();
  REQUIRE(create(store, room.record));
  REQUIRE(create(store, other.record));
  const auto t = now_ms() - 3 * 3600 * 1000;
  const auto s1 = generate_id("ss_"), s2 = generate_id("ss_"), s3 = generate_id("ss_");
  store.session_started({s1, room.record.room_id, t});
  store.session_started({s3, room.record.room_id, t + 7200 * 1000});
  store.session_started({s2, room.record.room_id, t + 3600 * 1000});
  store.session_started({generate_id("ss_"), other.record.room_id, t});
  Waiter<bool> saved;
  store.save_summary(summary_for(room.record.room_id, s1, t, t + 600'000), saved.callback());
  REQUIRE(saved.get());

  Waiter<std::optional<RoomRow>> got;
  store.get_room(room.record.room_id, got.callback());
  const auto row = got.get();
  REQUIRE(row.has_value());
  CHECK(row->label == "Tuesday session");
  CHECK(row->owner_key_hash == room.record.owner_key_hash);
  CHECK(row->created_at_ms == room.record.created_at_ms);
  REQUIRE(row->sessions.size() == 3);
  CHECK(row->sessions[0].session_id == s3);
  CHECK(row->sessions[1].session_id == s2);
  CHECK(row->sessions[2].session_id == s1);
  CHECK(row->sessions[2].status == "ended");
  CHECK(row->sessions[0].status == "live");
  CHECK_FALSE(row->sessions[0].summary_json.has_value());
}

TEST_CASE("drain_and_stop writes everything still queued") {
  const Room room = make_room();
  std::vector<std::string> ids;
  std::atomic<int> acknowledged{0};
  {
    PgStore store(fast_options(migrated_database_url()));
    REQUIRE(create(store, room.record));
    for (int i = 0; i < 200; ++i) {
      ids.push_back(generate_id("ss_"));
      store.session_started({ids.back(), room.record.room_id, now_ms() - 1000});
      store.save_summary(summary_for(room.record.room_id, ids.back(), now_ms() - 1000, now_ms()),
                         [&](bool ok) { acknowledged += ok ? 1 : 0; });
    }
    store.drain_and_stop();  // no waiting on callbacks before this
    CHECK(store.stats().queue_depth == 0);
    CHECK(store.stats().summaries_pending == 0);
    // After the stop, calls are refused at once rather than lost silently.
    Waiter<bool> late;
    store.save_summary(summary_for(room.record.room_id, generate_id("ss_"), 1, 2),
                       late.callback());
    CHECK_FALSE(late.get(100ms));
  }
  CHECK(acknowledged == 200);
  CHECK(count("SELECT count(*) FROM session_summaries s JOIN sessions USING (session_id)"
              " WHERE room_id = '" + room.record.room_id + "' AND status = 'ended'") == "200");
}

TEST_CASE("the store reconnects after its connection is killed") {
  PgStore store(fast_options(migrated_database_url()));
  const Room room = make_room();
  REQUIRE(create(store, room.record));
  const auto reconnects_before = store.stats().reconnects;

  // Terminate every other backend of this database: the store's connection.
  count("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid()");

  // A durable write after the kill must still land (retried after reconnect)...
  const auto sid = generate_id("ss_");
  Waiter<bool> saved;
  store.save_summary(summary_for(room.record.room_id, sid, now_ms() - 1000, now_ms()),
                     saved.callback());
  CHECK(saved.get());
  // ...and reads work again.
  CHECK(find(store, room.partner_a_token).has_value());
  CHECK(store.stats().reconnects > reconnects_before);
  CHECK(store.stats().database_reachable);
}

TEST_CASE("record_audit writes an audit row") {
  PgStore store(fast_options(migrated_database_url()));
  const Room room = make_room();
  REQUIRE(create(store, room.record));
  store.record_audit({"owner", "summary.read", room.record.room_id, "ss_x", R"({"via": "http"})"});
  store.drain_and_stop();
  CHECK(count("SELECT detail->>'via' FROM audit_log WHERE action = 'summary.read' AND room_id = '" +
              room.record.room_id + "'") == "http");
}

TEST_CASE("a full queue refuses reads at once - inline") {
  auto options = fast_options(migrated_database_url());
  options.queue_capacity = 0;  // every interactive call finds the queue full
  PgStore store(options);
  Waiter<InviteLookup> found;
  store.find_invite(sha256_hex("x"), found.callback());
  CHECK(found.ready_within(0ms));  // answered before find_invite returned
  const InviteLookup lookup = found.get();
  CHECK_FALSE(lookup.answered);  // refused, not "no such invite": the caller must not blame the token
  CHECK_FALSE(lookup.invite.has_value());
  CHECK(store.stats().requests_rejected == 1);
  // Summaries are never refused for lack of room.
  const Room room = make_room();
  Waiter<bool> saved;
  store.save_summary(summary_for("rm_missing", generate_id("ss_"), 1, 2), saved.callback());
  // This one fails (no such room: a permanent error), but it was tried, not refused.
  CHECK_FALSE(saved.get());
  CHECK(store.stats().requests_rejected == 1);
  CHECK(store.stats().writes_failed == 1);
}
