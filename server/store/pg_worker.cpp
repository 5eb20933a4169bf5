#include "store/pg_worker.hpp"

#include <spdlog/spdlog.h>

#include <vector>

#include "store/backoff.hpp"
#include "store/migrations.hpp"
#include "store/pg_errors.hpp"
#include "store/pg_queries.hpp"
#include "store/recovery.hpp"

namespace attune::store {

PgStore::Worker::Worker(PgStoreOptions options) : options_(std::move(options)) {
  if (!options_.spool_dir.empty()) spool_ = std::make_unique<Spool>(options_.spool_dir);
  thread_ = std::thread([this] { run(); });
}

PgStore::Worker::~Worker() { drain_and_stop(); }

void PgStore::Worker::submit(std::unique_ptr<Job> job) {
  const bool durable = job->lane == Job::Lane::Durable;
  const char* refusal = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      refusal = "store is stopping";
    } else if (!durable && db_state_ == DbState::Down) {
      refusal = nullptr;  // expected while the database is away: not logged per call
      rejected_++;
    } else if (job->is_checkpoint && queue_.size() >= options_.queue_capacity / 2) {
      // Checkpoints may fill only half the queue, so that under load they
      // never crowd out invite lookups and room creation; a refused
      // checkpoint is superseded by the next one. Counted, not logged per call.
      refusal = nullptr;
      rejected_++;
    } else if (!durable && queue_.size() >= options_.queue_capacity) {
      refusal = "queue full";
    } else {
      if (job->is_summary) summaries_pending_++;
      queue_.push_back(std::move(job));
      queue_depth_ = queue_.size();
      wake_.notify_one();
      return;
    }
  }
  if (refusal != nullptr) {
    rejected_++;
    // Losing a durable write is worth an error; a refused read is a warning.
    if (durable) {
      spdlog::error("store: {} refused: {}", job->label, refusal);
    } else {
      spdlog::warn("store: {} refused: {}", job->label, refusal);
    }
  }
  if (job->is_write) writes_failed_++;
  deliver(job->fail, job->label);
}

StoreStats PgStore::Worker::stats() const {
  StoreStats s;
  s.queue_depth = queue_depth_;
  s.writes_ok = writes_ok_;
  s.writes_failed = writes_failed_;
  s.database_reachable = db_state_ == DbState::Up;
  s.migrations_applied = migrations_applied_;
  s.summaries_pending = summaries_pending_;
  s.requests_rejected = rejected_;
  s.reconnects = reconnects_;
  s.spool_depth = spool_ ? spool_->depth() : 0;
  s.summaries_spooled = spooled_;
  s.checkpoints_ok = checkpoints_ok_;
  return s;
}

void PgStore::Worker::drain_and_stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_) {
      stopping_ = true;
      deadline_ = Clock::now() + options_.drain_deadline;
    }
  }
  wake_.notify_all();
  if (std::this_thread::get_id() == thread_.get_id()) return;  // called from a callback
  std::lock_guard<std::mutex> join_lock(join_mutex_);
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<Job> PgStore::Worker::pop_locked() {
  auto job = std::move(queue_.front());
  queue_.pop_front();
  queue_depth_ = queue_.size();
  return job;
}

void PgStore::Worker::run() {
  connect();
  Backoff idle_backoff(options_.reconnect_initial, options_.reconnect_max);
  for (;;) {
    if (spool_ && replay_due_ && conn_ && spool_->depth() > 0 && !deadline_passed()) replay_spool_now();
    std::unique_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // While the database is away, poll it on the backoff schedule so reads
      // stop being refused soon after it returns.
      if (db_state_ == DbState::Up) idle_backoff.reset();
      const auto idle = db_state_ == DbState::Up ? options_.health_interval : idle_backoff.next();
      wake_.wait_for(lock, idle, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) {
        if (stopping_) break;
        lock.unlock();
        health_check();
        continue;
      }
      job = pop_locked();
    }
    if (deadline_passed()) {
      give_up_on_everything(*job);
      continue;
    }
    execute(*job);
  }
  close();
}

void PgStore::Worker::execute(Job& job) {
  const bool durable = job.lane == Job::Lane::Durable;
  Backoff backoff(options_.reconnect_initial, options_.reconnect_max);
  int attempts = 0;
  for (;;) {
    if (!conn_ && !connect()) {
      // The database is away: interactive work fails now, summaries go to the
      // spool (if there is one), other durable work waits.
      fail_queued_interactive();
      if (!durable) return finish(job, false);
      if (spool_) {
        spool_queued_summaries();
        if (job.summary && spool_job(job)) return;
      }
      if (deadline_passed()) return give_up_on_everything(job);
      sleep_for(backoff.next());
      continue;
    }
    ++attempts;
    try {
      auto delivery = job.attempt(*conn_);
      finish(job, true);
      deliver(delivery, job.label);
      return;
    } catch (const std::exception& e) {
      const bool connection = is_connection_error(e);
      if (connection) disconnect();
      if (!is_transient_error(e)) {
        spdlog::error("store: {} failed permanently: {}", job.label, safe_error_text(e));
        return finish(job, false);
      }
      spdlog::warn("store: {} failed (attempt {}), will retry: {}", job.label, attempts,
                   safe_error_text(e));
      // One reconnect covers an idle connection the server closed; more than
      // that is the database being away, which interactive callers should hear
      // about at once.
      if (!durable && attempts >= 2) return finish(job, false);
      if (durable && deadline_passed()) return give_up_on_everything(job);
      if (!connection) sleep_for(backoff.next());
    }
  }
}

bool PgStore::Worker::connect() {
  const DbState before = db_state_;
  try {
    auto conn = std::make_unique<pqxx::connection>(options_.database_url);
    {
      pqxx::nontransaction tx(*conn);
      tx.exec_params("SELECT set_config('statement_timeout', $1, false)",
                     std::to_string(options_.statement_timeout.count()));
      migrations_applied_ = sql::read_schema_version(tx) >= expected_schema_version();
    }
    conn_ = std::move(conn);
    db_state_ = DbState::Up;
    replay_due_ = true;
    reconnects_++;
    if (before == DbState::Down) {
      spdlog::info("store: database reachable again");
    } else {
      spdlog::info("store: connected to the database");
    }
    if (!migrations_applied_) {
      spdlog::warn("store: database schema is older than this binary (run `attune migrate`)");
    }
    return true;
  } catch (const std::exception& e) {
    conn_.reset();
    db_state_ = DbState::Down;
    // Logged on the transition only: a database that stays away for an hour
    // should not write a line per retry.
    if (before != DbState::Down) {
      spdlog::warn("store: database unreachable: {}", safe_error_text(e));
    }
    return false;
  }
}

void PgStore::Worker::disconnect() {
  try {
    conn_.reset();
  } catch (...) {
    // Closing a broken connection must never take the worker down.
  }
  if (db_state_ == DbState::Up) spdlog::warn("store: lost the database connection");
  db_state_ = DbState::Down;
}

void PgStore::Worker::close() {
  try {
    conn_.reset();
  } catch (...) {
  }
}

void PgStore::Worker::health_check() {
  // A replay that stopped on a transient error (or a record the database
  // refused) is tried again at each idle check.
  if (spool_ && spool_->depth() > 0) replay_due_ = true;
  if (!conn_) {
    connect();
    return;
  }
  try {
    pqxx::nontransaction tx(*conn_);
    migrations_applied_ = sql::read_schema_version(tx) >= expected_schema_version();
  } catch (const std::exception& e) {
    spdlog::warn("store: health check failed: {}", safe_error_text(e));
    disconnect();
  }
}

void PgStore::Worker::fail_queued_interactive() {
  std::vector<std::unique_ptr<Job>> failed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::deque<std::unique_ptr<Job>> kept;
    for (auto& job : queue_) {
      if (job->lane == Job::Lane::Durable) {
        kept.push_back(std::move(job));
      } else {
        failed.push_back(std::move(job));
      }
    }
    queue_ = std::move(kept);
    queue_depth_ = queue_.size();
  }
  for (auto& job : failed) {
    rejected_++;
    finish(*job, false);
  }
}

void PgStore::Worker::give_up_on_everything(Job& current) {
  std::deque<std::unique_ptr<Job>> rest;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    rest.swap(queue_);
    queue_depth_ = 0;
  }
  std::size_t summaries = current.is_summary ? 1 : 0;
  for (auto& job : rest) summaries += job->is_summary ? 1 : 0;
  spdlog::error("store: drain deadline passed; giving up on {} queued job(s), {} summary(ies){}",
                rest.size() + 1, summaries, spool_ ? " (summaries go to the spool)" : "");
  if (!spool_job(current)) finish(current, false);
  for (auto& job : rest)
    if (!spool_job(*job)) finish(*job, false);
}

bool PgStore::Worker::spool_job(Job& job) {
  if (!spool_ || !job.summary) return false;
  if (!spool_->append(*job.summary)) return false;
  spooled_++;
  spdlog::warn("store: {} not written to the database; kept in the spool", job.label);
  // Reported as not written (yet), after it is durable on disk.
  if (job.is_summary) summaries_pending_--;
  if (job.is_write) writes_failed_++;
  deliver(job.fail, job.label);
  return true;
}

void PgStore::Worker::spool_queued_summaries() {
  std::vector<std::unique_ptr<Job>> summaries;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::deque<std::unique_ptr<Job>> kept;
    for (auto& job : queue_) {
      if (job->summary) {
        summaries.push_back(std::move(job));
      } else {
        kept.push_back(std::move(job));
      }
    }
    queue_ = std::move(kept);
    queue_depth_ = queue_.size();
  }
  for (auto& job : summaries) {
    if (spool_job(*job)) continue;
    // Could not make it durable on disk: keep it queued in memory instead.
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(std::move(job));
    queue_depth_ = queue_.size();
  }
}

void PgStore::Worker::replay_spool_now() {
  replay_due_ = false;
  const auto result = replay_spool(*conn_, *spool_);
  if (result.connection_lost) disconnect();
}

void PgStore::Worker::finish(Job& job, bool ok) {
  if (job.is_summary) summaries_pending_--;
  if (job.is_write) (ok ? writes_ok_ : writes_failed_)++;
  if (ok && job.is_checkpoint) checkpoints_ok_++;
  if (!ok) {
    if (job.lane == Job::Lane::Durable) spdlog::error("store: {} was not written", job.label);
    deliver(job.fail, job.label);
  }
}

bool PgStore::Worker::deadline_passed() {
  std::lock_guard<std::mutex> lock(mutex_);
  return deadline_ && Clock::now() >= *deadline_;
}

void PgStore::Worker::sleep_for(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto until = Clock::now() + delay;
  if (deadline_ && *deadline_ < until) until = *deadline_;
  const bool was_stopping = stopping_;
  wake_.wait_until(lock, until, [&] { return stopping_ && !was_stopping; });
}

void PgStore::Worker::deliver(const std::function<void()>& f, const std::string& label) {
  if (!f) return;
  try {
    f();
  } catch (const std::exception& e) {
    spdlog::error("store: callback of {} threw: {}", label, e.what());
  } catch (...) {
    spdlog::error("store: callback of {} threw", label);
  }
}

}  // namespace attune::store
