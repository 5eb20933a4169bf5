// The simulated couple through the real synchrony core (the server's engine,
// in process): calm reads SETTLED once calibrated, an episode reads
// ACTIVATED (both: CO_ESCALATION), and breathing with a 6/min pacer does not
// read as arousal. This is what the end-to-end prompt scenarios rely on.
#include <catch2/catch.hpp>

#include <map>

#include "core/synchrony_engine.hpp"
#include "sim/physiology_model.hpp"

namespace sim = attune::sim;
namespace core = attune::core;

namespace {

constexpr std::int64_t kStart = 1'700'000'000'000;

struct Feed : sim::Sink {
  core::SynchronyEngine* engine;
  std::map<int, std::vector<double>> resp;
  std::map<int, std::int64_t> resp_t0;
  void on_beat(sim::Seat s, const sim::SimBeat& b) override {
    engine->add_beat(static_cast<core::Seat>(s), core::Beat{b.t_ms, b.rr_ms, b.flags});
  }
  void on_respiration(sim::Seat s, std::int64_t t, double v) override {
    auto& r = resp[static_cast<int>(s)];
    if (r.empty()) resp_t0[static_cast<int>(s)] = t;
    r.push_back(v);
  }
  void flush() {
    for (auto& [seat, r] : resp) {
      if (!r.empty()) engine->add_respiration(static_cast<core::Seat>(seat), resp_t0[seat], 25.0, r.data(), r.size());
      r.clear();
    }
  }
};

struct Run {
  std::vector<core::Snapshot> seconds;  // index = data second
  // Share of the seconds in [t0, t1) in which the seat is in state st.
  double share(int seat, core::RegulationState st, int t0, int t1) const {
    int n = 0;
    for (int t = t0; t < t1; ++t)
      if (seconds.at(t).participants[seat].state == st) ++n;
    return static_cast<double>(n) / (t1 - t0);
  }
  double shared_share(core::SharedState st, int t0, int t1) const {
    int n = 0;
    for (int t = t0; t < t1; ++t)
      if (seconds.at(t).shared == st) ++n;
    return static_cast<double>(n) / (t1 - t0);
  }
};

Run run(sim::ModelParams p, int seconds) {
  core::SynchronyEngine engine;
  sim::CoupleModel model(p);
  Feed feed;
  feed.engine = &engine;
  Run out;
  for (int k = 1; k <= seconds * 2; ++k) {  // 500 ms batches, as simulate sends them
    const std::int64_t t = kStart + 500 * k;
    model.generate_until(t, feed);
    feed.flush();
    engine.advance_to(t, [&](const core::Snapshot& s) { out.seconds.push_back(s); });
  }
  // Index by data second from the start.
  std::vector<core::Snapshot> by_second(static_cast<std::size_t>(seconds) + 1);
  for (const auto& s : out.seconds) {
    const auto i = (s.t_ms - kStart) / 1000;
    if (i >= 0 && i <= seconds) by_second[static_cast<std::size_t>(i)] = s;
  }
  out.seconds = std::move(by_second);
  return out;
}

}  // namespace

// Shares among the seconds with a known state (a dropout withholds RMSSD for
// a while: UNKNOWN, which is neither).
double known_share(const Run& r, int seat, core::RegulationState st, int t0, int t1) {
  int n = 0, hit = 0;
  for (int t = t0; t < t1; ++t) {
    const auto s = r.seconds.at(t).participants[seat].state;
    if (s == core::RegulationState::Unknown) continue;
    ++n;
    if (s == st) ++hit;
  }
  return n > 0 ? static_cast<double>(hit) / n : 0.0;
}

TEST_CASE("through the core an episode reads activated and both read co-escalation", "[sim][core]") {
  const std::uint64_t seed = GENERATE(1, 2, 3, 4, 5);
  sim::ModelParams p;
  p.seed = seed;
  p.start_ms = kStart;
  p.episodes = {{sim::seat_bit(sim::Seat::A) | sim::seat_bit(sim::Seat::B), 300, 420, 1.0}};
  const Run r = run(p, 420);
  for (int seat = 0; seat < 2; ++seat) {
    const double act = known_share(r, seat, core::RegulationState::Activated, 330, 420);
    INFO("seed " << seed << " seat " << seat << ": activated " << act << " of the known seconds 30-120 s into it");
    CHECK(act > 0.85);
  }
  CHECK(r.shared_share(core::SharedState::CoEscalation, 330, 420) > 0.6);
}

// Calm must read SETTLED once calibrated, for every seed. It used to fail
// (about a third of calm seconds ACTIVATED, all of them in some seeds): the
// breath-rate term's baseline scale (MAD of a 30 s estimate over the last
// 60 s of calibration, floored at 0.5/min) read the model's calm breathing
// wander (SD 1/min) as +3..+7 SD, added at full weight to z(HR) - z(lnRMSSD).
// Fixed in the core (docs/metrics.md "Arousal index"), not in the model.
TEST_CASE("through the core calm stretches read settled after calibration", "[sim][core]") {
  const std::uint64_t seed = GENERATE(range(1, 21));
  sim::ModelParams p;
  p.seed = seed;
  p.start_ms = kStart;
  const Run r = run(p, 400);
  for (int seat = 0; seat < 2; ++seat) {
    const double settled = known_share(r, seat, core::RegulationState::Settled, 130, 400);
    INFO("seed " << seed << " seat " << seat << ": settled " << settled << " of the known calm seconds");
    CHECK(settled > 0.95);
  }
  // CO_ESCALATION also fires when both arousal indices rise together
  // (core/arousal_trend.hpp): calm must not read as that either. Measured
  // over these 20 runs: see docs/metrics.md "CO_ESCALATION by rising arousal".
  const double co = r.shared_share(core::SharedState::CoEscalation, 130, 400);
  INFO("seed " << seed << ": co-escalation " << co << " of the calm seconds");
  CHECK(co <= 0.01);
}

TEST_CASE("through the core breathing with a 6/min pacer lowers arousal", "[sim][core]") {
  const std::uint64_t seed = GENERATE(4, 5, 6);
  auto mean_arousal = [&](bool paced) {
    sim::ModelParams p;
    p.seed = seed;
    p.start_ms = kStart;
    sim::PacerSchedule pacer;
    pacer.running = true;
    pacer.epoch_us = (kStart + 200'000) * 1000;
    pacer.pattern = {4.0, 0.0, 6.0, 0.0};
    core::SynchronyEngine engine;
    sim::CoupleModel model(p);
    Feed feed;
    feed.engine = &engine;
    double sum = 0.0;
    int n = 0;
    for (int k = 1; k <= 1000; ++k) {
      const std::int64_t t = kStart + 500 * k;
      if (paced && t == kStart + 200'000) {  // the pacer starts after the calibration
        model.set_pacer(sim::Seat::A, pacer);
        model.set_pacer(sim::Seat::B, pacer);
      }
      model.generate_until(t, feed);
      feed.flush();
      engine.advance_to(t, [&](const core::Snapshot& s) {
        if (s.t_ms < kStart + 260'000) return;  // a minute to settle into it
        for (int seat = 0; seat < 2; ++seat)
          if (s.participants[seat].arousal) {
            sum += *s.participants[seat].arousal;
            ++n;
          }
      });
    }
    return sum / n;
  };
  const double free = mean_arousal(false), paced = mean_arousal(true);
  INFO("seed " << seed << ": mean arousal free " << free << ", paced " << paced);
  CHECK(paced < free);
}
