// Wall-clock time as an interface, so rooms are tested with a manual clock.
// (The synchrony core never reads a clock: its time is the data's time.)
#pragma once

#include <chrono>
#include <cstdint>

namespace attune::rooms {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::int64_t now_us() const = 0;
  std::int64_t now_ms() const { return now_us() / 1000; }
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_us() const override {
    using namespace std::chrono;
    return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
  }
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_us = 1'700'000'000'000'000) : now_(start_us) {}
  std::int64_t now_us() const override { return now_; }
  void advance_ms(std::int64_t ms) { now_ += ms * 1000; }
  void set_us(std::int64_t us) { now_ = us; }

 private:
  std::int64_t now_;
};

}  // namespace attune::rooms
