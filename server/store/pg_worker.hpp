// The thread behind PgStore: a FIFO of jobs, one libpqxx connection, reconnects
// with backoff, the drain deadline, and the counters behind stats().
// Internal to attune_store; see pg_store.hpp for the policy it implements.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <pqxx/pqxx>

#include "store/pg_store.hpp"
#include "store/spool.hpp"

namespace attune::store {

struct Job {
  enum class Lane { Interactive, Durable };
  Lane lane = Lane::Interactive;
  bool is_write = false;    // counts towards writes_ok / writes_failed
  bool is_summary = false;  // counts towards summaries_pending
  bool is_checkpoint = false;  // counts towards checkpoints_ok
  // For a summary: the record itself, so it can go to the spool.
  std::shared_ptr<const SummaryRecord> summary;
  std::string label;        // for logs: operation and ids, never values
  // Does the database work, throwing on failure; returns what to deliver to
  // the caller once it succeeded (kept apart so a throwing callback is not
  // mistaken for a database error and retried).
  std::function<std::function<void()>(pqxx::connection&)> attempt;
  std::function<void()> fail;  // gives the caller its false / nullopt
};

class PgStore::Worker {
 public:
  explicit Worker(PgStoreOptions options);
  ~Worker();

  // Queues a job, or fails it inline (see the policy in pg_store.hpp).
  void submit(std::unique_ptr<Job> job);
  StoreStats stats() const;
  void drain_and_stop();

 private:
  enum class DbState : int { Unknown, Up, Down };
  using Clock = std::chrono::steady_clock;

  void run();
  void execute(Job& job);
  bool connect();
  void disconnect();  // after an error: marks the database away
  void close();       // at shutdown
  void health_check();
  void fail_queued_interactive();
  void give_up_on_everything(Job& current);
  // With a spool: appends the job's summary and reports it as not written
  // (after it is durable). False if there is no spool or the append failed.
  bool spool_job(Job& job);
  // Moves every queued summary to the spool (the database is away).
  void spool_queued_summaries();
  void replay_spool_now();
  bool deadline_passed();
  // Sleeps up to `delay` (never past the drain deadline); wakes early when a
  // stop is requested.
  void sleep_for(std::chrono::milliseconds delay);
  std::unique_ptr<Job> pop_locked();
  void finish(Job& job, bool ok);
  static void deliver(const std::function<void()>& f, const std::string& label);

  const PgStoreOptions options_;
  std::unique_ptr<pqxx::connection> conn_;  // worker thread only
  std::unique_ptr<Spool> spool_;            // null without spool_dir
  bool replay_due_ = true;                  // worker thread only

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<Job>> queue_;
  bool stopping_ = false;
  std::optional<Clock::time_point> deadline_;
  std::mutex join_mutex_;
  std::thread thread_;

  std::atomic<DbState> db_state_{DbState::Unknown};
  std::atomic<std::size_t> queue_depth_{0};
  std::atomic<std::size_t> summaries_pending_{0};
  std::atomic<std::uint64_t> writes_ok_{0};
  std::atomic<std::uint64_t> writes_failed_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> spooled_{0};
  std::atomic<std::uint64_t> checkpoints_ok_{0};
  std::atomic<bool> migrations_applied_{false};
};

}  // namespace attune::store
