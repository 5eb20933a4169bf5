// The synchrony engine's cost per room: CPU per room-second and bytes held.
//
// Input: the simulated couple (sim::CoupleModel, default parameters, seed 1):
// partner A and B, RR beats plus 25 Hz respiration, fed the way a live room
// feeds it: every 500 ms the beats of that half second and a respiration
// chunk (12-13 samples), then advance_to(now), which computes one snapshot
// per whole second crossed.
//
//   BM_EngineRoomSecond   CPU time per room-second in steady state (the first
//                         300 s of each engine are warm-up, untimed)
//   BM_EngineBytesPerRoom heap bytes held per engine after 600 s of data
//                         (mallinfo2 delta over 64 engines, after one
//                         engine has warmed the per-thread scratch)
//
// `attune_core_bench --write-csv FILE --csv-seconds N` writes the same input
// as the replay CSV (participant,stream,t_ms,value) for the numpy/scipy
// reference (tests/reference/core_reference.py), which scripts/bench times
// in the same run.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/synchrony_engine.hpp"
#include "sim/physiology_model.hpp"

namespace {

using attune::core::SynchronyEngine;

constexpr std::int64_t kStartMs = 1'700'000'000'000;  // any epoch time
constexpr std::int64_t kHalfMs = 500;

struct HalfSecond {
  std::vector<attune::core::Beat> beats[2];
  std::vector<double> resp[2];
  std::int64_t resp_t0[2] = {0, 0};
};

// Collects the model's output in half-second batches per seat (A, B).
class Collector : public attune::sim::Sink {
 public:
  explicit Collector(std::size_t halves) : batches(halves) {}
  void on_beat(attune::sim::Seat seat, const attune::sim::SimBeat& b) override {
    if (seat == attune::sim::Seat::Clinician) return;
    auto& h = at(b.t_ms);
    if (!h) return;
    h->beats[static_cast<int>(seat)].push_back({b.t_ms, b.rr_ms, b.flags});
  }
  void on_respiration(attune::sim::Seat seat, std::int64_t t_ms, double value) override {
    if (seat == attune::sim::Seat::Clinician) return;
    auto& h = at(t_ms);
    if (!h) return;
    const int s = static_cast<int>(seat);
    if (h->resp[s].empty()) h->resp_t0[s] = t_ms;
    h->resp[s].push_back(value);
  }
  std::vector<std::unique_ptr<HalfSecond>> batches;

 private:
  std::unique_ptr<HalfSecond>& at(std::int64_t t_ms) {
    static std::unique_ptr<HalfSecond> none;
    // Half second k holds (start + k*500, start + (k+1)*500].
    const auto k = (t_ms - kStartMs - 1) / kHalfMs;
    if (k < 0 || k >= static_cast<std::int64_t>(batches.size())) return none = nullptr;
    auto& h = batches[static_cast<std::size_t>(k)];
    if (!h) h = std::make_unique<HalfSecond>();
    return h;
  }
};

const std::vector<std::unique_ptr<HalfSecond>>& input(std::size_t seconds) {
  static std::vector<std::unique_ptr<HalfSecond>> data;
  if (data.size() < seconds * 2) {
    attune::sim::ModelParams p;
    p.seed = 1;
    p.start_ms = kStartMs;
    attune::sim::CoupleModel model(p);
    Collector c(seconds * 2);
    model.generate_until(kStartMs + static_cast<std::int64_t>(seconds) * 1000, c);
    data = std::move(c.batches);
    for (auto& h : data)
      if (!h) h = std::make_unique<HalfSecond>();
  }
  return data;
}

// Feeds half second k to an engine as a live room does.
void feed(SynchronyEngine& e, const HalfSecond& h, std::size_t k) {
  for (int s = 0; s < 2; ++s) {
    const auto seat = static_cast<attune::core::Seat>(s);
    for (const auto& b : h.beats[s]) e.add_beat(seat, b);
    if (!h.resp[s].empty()) e.add_respiration(seat, h.resp_t0[s], 25.0, h.resp[s].data(), h.resp[s].size());
  }
  e.advance_to(kStartMs + static_cast<std::int64_t>(k + 1) * kHalfMs);
}

constexpr std::size_t kWarmupSeconds = 300;
constexpr std::size_t kInputSeconds = 1800;

void BM_EngineRoomSecond(benchmark::State& state) {
  const auto& data = input(kInputSeconds);
  auto engine = std::make_unique<SynchronyEngine>();
  std::size_t k = 0;
  auto warm_up = [&] {
    engine = std::make_unique<SynchronyEngine>();
    for (k = 0; k < kWarmupSeconds * 2; ++k) feed(*engine, *data[k], k);
  };
  warm_up();
  std::int64_t seconds = 0;
  for (auto _ : state) {
    // One iteration: one room-second (two half-second batches per partner, one snapshot).
    feed(*engine, *data[k], k);
    feed(*engine, *data[k + 1], k + 1);
    k += 2;
    ++seconds;
    if (k + 2 > data.size()) {
      state.PauseTiming();
      warm_up();
      state.ResumeTiming();
    }
  }
  benchmark::DoNotOptimize(engine->latest());
  state.SetItemsProcessed(seconds);
  state.counters["room_seconds"] = static_cast<double>(seconds);
}
BENCHMARK(BM_EngineRoomSecond)->Unit(benchmark::kMicrosecond)->MinTime(3.0);

void BM_EngineBytesPerRoom(benchmark::State& state) {
  constexpr std::size_t kEngines = 64;
  constexpr std::size_t kSeconds = 600;
  const auto& data = input(kInputSeconds);
  double per_room = 0.0, per_room_empty = 0.0;
  // One engine first, so the per-thread scratch buffers (FFT plans, spline
  // and window buffers: shared by every room of a thread) have their
  // steady size and are not counted as the rooms' bytes.
  {
    SynchronyEngine warm;
    for (std::size_t k = 0; k < kSeconds * 2; ++k) feed(warm, *data[k], k);
  }
  for (auto _ : state) {
    malloc_trim(0);
    const auto before = mallinfo2().uordblks;
    std::vector<std::unique_ptr<SynchronyEngine>> engines;
    for (std::size_t i = 0; i < kEngines; ++i) engines.push_back(std::make_unique<SynchronyEngine>());
    const auto empty = mallinfo2().uordblks;
    for (std::size_t k = 0; k < kSeconds * 2; ++k)
      for (auto& e : engines) feed(*e, *data[k], k);
    const auto after = mallinfo2().uordblks;
    per_room = static_cast<double>(after - before) / kEngines;
    per_room_empty = static_cast<double>(empty - before) / kEngines;
    benchmark::DoNotOptimize(engines.back()->latest());
  }
  state.counters["bytes_per_room"] = per_room;
  state.counters["bytes_per_room_new"] = per_room_empty;
}
BENCHMARK(BM_EngineBytesPerRoom)->Iterations(1)->Unit(benchmark::kMillisecond);

int write_csv(const std::string& path, std::size_t seconds) {
  const auto& data = input(seconds);
  std::ofstream f(path);
  f << "participant,stream,t_ms,value\n";
  f.precision(17);
  const char* names[2] = {"A", "B"};
  for (std::size_t k = 0; k < seconds * 2 && k < data.size(); ++k)
    for (int s = 0; s < 2; ++s) {
      for (const auto& b : data[k]->beats[s]) f << names[s] << ",rr," << b.t_ms << "," << b.rr_ms << "\n";
      for (std::size_t i = 0; i < data[k]->resp[s].size(); ++i)
        f << names[s] << ",resp," << data[k]->resp_t0[s] + static_cast<std::int64_t>(i) * 40 << ","
          << data[k]->resp[s][i] << "\n";
    }
  return f ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i + 1 < argc; ++i)
    if (!std::strcmp(argv[i], "--write-csv")) {
      std::size_t seconds = 600;
      for (int j = 1; j + 1 < argc; ++j)
        if (!std::strcmp(argv[j], "--csv-seconds")) seconds = std::stoul(argv[j + 1]);
      return write_csv(argv[i + 1], seconds);
    }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
