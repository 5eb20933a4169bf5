// Stored baselines against a real PostgreSQL (schema/0003_baselines.sql):
// rows derived from the summary in its own transaction (live, spool replay,
// crash recovery), the effective baseline as the median of the latest 5,
// idempotent rewrites, forgetting (audited), and the cascade on room delete.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <optional>
#include <sstream>

#include "store/migrations.hpp"
#include "store/pg_store.hpp"
#include "store/recovery.hpp"
#include "store/spool.hpp"
#include "store/token.hpp"
#include "test_db.hpp"

using namespace attune::store;
using namespace attune::store::testing;

namespace {

std::string new_room(PgStore& store) {
  RoomRecord room;
  room.room_id = generate_id("rm_");
  room.owner_key_hash = sha256_hex(generate_token());
  Waiter<bool> created;
  store.create_room(room, created.callback());
  REQUIRE(created.get());
  return room.room_id;
}

struct Measured {
  double hr = 70.0, hr_scale = 4.0, ln = 3.5, ln_scale = 0.25;
  std::optional<double> breath;
  std::optional<double> resonance;
};

// A summary in the SessionSummary JSON mapping (proto field names), with
// partner A as given, partner B with no baseline (too short) and an observer.
SummaryRecord summary_with(const std::string& room_id, std::int64_t started_ms, const Measured& a) {
  std::ostringstream p;
  p.precision(17);
  p << R"({"role": "ROLE_PARTNER_A", "beats_received": "300", "session_baseline": {"hr_median_bpm": )" << a.hr
    << R"(, "hr_scale_bpm": )" << a.hr_scale << R"(, "ln_rmssd_median": )" << a.ln << R"(, "ln_rmssd_scale": )"
    << a.ln_scale << R"(, "values": 120)";
  if (a.breath) p << R"(, "breath_median_bpm": )" << *a.breath << R"(, "breath_scale_bpm": 2, "breath_values": 90)";
  p << "}";
  if (a.resonance) p << R"(, "resonance_rate_bpm": )" << *a.resonance;
  p << "}";
  SummaryRecord s;
  s.session_id = generate_id("ses_");
  s.room_id = room_id;
  s.started_at_ms = started_ms;
  s.ended_at_ms = started_ms + 600'000;
  s.end_reason = "ended_by_partner_a";
  s.algorithm_version = "test-1";
  s.parameters_json = "{}";
  s.summary_json = R"({"session_id": ")" + s.session_id + R"(", "participants": [)" + p.str() +
                   R"(, {"role": "ROLE_PARTNER_B", "session_baseline": {}}, {"role": "ROLE_OBSERVER"}]})";
  return s;
}

bool save(PgStore& store, const SummaryRecord& s) {
  Waiter<bool> saved;
  store.save_summary(s, saved.callback());
  return saved.get();
}

std::optional<RoomBaselines> baselines(PgStore& store, const std::string& room_id) {
  Waiter<std::optional<RoomBaselines>> got;
  store.get_baselines(room_id, got.callback());
  return got.get();
}

std::string one(const std::string& sql) { return query_scalar(migrated_database_url(), sql); }

constexpr std::int64_t kT0 = 1'700'000'000'000;
constexpr std::int64_t kDay = 86'400'000;

}  // namespace

TEST_CASE("baselines: a summary stores one row per seat with a baseline - idempotently") {
  PgStore store(fast_options(migrated_database_url()));
  const auto room = new_room(store);
  Measured m;
  m.hr = 72.5;
  m.breath = 12.0;
  m.resonance = 5.5;
  const auto s = summary_with(room, kT0, m);
  REQUIRE(save(store, s));
  const std::string where = " FROM seat_baselines WHERE session_id = '" + s.session_id + "'";
  CHECK(one("SELECT count(*)" + where) == "1");  // B measured nothing; observers are no seat
  CHECK(one("SELECT seat || '/' || hr_median || '/' || breath_median || '/' || n_values || '/' || "
            "resonance_rate_bpm" + where) == "1/72.5/12/120/5.5");
  CHECK(one("SELECT (extract(epoch FROM measured_at) * 1000)::bigint" + where) == std::to_string(kT0));
  // The same summary again (a retry, a spool replay): nothing changes.
  REQUIRE(save(store, s));
  CHECK(one("SELECT count(*)" + where) == "1");

  const auto b = baselines(store, room);
  REQUIRE(b);
  REQUIRE(b->seats.size() == 1);
  const auto& a = b->seats[0];
  CHECK(a.seat == SeatRole::PartnerA);
  CHECK(a.sessions == 1);
  REQUIRE(a.hr_bpm);
  CHECK(a.hr_bpm->median == 72.5);
  CHECK(a.hr_bpm->scale == 4.0);
  REQUIRE(a.ln_rmssd);
  CHECK(a.ln_rmssd->median == 3.5);
  REQUIRE(a.breath_rate_bpm);
  CHECK(a.breath_rate_bpm->median == 12.0);
  CHECK(a.breath_sessions == 1);
  REQUIRE(a.resonance_rate_bpm);
  CHECK(*a.resonance_rate_bpm == 5.5);
  CHECK(a.resonance_sessions == 1);
}

TEST_CASE("baselines: the effective baseline is the per-field median of the latest 5 sessions") {
  PgStore store(fast_options(migrated_database_url()));
  const auto room = new_room(store);
  // Seven sessions, oldest first. The two oldest (an odd 120 bpm among them)
  // fall out of the window; the latest five have HR 60, 90, 61, 62, 63.
  const double hr[] = {120.0, 118.0, 60.0, 90.0, 61.0, 62.0, 63.0};
  const double ln[] = {1.0, 1.0, 3.0, 3.2, 3.4, 3.6, 3.8};
  for (int i = 0; i < 7; ++i) {
    Measured m;
    m.hr = hr[i];
    m.ln = ln[i];
    if (i == 6) m.breath = 11.0;  // only one recent session measured breath
    if (i == 0) m.resonance = 4.5;
    if (i >= 5) m.resonance = 6.0 + (i - 5);  // 6.0, 7.0
    REQUIRE(save(store, summary_with(room, kT0 + i * kDay, m)));
  }
  const auto b = baselines(store, room);
  REQUIRE(b);
  REQUIRE(b->seats.size() == 1);
  const auto& a = b->seats[0];
  CHECK(a.sessions == 5);
  REQUIRE(a.hr_bpm);
  CHECK(a.hr_bpm->median == 62.0);  // median of {60, 90, 61, 62, 63}: one odd session does not move it
  REQUIRE(a.ln_rmssd);
  CHECK(a.ln_rmssd->median == Approx(3.4));
  REQUIRE(a.breath_rate_bpm);
  CHECK(a.breath_rate_bpm->median == 11.0);
  CHECK(a.breath_sessions == 1);
  // Resonance: the median of the rows that estimated one (4.5, 6, 7).
  REQUIRE(a.resonance_rate_bpm);
  CHECK(*a.resonance_rate_bpm == 6.0);
  CHECK(a.resonance_sessions == 3);
}

TEST_CASE("baselines: unknown room - delete_baselines forgets (audited) - room delete cascades") {
  PgStore store(fast_options(migrated_database_url()));
  CHECK_FALSE(baselines(store, "rm_nobody"));
  const auto room = new_room(store);
  const auto kept = new_room(store);
  for (int i = 0; i < 3; ++i) REQUIRE(save(store, summary_with(room, kT0 + i * kDay, Measured{})));
  REQUIRE(save(store, summary_with(kept, kT0, Measured{})));

  Waiter<std::optional<std::size_t>> deleted;
  store.delete_baselines(room, AuditEvent{"room_key", "baselines.deleted", room, "", "{}"}, deleted.callback());
  const auto n = deleted.get();
  REQUIRE(n);
  CHECK(*n == 3);
  CHECK(one("SELECT count(*) FROM seat_baselines WHERE room_id = '" + room + "'") == "0");
  CHECK(one("SELECT detail::text FROM audit_log WHERE action = 'baselines.deleted' AND room_id = '" + room + "'") ==
        R"({"rows": 3})");
  const auto b = baselines(store, room);
  REQUIRE(b);
  CHECK(b->seats.empty());
  // The summaries are untouched, and another room keeps its baselines.
  CHECK(one("SELECT count(*) FROM session_summaries ss JOIN sessions s USING (session_id) WHERE s.room_id = '" +
            room + "'") == "3");
  CHECK(one("SELECT count(*) FROM seat_baselines WHERE room_id = '" + kept + "'") == "1");

  // Deleting the room deletes its baselines.
  query_scalar(migrated_database_url(), "DELETE FROM rooms WHERE room_id = '" + kept + "'");
  CHECK(one("SELECT count(*) FROM seat_baselines WHERE room_id = '" + kept + "'") == "0");
}

TEST_CASE("baselines: summaries written later (spool replay, crash recovery) carry them too") {
  const auto url = fresh_database_url();
  migrate(url);
  char pattern[] = "/tmp/attune-baselines-it-XXXXXX";
  const char* tmp = ::mkdtemp(pattern);
  REQUIRE(tmp != nullptr);
  const std::string dir = std::string(tmp) + "/spool";
  std::string room, spooled_id, checkpointed_id;
  {
    auto options = fast_options(url);
    options.node_id = "node-a";
    PgStore store(options);
    room = new_room(store);
    Measured m;
    m.hr = 80.0;
    const auto cp = summary_with(room, kT0, m);
    checkpointed_id = cp.session_id;
    store.session_started({cp.session_id, room, kT0});
    store.checkpoint(cp);
    store.drain_and_stop();
  }
  {
    Spool spool(dir);
    Measured m;
    m.hr = 66.0;
    const auto s = summary_with(room, kT0 + kDay, m);
    spooled_id = s.session_id;
    REQUIRE(spool.append(s));
  }
  const auto result = recover_at_startup(url, dir, "node-a");
  CHECK(result.spool.written == 1);
  CHECK(result.interrupted_with_checkpoint == 1);
  auto q = [&](const std::string& sql) { return query_scalar(url, sql); };
  CHECK(q("SELECT hr_median FROM seat_baselines WHERE session_id = '" + spooled_id + "'") == "66");
  CHECK(q("SELECT hr_median FROM seat_baselines WHERE session_id = '" + checkpointed_id + "'") == "80");
  // Again: nothing more.
  recover_at_startup(url, dir, "node-a");
  CHECK(q("SELECT count(*) FROM seat_baselines") == "2");
}
