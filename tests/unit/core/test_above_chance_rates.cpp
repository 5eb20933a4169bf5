// The heart-rate "above chance" test on many simulated couples (issue 3):
// coupled pairs must score above chance in most tests, independent pairs in
// at most 5 % (the test's nominal false-positive rate at z >= 1.96).
//
// Input: sim::CoupleModel (default physiology: ectopic beats, dropouts),
// 1200 s per seed, beats only (the HR test does not use respiration), fed in
// one batch (snapshots at T use beats <= T, so this equals live feeding).
// Coupled: B's slow HR follows A's by 2 s with coupling 0.6 (the model's
// default); independent: coupling 0. Tests are counted from the summary
// (above_chance_tests, above_chance_share: one test every 15 s where both
// splines cover the 300 s span).
#include <catch2/catch.hpp>

#include <cstdio>
#include <initializer_list>

#include "core/synchrony_engine.hpp"
#include "sim/physiology_model.hpp"

using namespace attune::core;

namespace {

class BeatCollector : public attune::sim::Sink {
 public:
  void on_beat(attune::sim::Seat seat, const attune::sim::SimBeat& b) override {
    if (seat == attune::sim::Seat::Clinician) return;
    beats[static_cast<int>(seat)].push_back({b.t_ms, b.rr_ms, b.flags});
  }
  void on_respiration(attune::sim::Seat, std::int64_t, double) override {}
  std::vector<Beat> beats[2];
};

struct Rates {
  std::uint32_t tests = 0;
  double above = 0.0;  // tests with z >= 1.96
  // The session-end test (Stouffer over disjoint spans), one per session.
  std::uint32_t sessions = 0, sessions_above = 0;
};

constexpr std::int64_t kSeconds = 1200;

// Breathing rates (breaths/min) of A and B; the model's defaults are 13 and 15.
struct Breathing {
  double a = 13.0, b = 15.0;
};

Rates run_seeds(double coupling, std::uint64_t first_seed, std::uint64_t seeds, Breathing br = {}) {
  Rates out;
  for (std::uint64_t seed = first_seed; seed < first_seed + seeds; ++seed) {
    attune::sim::ModelParams p;
    p.seed = seed;
    p.coupling = coupling;
    p.people[0].breaths_per_min = br.a;
    p.people[1].breaths_per_min = br.b;
    attune::sim::CoupleModel model(p);
    BeatCollector c;
    model.generate_until(kSeconds * 1000, c);
    SynchronyEngine e(EngineConfig{});
    for (int s = 0; s < 2; ++s)
      for (const Beat& b : c.beats[s]) e.add_beat(static_cast<Seat>(s), b);
    e.advance_to(kSeconds * 1000);
    const PairSummary ab = e.summary().pairs.at(0);
    out.tests += ab.above_chance_tests;
    out.above += ab.above_chance_share * ab.above_chance_tests;
    if (ab.session_above_chance_z) {
      ++out.sessions;
      if (*ab.session_above_chance_z >= 1.96) ++out.sessions_above;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("coupled simulated couples score above chance in at least 95 percent of tests, independent ones in at most 5 percent",
          "[surrogate][rates]") {
  constexpr std::uint64_t kSeeds = 80;
  const Rates coupled = run_seeds(0.6, 1, kSeeds);
  const Rates independent = run_seeds(0.0, 1, kSeeds);
  const double coupled_rate = coupled.above / coupled.tests;
  const double false_rate = independent.above / independent.tests;
  std::printf("above chance (z >= 1.96), %llu seeds x %lld s: coupled %.0f of %u tests (%.1f %%), "
              "independent %.0f of %u tests (%.1f %%)\n",
              static_cast<unsigned long long>(kSeeds), static_cast<long long>(kSeconds), coupled.above,
              coupled.tests, 100 * coupled_rate, independent.above, independent.tests, 100 * false_rate);
  REQUIRE(coupled.tests >= 200);
  REQUIRE(independent.tests >= 200);
  // Issue 3: coupled pairs above chance, independent ones not, in at least
  // 95 % of tests. Measured figures: docs/metrics.md "Above chance".
  CHECK(coupled_rate >= 0.95);
  CHECK(false_rate <= 0.05);

  // The session-end test over the same sessions (one per session).
  std::printf("session-end test (Stouffer over disjoint 300 s spans): coupled %u of %u sessions, "
              "independent %u of %u\n",
              coupled.sessions_above, coupled.sessions, independent.sessions_above, independent.sessions);
  REQUIRE(coupled.sessions >= 50);  // a session whose dropouts leave no clean 300 s span has no test
  REQUIRE(independent.sessions >= 50);
  CHECK(coupled.sessions_above >= 0.95 * coupled.sessions);
  CHECK(independent.sessions_above <= 0.05 * independent.sessions);
}

// The power curve of docs/metrics.md, at the model's breathing rates and at
// slower and faster ones (RSA nearer to or farther from the 0.15 Hz cutoff).
// Not run by default (~3 min): core_unit_tests "[power]". Reports only.
TEST_CASE("power curve of the heart-rate above-chance test", "[.][power]") {
  constexpr std::uint64_t kSeeds = 80;
  for (const Breathing br : {Breathing{}, Breathing{11.0, 12.0}, Breathing{17.0, 19.0}}) {
    for (double c : {0.0, 0.2, 0.4, 0.6, 0.8}) {
      const Rates r = run_seeds(c, 1, kSeeds, br);
      std::printf("breathing %.0f/%.0f per min, coupling %.1f: %u tests, %.0f above 1.96 (%.1f %%), seeds 1-%llu x %lld s\n",
                  br.a, br.b, c, r.tests, r.above, r.tests ? 100 * r.above / r.tests : 0.0,
                  static_cast<unsigned long long>(kSeeds), static_cast<long long>(kSeconds));
      CHECK(r.tests > 0);
    }
  }
}
