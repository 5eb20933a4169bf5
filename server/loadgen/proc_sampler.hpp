// Samples a process's CPU time and RSS from /proc/<pid> on its own thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace attune::loadgen {

struct ProcSample {
  std::int64_t t_us = 0;     // wall clock, us since the epoch
  double cpu_s = 0.0;        // utime + stime
  std::int64_t rss_kb = 0;
};

bool read_proc(int pid, ProcSample& out);
std::int64_t wall_us();

class ProcSampler {
 public:
  ProcSampler(int pid, int period_ms = 500);
  ~ProcSampler();
  void stop();
  bool ok() const { return ok_; }
  // CPU % (100 = one core) between the samples nearest a and b, the RSS at
  // the first sample, and the largest RSS seen between a and b.
  struct Window {
    double cpu_percent = 0.0;
    std::int64_t rss_kb_first = 0;
    std::int64_t rss_kb_max = 0;
    std::int64_t rss_kb_end = 0;
    bool valid = false;
  };
  Window window(std::int64_t a_us, std::int64_t b_us);

 private:
  void run();
  int pid_;
  int period_ms_;
  bool ok_ = false;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<ProcSample> samples_;
  std::thread thread_;
};

}  // namespace attune::loadgen
