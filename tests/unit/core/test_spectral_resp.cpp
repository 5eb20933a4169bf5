// Building blocks added in 0.2.0: time-domain HRV, Welch, Butterworth
// design, respiration, beat classification, and the engine's new inputs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <vector>

#include "core/beat_classification.hpp"
#include "core/breathing.hpp"
#include "core/hrv_time_domain.hpp"
#include "core/respiration.hpp"
#include "core/spectral.hpp"
#include "core/synchrony_engine.hpp"
#include "core_test_util.hpp"

using namespace attune::core;
using namespace attune::core::test;

namespace {
const double kPi = std::acos(-1.0);
}

TEST_CASE("SDNN uses ddof 1 and pNN50 divides by the number of differences", "[hrv]") {
  const std::vector<double> rr{800, 860, 790, 800, 900};
  // mean 830; squares 900+900+1600+900+4900 = 9200; /4 = 2300
  CHECK(*hrv_sdnn(rr) == Approx(std::sqrt(2300.0)).epsilon(1e-15));
  // diffs 60, -70, 10, 100: 3 of 4 > 50 ms
  CHECK(*hrv_pnn50(rr) == Approx(75.0).epsilon(1e-15));
  CHECK_FALSE(hrv_sdnn({800}));
  CHECK_FALSE(hrv_pnn50({800}));
}

TEST_CASE("Welch PSD of a sine peaks at its frequency and integrates to its power", "[spectral]") {
  std::vector<double> x(480);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 10.0 * std::sin(2 * kPi * 0.1 * i / 4.0);
  const auto psd = welch_psd(x, 4.0, 256, 128, 1024);
  REQUIRE(psd);
  std::size_t best = 0;
  for (std::size_t k = 0; k < psd->power.size(); ++k) if (psd->power[k] > psd->power[best]) best = k;
  CHECK(psd->freq(best) == Approx(0.1).margin(1.0 / 256));
  // Power of a sine of amplitude 10 is 50; the Hann leakage stays inside 0.04-0.15.
  CHECK(band_power_trapezoid(*psd, 0.04, 0.15) == Approx(50.0).epsilon(0.02));
  CHECK_FALSE(welch_psd(std::vector<double>(100, 1.0), 4.0, 256, 128, 1024));
}

TEST_CASE("Butterworth band-pass matches scipy.signal.butter(2, [0.05, 3], fs=25)", "[resp]") {
  const auto sos = butterworth_bandpass(2, 0.05, 3.0, 25.0);
  REQUIRE(sos);
  REQUIRE(sos->size() == 2);
  auto gain = [&](double f) {
    const std::complex<double> z = std::exp(std::complex<double>(0, -2 * kPi * f / 25.0));
    std::complex<double> h(1, 0);
    for (const auto& q : *sos) h *= (q.b0 + q.b1 * z + q.b2 * z * z) / (1.0 + q.a1 * z + q.a2 * z * z);
    return std::abs(h);
  };
  // |H| from scipy.signal.sosfreqz at 0.25 and 1 Hz.
  CHECK(gain(0.25) == Approx(0.9998873984152975).epsilon(1e-12));
  CHECK(gain(1.0) == Approx(0.9972067850951591).epsilon(1e-12));
  // Denominators of scipy's sections (pairing aside).
  const bool first_slow = std::fabs((*sos)[0].a1 + 1.001180675173544) < 1e-12;
  const auto& slow = first_slow ? (*sos)[0] : (*sos)[1];
  const auto& fast = first_slow ? (*sos)[1] : (*sos)[0];
  CHECK(slow.a1 == Approx(-1.001180675173544).epsilon(1e-12));
  CHECK(slow.a2 == Approx(0.3599418394747337).epsilon(1e-12));
  CHECK(fast.a1 == Approx(-1.9822422643876543).epsilon(1e-12));
  CHECK(fast.a2 == Approx(0.9824037452770975).epsilon(1e-12));
  CHECK_FALSE(butterworth_bandpass(2, 0.05, 13.0, 25.0));
}

TEST_CASE("breath rate and I:E of an asymmetric breathing wave", "[resp]") {
  // 12 breaths/min with inhale 2 s, exhale 3 s (I:E 2:3).
  std::vector<double> s;
  for (int i = 0; i < 750; ++i) {
    const double t = std::fmod(i * 0.04, 5.0);
    s.push_back(t < 2.0 ? -std::cos(kPi * t / 2.0) : std::cos(kPi * (t - 2.0) / 3.0));
  }
  const auto st = breath_cycle_stats(s, 0.04);
  REQUIRE(st.rate_bpm);
  CHECK(*st.rate_bpm == Approx(12.0).epsilon(1e-9));
  REQUIRE(st.ie_ratio);
  CHECK(*st.ie_ratio == Approx(2.0 / 3.0).epsilon(0.02));
  CHECK_FALSE(breath_cycle_stats(std::vector<double>(750, 0.0), 0.04).rate_bpm);
}

TEST_CASE("Lipponen-Tarvainen flags a premature beat and its compensatory pause only", "[cleaning]") {
  LipponenTarvainenClassifier c({});
  std::vector<BeatClass> cls(200, BeatClass::Normal);
  std::vector<bool> decided(200, false);
  for (int i = 0; i < 200; ++i) {
    double rr = 900 + 30 * std::sin(2 * kPi * i / 4.5);
    if (i == 100) rr = 600;  // premature
    if (i == 101) rr = 1200; // compensatory pause
    c.add(rr, [&](std::uint64_t k, BeatClass b) {
      cls[k] = b;
      decided[k] = true;
    });
  }
  CHECK(decided[196]);
  CHECK_FALSE(decided[197]);  // needs three later beats
  int flagged = 0;
  for (int i = 0; i < 200; ++i) flagged += cls[i] != BeatClass::Normal ? 1 : 0;
  CHECK(cls[100] != BeatClass::Normal);
  CHECK(flagged <= 2);
}

TEST_CASE("respiration input: bad chunks are refused and nothing is NaN", "[engine][resp]") {
  SynchronyEngine e;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> chunk(25);
  CHECK(e.add_respiration(Seat::A, 0, 0.0, chunk.data(), chunk.size()) == 0);
  CHECK(e.add_respiration(Seat::A, 0, nan, chunk.data(), chunk.size()) == 0);
  CHECK(e.add_respiration(Seat::A, 0, 25.0, nullptr, 25) == 0);
  CHECK(e.add_respiration(static_cast<Seat>(7), 0, 25.0, chunk.data(), 25) == 0);
  for (int s = 0; s < 200; ++s) {
    for (int i = 0; i < 25; ++i) chunk[i] = std::sin(2 * kPi * 0.25 * (s + i / 25.0));
    if (s == 50) chunk[3] = nan;
    if (s == 60) chunk[4] = inf;
    const std::size_t want = (s == 50 || s == 60) ? 24 : 25;
    CHECK(e.add_respiration(Seat::A, s * 1000, 25.0, chunk.data(), 25) == want);
    CHECK(e.add_respiration(Seat::B, s * 1000, 25.0, chunk.data(), 25) == want);
  }
  CHECK(e.add_respiration(Seat::A, 1000, 25.0, chunk.data(), 25) == 0);  // backwards
  for (const auto& b : alternating_beats(900, 20, 0, 200000)) e.add_beat(Seat::A, b);
  for (const auto& b : alternating_beats(800, 25, 0, 200000)) e.add_beat(Seat::B, b);
  bool rate = false;
  for (const auto& s : collect(e, 200000)) {
    CHECK(all_finite(s));
    const auto& a = s.participants[0];
    if (a.breath_rate_bpm) {
      rate = true;
      CHECK(*a.breath_rate_bpm == Approx(15.0).epsilon(0.02));
    }
    if (s.t_ms > 70000) CHECK(s.pairs[0].plv);
    if (s.pairs[0].plv) CHECK(*s.pairs[0].plv == Approx(1.0).epsilon(1e-6));
  }
  CHECK(rate);
}

namespace {

// numpy.interp of (t, v) samples with t <= T onto k * step, with the
// validity rule of RespirationSeries::on_grid: the reference for its
// compact storage.
std::optional<std::vector<double>> naive_on_grid(const std::vector<std::pair<double, double>>& s,
                                                 std::int64_t k_first, std::size_t count,
                                                 double step, double max_gap, double T) {
  std::vector<double> out;
  for (std::size_t k = 0; k < count; ++k) {
    const double tk = static_cast<double>(k_first + static_cast<std::int64_t>(k)) * step;
    std::optional<std::size_t> at;
    for (std::size_t i = 0; i < s.size() && s[i].first <= T; ++i)
      if (s[i].first <= tk) at = i;
    if (!at) return std::nullopt;
    const auto [t0, v0] = s[*at];
    if (t0 == tk) {
      out.push_back(v0);
      continue;
    }
    if (*at + 1 >= s.size() || s[*at + 1].first > T || s[*at + 1].first - t0 > max_gap) return std::nullopt;
    const auto [t1, v1] = s[*at + 1];
    out.push_back((v1 - v0) / (t1 - t0) * (tk - t0) + v0);
  }
  return out;
}

}  // namespace

TEST_CASE("compact respiration storage reads back every time exactly and every value as its float32 rounding", "[resp]") {
  RespirationSeries r(100000);
  std::vector<std::pair<double, double>> want;  // what was accepted
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto feed = [&](std::int64_t t0, double hz, std::vector<double> v) {
    const double period = 1000.0 / hz;
    std::size_t taken = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const double t = static_cast<double>(t0) + static_cast<double>(i) * period;
      if (std::isfinite(v[i]) && (want.empty() || t > want.back().first)) {
        want.emplace_back(t, static_cast<double>(static_cast<float>(v[i])));
        ++taken;
      }
    }
    CHECK(r.add(t0, hz, v.data(), v.size()) == taken);
  };
  std::vector<double> chunk(25);
  for (int s = 0; s < 40; ++s) {  // 25 Hz on the 40 ms grid: one run
    for (int i = 0; i < 25; ++i) chunk[i] = std::sin(0.1 * (s * 25 + i)) + 1e-3 * s;
    feed(s * 1000, 25.0, chunk);
  }
  CHECK(r.runs() == 1);
  std::vector<double> odd(30);
  for (int i = 0; i < 30; ++i) odd[i] = std::cos(0.07 * i);
  odd[7] = nan;
  feed(40013, 30.0, odd);    // off the grid, 30 Hz (33.33.. ms), one NaN
  feed(41003, 25.0, chunk);  // off the grid
  feed(41950, 25.0, chunk);  // overlaps the previous chunk: its first samples are skipped
  feed(44000, 25.0, chunk);  // after a 1.07 s gap
  CHECK(r.held() == want.size());
  for (double T : {39999.0, 40013.0, 41000.0, 42500.0, 45000.0}) {
    for (std::int64_t k0 : {0, 500, 980, 1000, 1030, 1040, 1070}) {
      const auto a = r.on_grid(k0, 60, 40.0, 1000.0, T);
      const auto b = naive_on_grid(want, k0, 60, 40.0, 1000.0, T);
      REQUIRE(a.has_value() == b.has_value());
      if (a) CHECK(*a == *b);  // bit-identical
    }
    const auto last = r.last_at(T);
    std::optional<double> want_last, want_next;
    for (const auto& p : want) {
      if (p.first <= T) want_last = p.first;
      if (p.first > T && !want_next) want_next = p.first;
    }
    CHECK(last == want_last);
    CHECK(r.first_after(T) == want_next);
  }
  r.prune_before(20000.5);
  std::size_t kept = 0;
  for (const auto& p : want) kept += p.first >= 20000.5 ? 1 : 0;
  CHECK(r.held() == kept);
  CHECK(r.on_grid(520, 400, 40.0, 1000.0, 45000.0) == naive_on_grid(want, 520, 400, 40.0, 1000.0, 45000.0));
  CHECK_FALSE(r.on_grid(499, 10, 40.0, 1000.0, 45000.0));  // before the first sample kept
  // Pruning as it goes, so the stored values wrap around their buffer.
  want.erase(std::remove_if(want.begin(), want.end(), [](const auto& p) { return p.first < 20000.5; }),
             want.end());
  for (int s = 45; s < 120; ++s) {
    for (int i = 0; i < 25; ++i) chunk[i] = std::sin(0.13 * (s * 25 + i)) - 1e-3 * s;
    feed(s * 1000, 25.0, chunk);
    const double cut = (s - 20) * 1000.0;
    r.prune_before(cut);
    want.erase(std::remove_if(want.begin(), want.end(), [&](const auto& p) { return p.first < cut; }),
               want.end());
    REQUIRE(r.held() == want.size());
    const std::int64_t k0 = (s - 19) * 25;  // on the grid: the bulk copy
    CHECK(r.on_grid(k0, 400, 40.0, 1000.0, s * 1000.0 + 999) ==
          naive_on_grid(want, k0, 400, 40.0, 1000.0, s * 1000.0 + 999));
  }
}

TEST_CASE("respiration values are stored as float32 and their times are unchanged", "[resp]") {
  RespirationSeries r(100000);
  // Not representable as floats: read back as their float rounding, which
  // differs from the double (and is within 2^-24 relative of it).
  const std::vector<double> v{0.1, 1.0 + 0x1p-30, -12345.678901234, 3.0, 1e300, -1e39};
  REQUIRE(r.add(1000, 25.0, v.data(), v.size()) == 4);  // 1e300, -1e39: beyond the float range
  CHECK(r.held() == 4);
  CHECK(r.ignored() == 2);
  for (std::size_t i = 0; i < 4; ++i) {
    const double t = 1000.0 + 40.0 * static_cast<double>(i);
    const auto got = r.on_grid(25 + static_cast<std::int64_t>(i), 1, 40.0, 1000.0, 1200.0);
    REQUIRE(got);
    const double f = static_cast<double>(static_cast<float>(v[i]));
    CHECK((*got)[0] == f);
    CHECK(std::fabs(f - v[i]) <= 0x1p-24 * std::fabs(v[i]));
    CHECK(r.first_after(t - 0.5) == t);  // times exactly as computed on arrival
  }
  CHECK((*r.on_grid(25, 1, 40.0, 1000.0, 1200.0))[0] != 0.1);
  // Between two samples: the interpolation of the stored floats, in double.
  const auto mid = r.on_grid(51, 1, 20.0, 1000.0, 1200.0);  // t = 1020
  REQUIRE(mid);
  const double a = static_cast<float>(v[0]), b = static_cast<float>(v[1]);
  CHECK(*mid == std::vector<double>{(b - a) / 40.0 * 20.0 + a});
}

TEST_CASE("16-bit breathing phase codes give the unit phasor within half a step", "[resp]") {
  const double step = 2 * kPi / 65536;
  double worst = 0.0;
  for (int i = -5000; i <= 5000; ++i) {
    const double phi = kPi * i / 5000.0;
    double re = 0.0, im = 0.0;
    phasor_of(phase_code(phi), re, im);
    worst = std::max(worst, std::abs(std::complex<double>(re, im) - std::polar(1.0, phi)));
    CHECK(std::hypot(re, im) == Approx(1.0).epsilon(1e-14));
  }
  CHECK(worst <= step / 2 + 1e-12);
  CHECK(phase_code(kPi) == phase_code(-kPi));  // the same angle
  CHECK(phase_code(0.0) == 0);
  CHECK(phase_code(-step) == 65535);
}

TEST_CASE("sosfiltfilt two samples at a time equals the one-step recursion", "[resp]") {
  const auto sos = butterworth_bandpass(2, 0.05, 3.0, 25.0);
  REQUIRE(sos);
  // scipy.signal.sosfiltfilt written out one sample at a time (padlen 15,
  // odd extension, sosfilt_zi states scaled by the first sample).
  auto one_step = [&](std::vector<double> x) {
    const std::size_t pad = 15, n = x.size();
    std::vector<double> e;
    for (std::size_t i = pad; i >= 1; --i) e.push_back(2 * x[0] - x[i]);
    e.insert(e.end(), x.begin(), x.end());
    for (std::size_t i = 1; i <= pad; ++i) e.push_back(2 * x[n - 1] - x[n - 1 - i]);
    auto pass = [&](std::vector<double>& v) {
      double scale = 1.0;
      const double x0 = v.front();
      for (const Biquad& q : *sos) {
        const double B0 = q.b1 - q.a1 * q.b0, B1 = q.b2 - q.a2 * q.b0;
        double z0 = (B0 + B1) / (1 + q.a1 + q.a2);
        double z1 = B1 - q.a2 * z0;
        z0 *= scale * x0;
        z1 *= scale * x0;
        scale *= (q.b0 + q.b1 + q.b2) / (1 + q.a1 + q.a2);
        for (double& s : v) {
          const double y = q.b0 * s + z0;
          z0 = q.b1 * s - q.a1 * y + z1;
          z1 = q.b2 * s - q.a2 * y;
          s = y;
        }
      }
    };
    pass(e);
    std::reverse(e.begin(), e.end());
    pass(e);
    std::reverse(e.begin(), e.end());
    return std::vector<double>(e.begin() + pad, e.begin() + pad + n);
  };
  for (std::size_t n : {100, 101, 1500}) {
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = std::sin(0.05 * i) + 0.3 * std::sin(1.7 * i) + 0.01 * i;
    const auto got = sosfiltfilt(*sos, x);
    REQUIRE(got);
    const auto want = one_step(x);
    double worst = 0.0;
    for (std::size_t i = 0; i < n; ++i) worst = std::max(worst, std::fabs((*got)[i] - want[i]));
    CHECK(worst < 1e-12);
  }
}
