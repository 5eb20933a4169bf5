// Test support for the store's integration tests: a fresh database per test
// process, and a way to wait for the store's callbacks.
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "store/pg_store.hpp"

namespace attune::store::testing {

// libpq URL of a new, empty database (each call creates one; all are dropped
// at exit). FAILs the test when ATTUNE_TEST_DATABASE_URL is not set.
const std::string& fresh_database_url();

// Drops every database created so far (done for you when the run ends).
void drop_scratch_databases();

// One database per process with every migration applied, shared by the tests.
const std::string& migrated_database_url();

// A URL on 127.0.0.1 where nothing listens.
std::string unreachable_url();

// Options with short delays, so tests about reconnecting finish quickly.
PgStoreOptions fast_options(std::string url);

// Runs one statement on its own connection and returns the first column of the
// first row as text ("" if no row / NULL). For checking what the store wrote.
std::string query_scalar(const std::string& url, const std::string& sql);

// Collects one callback result. Keep it alive until get() returns.
template <typename T>
class Waiter {
 public:
  std::function<void(T)> callback() {
    auto p = promise_;
    return [p](T value) { p->set_value(std::move(value)); };
  }
  T get(std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    REQUIRE(future_.wait_for(timeout) == std::future_status::ready);
    return future_.get();
  }
  bool ready_within(std::chrono::milliseconds timeout) {
    return future_.wait_for(timeout) == std::future_status::ready;
  }

 private:
  std::shared_ptr<std::promise<T>> promise_ = std::make_shared<std::promise<T>>();
  std::future<T> future_ = promise_->get_future();
};

}  // namespace attune::store::testing
