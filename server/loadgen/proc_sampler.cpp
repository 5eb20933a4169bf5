#include "loadgen/proc_sampler.hpp"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

namespace attune::loadgen {

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool read_proc(int pid, ProcSample& out) {
  const std::string base = "/proc/" + std::to_string(pid);
  std::ifstream stat(base + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  // Fields after the command name (which may hold spaces) start after ") ".
  auto close = line.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoul(field);
    if (i == 15) stime = std::stoul(field);
  }
  out.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status(base + "/status");
  out.rss_kb = 0;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      out.rss_kb = std::stoll(line.substr(6));
      break;
    }
  }
  out.t_us = wall_us();
  return true;
}

ProcSampler::ProcSampler(int pid, int period_ms) : pid_(pid), period_ms_(period_ms) {
  ProcSample s;
  ok_ = pid > 0 && read_proc(pid, s);
  if (ok_) {
    samples_.push_back(s);
    thread_ = std::thread([this] { run(); });
  }
}

ProcSampler::~ProcSampler() { stop(); }

void ProcSampler::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ProcSampler::run() {
  while (!stop_) {
    for (int waited = 0; waited < period_ms_ && !stop_; waited += 50)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    ProcSample s;
    if (!read_proc(pid_, s)) break;
    std::lock_guard<std::mutex> lock(mutex_);
    samples_.push_back(s);
  }
}

ProcSampler::Window ProcSampler::window(std::int64_t a_us, std::int64_t b_us) {
  Window w;
  std::lock_guard<std::mutex> lock(mutex_);
  if (samples_.empty()) return w;
  auto nearest = [&](std::int64_t t) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < samples_.size(); ++i)
      if (std::llabs(samples_[i].t_us - t) < std::llabs(samples_[best].t_us - t)) best = i;
    return best;
  };
  auto ia = nearest(a_us), ib = nearest(b_us);
  w.rss_kb_first = samples_.front().rss_kb;
  w.rss_kb_end = samples_[ib].rss_kb;
  for (std::size_t i = ia; i <= ib; ++i) w.rss_kb_max = std::max(w.rss_kb_max, samples_[i].rss_kb);
  if (ib > ia) {
    const double dt = static_cast<double>(samples_[ib].t_us - samples_[ia].t_us) / 1e6;
    w.cpu_percent = 100.0 * (samples_[ib].cpu_s - samples_[ia].cpu_s) / dt;
    w.valid = true;
  }
  return w;
}

}  // namespace attune::loadgen
