// The prewhitening of the heart-rate above-chance test (prewhitening.hpp)
// and its effect on wcc_span_test: the filter passes slow changes, stops
// the respiratory band, and keeps a lag between partners.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "core/engine_config.hpp"
#include "core/prewhitening.hpp"
#include "core/surrogate_test.hpp"
#include "core/wcc_span_test.hpp"

using namespace attune::core;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kGridHz = 4.0;

std::vector<double> sine(std::size_t n, double hz, double phase = 0.0) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::sin(2 * kPi * hz * static_cast<double>(i) / kGridHz + phase);
  return v;
}

double rms(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x * x;
  return std::sqrt(s / static_cast<double>(v.size()));
}

// A small deterministic generator (no <random>: its distributions differ
// between standard libraries).
struct Lcg {
  std::uint64_t s;
  double uniform() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(s >> 11) / 9007199254740992.0;
  }
  double normal() { return std::sqrt(-2 * std::log(1 - uniform())) * std::cos(2 * kPi * uniform()); }
};

}  // namespace

TEST_CASE("the low-pass taps are symmetric with unit gain at 0 Hz and refuse bad shapes", "[prewhitening]") {
  const std::vector<double> h = lowpass_fir_taps(61, 0.15 / kGridHz);
  REQUIRE(h.size() == 61);
  double sum = 0.0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    sum += h[i];
    CHECK(h[i] == Approx(h[h.size() - 1 - i]).margin(1e-15));
  }
  CHECK(sum == Approx(1.0).margin(1e-12));
  CHECK(lowpass_fir_taps(60, 0.04).empty());  // even
  CHECK(lowpass_fir_taps(1, 0.04).empty());
  CHECK(lowpass_fir_taps(61, 0.0).empty());
  CHECK(lowpass_fir_taps(61, 0.5).empty());
}

TEST_CASE("prewhitening passes slow heart-rate changes and stops the breathing band", "[prewhitening]") {
  const std::vector<double> h = lowpass_fir_taps(61, 0.15 / kGridHz);
  const std::size_t n = 1200;
  // A first difference scales a sine of f Hz by 2 sin(pi f / 4 Hz): compare
  // with that to read the low-pass gain alone.
  const auto gain = [&](double hz) {
    const std::vector<double> out = lowpass_first_difference(sine(n, hz), h);
    REQUIRE(out.size() == n - 61);
    return rms(out) / (std::sqrt(0.5) * 2 * std::sin(kPi * hz / kGridHz));
  };
  CHECK(gain(0.03) == Approx(1.0).margin(0.02));
  CHECK(gain(0.06) == Approx(1.0).margin(0.05));
  CHECK(gain(0.25) < 0.02);  // 15 breaths/min
  CHECK(gain(0.33) < 0.01);  // 20 breaths/min
  // A constant level and a linear drift leave nothing but rounding.
  std::vector<double> drift(n);
  for (std::size_t i = 0; i < n; ++i) drift[i] = 70.0 + 0.01 * static_cast<double>(i);
  const std::vector<double> d = lowpass_first_difference(drift, h);
  for (double v : d) CHECK(v == Approx(0.01).margin(1e-9));
  CHECK(lowpass_first_difference(std::vector<double>(61, 1.0), h).empty());
  // Decimated by 4 (the engine's 1 Hz): the differences of every 4th
  // filtered point counting back from the last are sums of 4 consecutive
  // undecimated differences, and the last ends at the same point.
  const std::vector<double> v = sine(n, 0.05);
  const std::vector<double> full = lowpass_first_difference(v, h);
  const std::vector<double> dec = lowpass_first_difference(v, h, 4);
  REQUIRE(dec.size() == (n - 61) / 4);
  for (std::size_t i = 0; i < dec.size(); ++i) {
    const std::size_t end = full.size() - 4 * (dec.size() - 1 - i);
    CHECK(dec[i] == Approx(full[end - 1] + full[end - 2] + full[end - 3] + full[end - 4]).margin(1e-12));
  }
}

TEST_CASE("the prewhitened span test finds a shared slow signal under different breathing and not without it",
          "[prewhitening][surrogate]") {
  // Partner A: slow noise (a random walk low-passed by an exponential
  // average, tau 4 s) + RSA at 13/min; B: A's slow part 2 s later (or its
  // own) + RSA at 15/min. 300 s on the 4 Hz grid, the engine's settings.
  const std::size_t m = 1200, lag = 8;
  Lcg rng{1};
  std::vector<double> sa(m + lag), sb(m + lag);
  const double a = std::exp(-0.25 / 4.0);
  double va = 0.0, vb = 0.0;
  for (std::size_t i = 0; i < m + lag; ++i) {
    va = a * va + std::sqrt(1 - a * a) * rng.normal();
    vb = a * vb + std::sqrt(1 - a * a) * rng.normal();
    sa[i] = va;
    sb[i] = vb;
  }
  const std::vector<double> ra = sine(m, 13.0 / 60), rb = sine(m, 15.0 / 60, 1.0);
  std::vector<double> x(m), coupled(m), independent(m);
  for (std::size_t i = 0; i < m; ++i) {
    x[i] = 70 + 3 * sa[i + lag] + 3 * ra[i];
    coupled[i] = 74 + 3 * sa[i] + 3 * rb[i];  // A's slow part, 2 s later
    independent[i] = 74 + 3 * sb[i] + 3 * rb[i];
  }
  WccSpanSettings st;  // the engine's defaults, on the 1 Hz test grid
  st.n = 30;
  st.max_lag = 5;
  st.window_step = 15;
  st.min_shift = 20;
  st.shift_step = 8;
  st.lowpass_taps = 61;
  st.lowpass_fc = 0.15 / kGridHz;
  st.decimation = 4;
  const WccSpanTest c = wcc_span_test(x, coupled, st);
  const WccSpanTest u = wcc_span_test(x, independent, st);
  REQUIRE(c.statistic);
  REQUIRE(u.statistic);
  CHECK(c.windows == 17);
  CHECK(c.surrogates.size() == 31);
  const auto zc = surrogate_z(*c.statistic, c.surrogates);
  const auto zu = surrogate_z(*u.statistic, u.surrogates);
  REQUIRE(zc);
  REQUIRE(zu);
  CHECK(*zc > 3.0);
  CHECK(*zu < 1.96);
}

TEST_CASE("the prewhitening parameters are recorded and refused when unusable", "[prewhitening][config]") {
  const EngineConfig cfg;
  const std::string j = cfg.to_json();
  for (const char* key : {"\"surrogate_span_ms\":300000", "\"surrogate_lowpass_ms\":15000",
                          "\"surrogate_lowpass_hz\":0.15", "\"surrogate_grid_hz\":1"}) {
    INFO(key);
    CHECK(j.find(key) != std::string::npos);
  }
  CHECK(cfg.problems().empty());
  const auto refused = [](auto change) {
    EngineConfig c;
    change(c);
    return !c.problems().empty();
  };
  CHECK(refused([](EngineConfig& c) { c.surrogate_lowpass_ms = 0; }));
  CHECK(refused([](EngineConfig& c) { c.surrogate_grid_hz = 1.5; }));   // 4 Hz is not a whole multiple
  CHECK(refused([](EngineConfig& c) { c.surrogate_grid_hz = 8.0; }));   // finer than the grid
  CHECK(refused([](EngineConfig& c) { c.surrogate_lowpass_hz = 0.5; })); // not below 1 Hz / 2
  CHECK(refused([](EngineConfig& c) { c.surrogate_lowpass_hz = std::nan(""); }));
  CHECK(refused([](EngineConfig& c) { c.surrogate_span_ms = 45000; }));  // no room for window, lags and filter
  CHECK_FALSE(refused([](EngineConfig& c) { c.surrogate_grid_hz = 2.0; }));
}
