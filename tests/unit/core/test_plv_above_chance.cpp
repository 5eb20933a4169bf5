// The breathing "above chance" test (plv_above_chance_z) on many simulated
// pairs (issue 3): coupled breathers must score above chance in >= 95 % of
// tests, independent ones in at most 5 % (the nominal false-positive rate
// at z >= 1.96).
//
// Independent: sim::CoupleModel (free breathing, A ~13/min and B ~15/min,
// each rate wandering with SD 1/min and tau 60 s; breath_coupling 0, its
// default). Coupled: the same breathing model, written out here (it
// predates the simulator's breath_coupling, which is tested below too): B's
// phase is pulled toward A's, dphi_B/dt = own rate + K sin(2 pi (phi_A -
// phi_B)) (cycles/s; a Kuramoto / Tass 1998 phase coupling, the form the
// simulator uses for the pacer with K = 0.15). Common driver: both partners
// of a CoupleModel follow the same constant-rate pacer (entrainment 1).
// Only respiration is fed (the test does not use beats), 600 s per seed in
// one batch (snapshots at T use samples <= T, so this equals live feeding);
// tests are counted from the summary (one every 15 s once both phase
// series cover the 180 s span).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <vector>

#include "core/synchrony_engine.hpp"
#include "sim/physiology_model.hpp"
#include "sim/rng.hpp"

using namespace attune::core;

namespace {

constexpr std::int64_t kSeconds = 600;
constexpr int kRateHz = 25;

struct Rates {
  std::uint32_t tests = 0;
  double above = 0.0;  // tests with z >= 1.96
  double sum_mean_plv = 0.0;
  std::uint32_t pairs = 0;
  // The session-end test (Stouffer over disjoint 180 s spans), one per pair.
  std::uint32_t sessions = 0, sessions_above = 0;
  double rate() const { return tests ? above / tests : 0.0; }
  double session_rate() const { return sessions ? static_cast<double>(sessions_above) / sessions : 0.0; }
};

class RespCollector : public attune::sim::Sink {
 public:
  void on_beat(attune::sim::Seat, const attune::sim::SimBeat&) override {}
  void on_respiration(attune::sim::Seat seat, std::int64_t t_ms, double value) override {
    if (seat == attune::sim::Seat::Clinician) return;
    auto& s = series[static_cast<int>(seat)];
    if (s.values.empty()) s.t0_ms = t_ms;
    s.values.push_back(value);
  }
  struct Series {
    std::int64_t t0_ms = 0;
    std::vector<double> values;
  } series[2];
};

void add_pair_test(Rates& out, const RespCollector& c) {
  SynchronyEngine e;
  for (int s = 0; s < 2; ++s) {
    e.add_respiration(static_cast<Seat>(s), c.series[s].t0_ms, kRateHz, c.series[s].values.data(),
                      c.series[s].values.size());
  }
  e.advance_to(kSeconds * 1000);
  const PairSummary ab = e.summary().pairs.at(0);
  out.tests += ab.plv_above_chance_tests;
  out.above += ab.plv_above_chance_share * ab.plv_above_chance_tests;
  if (ab.mean_plv) {
    out.sum_mean_plv += *ab.mean_plv;
    ++out.pairs;
  }
  if (ab.session_plv_above_chance_z) {
    ++out.sessions;
    if (*ab.session_plv_above_chance_z >= 1.96) ++out.sessions_above;
  }
}

Rates model_pairs(std::uint64_t first_seed, std::uint64_t seeds, double pacer_bpm,
                  double breath_coupling = 0.0) {
  Rates out;
  for (std::uint64_t seed = first_seed; seed < first_seed + seeds; ++seed) {
    attune::sim::ModelParams p;
    p.seed = seed;
    p.breath_coupling = breath_coupling;
    if (pacer_bpm > 0) {
      for (auto& b : p.breathing) {
        b.entrainment = 1.0;
        b.pacer.running = true;
        b.pacer.pattern = attune::sim::PacerSchedule::pattern_for_rate(pacer_bpm);
      }
    }
    attune::sim::CoupleModel model(p);
    RespCollector c;
    model.generate_until(kSeconds * 1000, c);
    add_pair_test(out, c);
  }
  return out;
}

// The simulator's free breathing (physiology_model.cpp: rate 13 / 15 per
// min + 1/min OU wander, tau 60 s; waveform sin(2 pi phi) + 0.15 OU
// baseline wander, tau 20 s, + 0.02 white noise), B pulled toward A by K.
RespCollector kuramoto_pair(std::uint64_t seed, double k_cycles_per_s) {
  attune::sim::Rng rng(seed * 7919 + 17);
  const double dt = 1.0 / kRateHz;
  const double base[2] = {13.0, 15.0};
  double phase[2] = {rng.uniform(), rng.uniform()};
  double dev[2] = {rng.normal(), rng.normal()};
  double wander[2] = {rng.normal(), rng.normal()};
  const auto ou = [&](double x, double tau) {
    const double a = std::exp(-dt / tau);
    return a * x + std::sqrt(1.0 - a * a) * rng.normal();
  };
  RespCollector c;
  for (std::int64_t i = 1; i <= kSeconds * kRateHz; ++i) {
    const double pull = k_cycles_per_s * std::sin(2 * M_PI * (phase[0] - phase[1]));
    for (int s = 0; s < 2; ++s) {
      dev[s] = ou(dev[s], 60.0);
      wander[s] = ou(wander[s], 20.0);
      phase[s] += std::clamp(base[s] + dev[s], 6.0, 30.0) / 60.0 * dt + (s == 1 ? pull * dt : 0.0);
      c.on_respiration(static_cast<attune::sim::Seat>(s), i * 1000 / kRateHz,
                       std::sin(2 * M_PI * phase[s]) + 0.15 * wander[s] + 0.02 * rng.normal());
    }
  }
  return c;
}

Rates coupled_pairs(std::uint64_t first_seed, std::uint64_t seeds, double k) {
  Rates out;
  for (std::uint64_t seed = first_seed; seed < first_seed + seeds; ++seed) add_pair_test(out, kuramoto_pair(seed, k));
  return out;
}

Rates reported(const char* what, std::uint64_t seeds, const Rates& r) {
  std::printf("breathing above chance (z >= 1.96), %llu seeds x 600 s, %s: %.0f of %u tests (%.1f %%); "
              "session-end test: %u of %u sessions\n",
              static_cast<unsigned long long>(seeds), what, r.above, r.tests, 100 * r.rate(), r.sessions_above,
              r.sessions);
  return r;
}

}  // namespace

TEST_CASE("independent simulated breathers score above chance in at most 5 percent of breathing tests",
          "[surrogate][rates][resp]") {
  constexpr std::uint64_t kSeeds = 60;
  const Rates independent = reported("independent (sim::CoupleModel)", kSeeds, model_pairs(1, kSeeds, 0.0));
  REQUIRE(independent.tests >= 60 * 20);
  // Measured: 1.2 % of 1680 (seeds 1-60); seeds 61-260: 1.7 % of 5600.
  // Before the span test (rotations inside one 60 s buffer): 28 of 77.
  CHECK(independent.rate() <= 0.05);
  REQUIRE(independent.sessions >= 50);
  CHECK(independent.session_rate() <= 0.05);
}

TEST_CASE("phase-coupled breathers score above chance in at least 95 percent of breathing tests",
          "[surrogate][rates][resp]") {
  constexpr std::uint64_t kSeeds = 30;
  const Rates uncoupled = reported("Kuramoto K 0 (independent)", kSeeds, coupled_pairs(1, kSeeds, 0.0));
  CHECK(uncoupled.rate() <= 0.05);
  for (double k : {0.02, 0.04, 0.06}) {
    char what[64];
    std::snprintf(what, sizeof what, "Kuramoto K %.2f", k);
    reported(what, kSeeds, coupled_pairs(1, kSeeds, k));
  }
  const Rates coupled = reported("Kuramoto K 0.10", kSeeds, coupled_pairs(1, kSeeds, 0.1));
  REQUIRE(coupled.tests >= 30 * 20);
  // Measured (seeds 1-30 / 31-230): K 0 2.6 / 2.0 %, K 0.02 46 / 53 %,
  // K 0.04 96 / 92 %, K 0.06 100 / 99.4 %, K 0.10 100 / 100 %.
  CHECK(coupled.rate() >= 0.95);
  REQUIRE(coupled.sessions >= 25);
  CHECK(coupled.session_rate() >= 0.95);
}

// The simulator's own breathing coupling (ModelParams::breath_coupling, the
// same Kuramoto pull as the generator above, inside the full model) is read
// as coupling too: what `attune simulate --breath-coupling` streams.
TEST_CASE("the simulator's breath coupling scores above chance in at least 95 percent of tests",
          "[surrogate][rates][resp]") {
  constexpr std::uint64_t kSeeds = 20;
  // Measured: 560 of 560 tests (100 %), mean PLV 0.9+.
  const Rates coupled = reported("simulator breath_coupling 0.10", kSeeds, model_pairs(1, kSeeds, 0.0, 0.10));
  REQUIRE(coupled.tests >= 20 * 20);
  CHECK(coupled.rate() >= 0.95);
  CHECK(coupled.sum_mean_plv / coupled.pairs >= 0.8);
}

// A common driver is not coupling between the partners. Both locked to one
// constant-rate pacer are locked to each other (PLV near 1), but the rotated
// partner follows the same rhythm, so the surrogates are as high and z stays
// near chance: measured 7.3 % of tests above 1.96 (a little over the nominal
// 5 %: the 40:60 inhale:exhale waveform is not sinusoidal, so a shift that
// is not a whole number of periods moves the phases against each other
// within each breath). A pacer whose rate changes within the 180 s span is
// not periodic, and the test does count it. Documented in docs/metrics.md
// "plv_above_chance_z": read the test with the pacer state.
TEST_CASE("partners following one constant-rate pacer are phase-locked but rarely above chance",
          "[surrogate][rates][resp]") {
  constexpr std::uint64_t kSeeds = 20;
  const Rates paced = reported("common pacer 6/min, entrainment 1", kSeeds, model_pairs(1, kSeeds, 6.0));
  REQUIRE(paced.tests >= 20 * 20);
  REQUIRE(paced.pairs == kSeeds);
  CHECK(paced.sum_mean_plv / paced.pairs >= 0.9);
  CHECK(paced.rate() <= 0.15);  // not read as coupling (coupled: >= 95 %)
}
