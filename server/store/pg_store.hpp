// Store on PostgreSQL (libpqxx). One worker thread owns the connection; every
// call only queues a job, so libpqxx never runs on the caller's thread.
//
// Queue policy (one FIFO, so a room is created before its sessions and a
// session starts before it ends):
//  - Interactive calls (create_room, find_invite, get_session, get_room) and
//    record_audit are bounded by queue_capacity. When the queue is full, or the
//    database is known to be away, they fail fast: the callback gets
//    false/nullopt INLINE, on the caller's thread, before the call returns.
//    They are tried at most twice (one reconnect), never waited on.
//  - Durable writes (session_started, save_summary) are never refused and never
//    dropped: they may take the queue past its capacity (counted in
//    stats().summaries_pending). They are retried with backoff until they
//    succeed, or until drain_and_stop()'s deadline passes. Errors that would
//    recur on retry (constraint violations, invalid JSON) fail at once.
// Callbacks otherwise run on the worker thread: post back to your executor and
// do not block in them.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace attune::store {

struct PgStoreOptions {
  std::string database_url;  // libpq connection string or URI; never logged
  std::size_t queue_capacity = 1024;
  // How long drain_and_stop() keeps retrying queued writes before giving up.
  std::chrono::milliseconds drain_deadline{10'000};
  std::chrono::milliseconds reconnect_initial{100};
  std::chrono::milliseconds reconnect_max{5'000};
  // Idle interval of the cheap "reachable? migrations applied?" check.
  std::chrono::milliseconds health_interval{5'000};
  // Server-side bound on each statement, so one stuck query cannot hold the
  // worker (and every queued summary) forever.
  std::chrono::milliseconds statement_timeout{5'000};
  // Folder of the summary spool (spool.hpp). Empty: no spool, and summaries
  // the database cannot take wait in memory until drain_and_stop's deadline.
  // With a spool, a summary goes to the spool as soon as the database is found
  // away (or at the drain deadline), and the spool is replayed when the
  // database is reachable again.
  std::string spool_dir;
  // Written with every session_started, so crash recovery closes only the
  // sessions this node was running. Empty: NULL.
  std::string node_id;
};

class PgStore final : public Store {
 public:
  // Throws std::runtime_error when the spool folder cannot be used.
  explicit PgStore(PgStoreOptions options);
  ~PgStore() override;  // drain_and_stop() if not done yet

  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  void create_room(RoomRecord room, Done done) override;
  void find_invite(std::string token_hash, std::function<void(InviteLookup)> done) override;
  void session_started(SessionStart start) override;
  void save_summary(SummaryRecord summary, Done done) override;
  void get_session(std::string session_id,
                   std::function<void(std::optional<SessionRow>)> done) override;
  void get_room(std::string room_id,
                std::function<void(std::optional<RoomRow>)> done) override;
  void record_audit(AuditEvent event) override;
  void checkpoint(SummaryRecord record) override;
  void get_baselines(std::string room_id, std::function<void(std::optional<RoomBaselines>)> done) override;
  void delete_baselines(std::string room_id, AuditEvent audit,
                        std::function<void(std::optional<std::size_t>)> done) override;

  StoreStats stats() const override;
  // Stops taking work, finishes the queue (retrying durable writes until the
  // deadline), fails what is left, joins the worker. Safe to call twice. From a
  // store callback it only requests the stop (it cannot join its own thread).
  void drain_and_stop() override;

  class Worker;  // defined in pg_store.cpp

 private:
  std::string node_id_;
  std::unique_ptr<Worker> worker_;
};

}  // namespace attune::store
