#include "store/pg_store.hpp"

#include "store/pg_queries.hpp"
#include "store/pg_worker.hpp"

#include <spdlog/spdlog.h>

namespace attune::store {
namespace {

// Wraps a callback so a missing one is harmless.
template <typename F, typename... Args>
void call(const F& f, Args&&... args) {
  if (f) f(std::forward<Args>(args)...);
}

std::unique_ptr<Job> make_job(Job::Lane lane, bool is_write, std::string label) {
  auto job = std::make_unique<Job>();
  job->lane = lane;
  job->is_write = is_write;
  job->label = std::move(label);
  return job;
}

// A read: runs `query` in a read-only transaction and hands its result over.
template <typename T, typename Query>
std::unique_ptr<Job> read_job(std::string label, std::function<void(std::optional<T>)> done,
                              Query query) {
  auto job = make_job(Job::Lane::Interactive, false, std::move(label));
  job->attempt = [done, query](pqxx::connection& conn) -> std::function<void()> {
    pqxx::read_transaction tx(conn);
    auto result = query(tx);
    tx.commit();
    return [done, result = std::move(result)]() mutable { call(done, std::move(result)); };
  };
  job->fail = [done] { call(done, std::optional<T>{}); };
  return job;
}

// An id the database would accept but nobody could ever look up again is a
// caller bug: refuse it up front instead of storing it.
bool refuse_blank(const std::string& what, const std::string& id) {
  if (!id.empty()) return false;
  spdlog::error("store: {} called with an empty id; refused", what);
  return true;
}

}  // namespace

PgStore::PgStore(PgStoreOptions options)
    : node_id_(options.node_id), worker_(std::make_unique<Worker>(std::move(options))) {}

PgStore::~PgStore() { worker_->drain_and_stop(); }

void PgStore::create_room(RoomRecord room, Done done) {
  if (refuse_blank("create_room", room.room_id)) return call(done, false);
  auto job = make_job(Job::Lane::Interactive, true, "create_room room=" + room.room_id);
  job->attempt = [room = std::move(room), done](pqxx::connection& conn) -> std::function<void()> {
    pqxx::work tx(conn);
    sql::insert_room(tx, room);
    tx.commit();
    return [done] { call(done, true); };
  };
  job->fail = [done] { call(done, false); };
  worker_->submit(std::move(job));
}

void PgStore::find_invite(std::string token_hash, std::function<void(InviteLookup)> done) {
  // The label names no hash: even a token's hash stays out of the logs.
  auto job = make_job(Job::Lane::Interactive, false, "find_invite");
  job->attempt = [done, token_hash = std::move(token_hash)](pqxx::connection& conn) -> std::function<void()> {
    pqxx::read_transaction tx(conn);
    InviteLookup lookup;
    lookup.invite = sql::select_invite(tx, token_hash);
    tx.commit();
    lookup.answered = true;
    return [done, lookup = std::move(lookup)]() mutable { call(done, std::move(lookup)); };
  };
  job->fail = [done] { call(done, InviteLookup{}); };
  worker_->submit(std::move(job));
}

void PgStore::session_started(SessionStart start) {
  if (refuse_blank("session_started", start.session_id) ||
      refuse_blank("session_started", start.room_id)) {
    return;
  }
  auto job = make_job(Job::Lane::Durable, true, "session_started session=" + start.session_id);
  job->attempt = [start = std::move(start), node_id = node_id_](pqxx::connection& conn) -> std::function<void()> {
    pqxx::work tx(conn);
    sql::insert_session_start(tx, start, node_id);
    tx.commit();
    return {};
  };
  worker_->submit(std::move(job));
}

void PgStore::save_summary(SummaryRecord summary, Done done) {
  if (refuse_blank("save_summary", summary.session_id) ||
      refuse_blank("save_summary", summary.room_id)) {
    return call(done, false);
  }
  auto job = make_job(Job::Lane::Durable, true, "save_summary session=" + summary.session_id);
  job->is_summary = true;
  job->summary = std::make_shared<const SummaryRecord>(std::move(summary));
  job->attempt = [summary = job->summary, done](pqxx::connection& conn) -> std::function<void()> {
    pqxx::work tx(conn);
    // A repeat (already stored) is a success; leaving tx uncommitted rolls
    // back the session upsert so the repeat changes nothing at all.
    if (sql::insert_summary(tx, *summary)) tx.commit();
    return [done] { call(done, true); };
  };
  job->fail = [done] { call(done, false); };
  worker_->submit(std::move(job));
}

void PgStore::get_session(std::string session_id,
                          std::function<void(std::optional<SessionRow>)> done) {
  std::string label = "get_session session=" + session_id;
  worker_->submit(read_job<SessionRow>(
      std::move(label), std::move(done),
      [session_id = std::move(session_id)](pqxx::transaction_base& tx) {
        return sql::select_session(tx, session_id);
      }));
}

void PgStore::get_room(std::string room_id, std::function<void(std::optional<RoomRow>)> done) {
  std::string label = "get_room room=" + room_id;
  worker_->submit(read_job<RoomRow>(std::move(label), std::move(done),
                                    [room_id = std::move(room_id)](pqxx::transaction_base& tx) {
                                      return sql::select_room(tx, room_id);
                                    }));
}

void PgStore::record_audit(AuditEvent event) {
  auto job = make_job(Job::Lane::Interactive, true, "record_audit action=" + event.action);
  job->attempt = [event = std::move(event)](pqxx::connection& conn) -> std::function<void()> {
    pqxx::work tx(conn);
    sql::insert_audit(tx, event);
    tx.commit();
    return {};
  };
  worker_->submit(std::move(job));
}

void PgStore::checkpoint(SummaryRecord record) {
  if (refuse_blank("checkpoint", record.session_id)) return;
  auto job = make_job(Job::Lane::Interactive, true, "checkpoint session=" + record.session_id);
  job->is_checkpoint = true;
  job->attempt = [record = std::move(record)](pqxx::connection& conn) -> std::function<void()> {
    pqxx::work tx(conn);
    sql::update_checkpoint(tx, record);
    tx.commit();
    return {};
  };
  worker_->submit(std::move(job));
}

void PgStore::get_baselines(std::string room_id, std::function<void(std::optional<RoomBaselines>)> done) {
  std::string label = "get_baselines room=" + room_id;
  worker_->submit(read_job<RoomBaselines>(std::move(label), std::move(done),
                                          [room_id = std::move(room_id)](pqxx::transaction_base& tx) {
                                            return sql::select_baselines(tx, room_id);
                                          }));
}

void PgStore::delete_baselines(std::string room_id, AuditEvent audit,
                               std::function<void(std::optional<std::size_t>)> done) {
  auto job = make_job(Job::Lane::Interactive, true, "delete_baselines room=" + room_id);
  job->attempt = [room_id = std::move(room_id), audit = std::move(audit),
                  done](pqxx::connection& conn) -> std::function<void()> {
    pqxx::work tx(conn);
    const std::size_t n = sql::delete_baselines(tx, room_id);
    AuditEvent event = audit;  // how many rows, never their values
    event.detail_json = "{\"rows\": " + std::to_string(n) + "}";
    sql::insert_audit(tx, event);
    tx.commit();
    return [done, n] { call(done, std::optional<std::size_t>(n)); };
  };
  job->fail = [done] { call(done, std::optional<std::size_t>{}); };
  worker_->submit(std::move(job));
}

StoreStats PgStore::stats() const { return worker_->stats(); }

void PgStore::drain_and_stop() { worker_->drain_and_stop(); }

}  // namespace attune::store
