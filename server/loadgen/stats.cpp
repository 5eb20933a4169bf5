#include "loadgen/stats.hpp"

#include <algorithm>

namespace attune::loadgen {

const std::vector<std::int64_t>& Histogram::bounds() {
  static const std::vector<std::int64_t> b = [] {
    std::vector<std::int64_t> v;
    for (std::int64_t x = 10; x <= 1000; x += 10) v.push_back(x);
    for (std::int64_t x = 1100; x <= 10000; x += 100) v.push_back(x);
    for (std::int64_t x = 11000; x <= 100000; x += 1000) v.push_back(x);
    for (std::int64_t x = 110000; x <= 10000000; x += 10000) v.push_back(x);
    v.push_back(INT64_MAX);  // overflow
    return v;
  }();
  return b;
}

Histogram::Histogram() : counts_(bounds().size()) {}

void Histogram::add(std::int64_t us) {
  if (us < 0) us = 0;
  const auto& b = bounds();
  auto i = static_cast<std::size_t>(std::lower_bound(b.begin(), b.end(), us) - b.begin());
  counts_[std::min(i, b.size() - 1)].fetch_add(1, std::memory_order_relaxed);
  merge_max(us);
}

void Histogram::merge_max(std::int64_t m) {
  auto cur = max_.load(std::memory_order_relaxed);
  while (m > cur && !max_.compare_exchange_weak(cur, m, std::memory_order_relaxed)) {
  }
}

void Histogram::merge(std::int64_t upper_us, std::uint64_t n) {
  const auto& b = bounds();
  auto i = static_cast<std::size_t>(std::lower_bound(b.begin(), b.end(), upper_us) - b.begin());
  counts_[std::min(i, b.size() - 1)].fetch_add(n, std::memory_order_relaxed);
}

std::uint64_t Histogram::count() const {
  std::uint64_t n = 0;
  for (const auto& c : counts_) n += c.load(std::memory_order_relaxed);
  return n;
}

std::int64_t Histogram::quantile(double q) const {
  const auto total = count();
  if (total == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total - 1)) + 1;
  std::uint64_t seen = 0;
  const auto& b = bounds();
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i].load(std::memory_order_relaxed);
    if (seen >= rank) return std::min(b[i], max());
  }
  return max();
}

std::vector<std::pair<std::int64_t, std::uint64_t>> Histogram::buckets() const {
  std::vector<std::pair<std::int64_t, std::uint64_t>> out;
  const auto& b = bounds();
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    auto n = counts_[i].load(std::memory_order_relaxed);
    if (n) out.emplace_back(i + 1 == b.size() ? max() : b[i], n);
  }
  return out;
}

void Stats::count_error(const std::string& what) {
  std::lock_guard<std::mutex> lock(mutex);
  ++errors[what];
}

void Stats::count_client_error(const std::string& what) {
  std::lock_guard<std::mutex> lock(mutex);
  ++client_errors[what];
}

void Stats::count_close(int code) {
  std::lock_guard<std::mutex> lock(mutex);
  ++closes[code];
}

void Stats::note_held(std::int64_t delta) {
  auto now = held.fetch_add(delta) + delta;
  auto cur = held_max.load();
  while (now > cur && !held_max.compare_exchange_weak(cur, now)) {
  }
}

Counters Stats::snapshot() const {
  Counters c;
  c.frames_in = frames_in.load();
  c.frames_out = frames_out.load();
  c.bytes_in = bytes_in.load();
  c.bytes_out = bytes_out.load();
  c.room_states = room_states.load();
  return c;
}

}  // namespace attune::loadgen
