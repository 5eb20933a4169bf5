// The FFT-based building blocks on FFTW3 (core/fftw_plans.hpp): the same
// input gives bit-identical output on every thread and call (shared
// FFTW_ESTIMATE plans, per-thread scratch), the analytic signal follows its
// DFT definition for odd and even lengths, and the band integral takes
// exactly the bins lo <= f <= hi.
#include <catch2/catch.hpp>

#include <cmath>
#include <complex>
#include <limits>
#include <thread>
#include <vector>

#include "core/spectral.hpp"

using namespace attune::core;

namespace {

const double kPi = std::acos(-1.0);

std::vector<double> test_signal(std::size_t n, double seed) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i);
    x[i] = std::sin(0.3 * t + seed) + 0.5 * std::cos(0.071 * t * seed) + 0.01 * t;
  }
  return x;
}

struct Results {
  std::vector<std::vector<double>> welch, periodogram;
  std::vector<std::vector<std::complex<double>>> analytic;
};

const std::vector<std::size_t> kAnalyticSizes{1, 2, 3, 5, 8, 255, 288, 300, 1500};
const std::vector<std::size_t> kSeriesSizes{256, 300, 480};

// Every result once; `reverse` visits the sizes in the other order, so the
// threads below ask for plans in different orders.
Results compute_all(bool reverse) {
  Results r;
  r.welch.resize(kSeriesSizes.size());
  r.periodogram.resize(kSeriesSizes.size());
  r.analytic.resize(kAnalyticSizes.size());
  for (std::size_t j = 0; j < kSeriesSizes.size(); ++j) {
    const std::size_t i = reverse ? kSeriesSizes.size() - 1 - j : j;
    const auto x = test_signal(kSeriesSizes[i], 1.0 + static_cast<double>(i));
    r.welch[i] = welch_psd(x, 4.0, 256, 128, 1024)->power;
    r.periodogram[i] = periodogram_psd(x, 4.0, 1024)->power;
  }
  for (std::size_t j = 0; j < kAnalyticSizes.size(); ++j) {
    const std::size_t i = reverse ? kAnalyticSizes.size() - 1 - j : j;
    r.analytic[i] = analytic_signal(test_signal(kAnalyticSizes[i], 2.0 + static_cast<double>(i)));
  }
  return r;
}

bool identical(const Results& a, const Results& b) {
  return a.welch == b.welch && a.periodogram == b.periodogram && a.analytic == b.analytic;
}

// band_power_trapezoid's definition: a scan over every bin.
double band_power_scan(const Psd& psd, double lo, double hi) {
  double sum = 0.0, prev = 0.0;
  bool have_prev = false;
  for (std::size_t k = 0; k < psd.power.size(); ++k) {
    const double f = psd.freq(k);
    if (f < lo || f > hi) continue;
    if (have_prev) sum += psd.df * (prev + psd.power[k]) / 2.0;
    prev = psd.power[k];
    have_prev = true;
  }
  return sum;
}

}  // namespace

TEST_CASE("spectra are bit-identical on every thread and call", "[spectral][fftw]") {
  // Threads first, so plans are created concurrently (the planner's mutex).
  std::vector<Results> per_thread(6);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < per_thread.size(); ++t) {
    threads.emplace_back([&per_thread, t] {
      per_thread[t] = compute_all(t % 2 == 1);
      const Results again = compute_all(t % 2 == 0);  // warm scratch, other order
      if (!identical(per_thread[t], again)) per_thread[t] = Results{};
    });
  }
  for (auto& th : threads) th.join();
  const Results here = compute_all(false);
  REQUIRE(here.welch.size() == kSeriesSizes.size());
  for (const Results& r : per_thread) CHECK(identical(r, here));
}

TEST_CASE("analytic signal equals the DFT definition of scipy.signal.hilbert", "[spectral][fftw]") {
  for (std::size_t n : {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 30}) {
    const auto x = test_signal(n, 0.7);
    // X_k by the DFT sum, weights h (1 at DC and at Nyquist for even n, 2 for
    // positive, 0 for negative frequencies), then the inverse DFT sum / n.
    std::vector<std::complex<double>> spec(n);
    for (std::size_t k = 0; k < n; ++k) {
      std::complex<double> s = 0.0;
      for (std::size_t i = 0; i < n; ++i) s += x[i] * std::polar(1.0, -2.0 * kPi * k * i / n);
      const double h = (k == 0 || 2 * k == n) ? 1.0 : (2 * k < n ? 2.0 : 0.0);
      spec[k] = h * s;
    }
    const auto z = analytic_signal(x);
    REQUIRE(z.size() == n);
    for (std::size_t i = 0; i < n; ++i) {
      std::complex<double> s = 0.0;
      for (std::size_t k = 0; k < n; ++k) s += spec[k] * std::polar(1.0, 2.0 * kPi * k * i / n);
      s /= static_cast<double>(n);
      CHECK(z[i].real() == Approx(s.real()).margin(1e-12));
      CHECK(z[i].imag() == Approx(s.imag()).margin(1e-12));
      CHECK(z[i].real() == Approx(x[i]).margin(1e-12));  // the real part is the input
    }
  }
  CHECK(analytic_signal({}).empty());
}

TEST_CASE("band power takes exactly the bins with lo <= f <= hi", "[spectral][fftw]") {
  const auto psd = welch_psd(test_signal(480, 3.0), 4.0, 256, 128, 1024);
  REQUIRE(psd);
  const double df = psd->df;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> edges{-1.0, 0.0, 0.0033, 0.04, 0.15, 0.26, 0.4, 1.99, 2.0, 2.5, nan, inf, -inf};
  for (std::size_t k : {0, 1, 10, 37, 38, 100, 511, 512}) {
    const double f = static_cast<double>(k) * df;  // exactly on a bin, and either side
    edges.insert(edges.end(), {f, std::nextafter(f, -1.0), std::nextafter(f, 3.0)});
  }
  for (double lo : edges) {
    for (double hi : edges) {
      INFO("lo " << lo << " hi " << hi);
      CHECK(band_power_trapezoid(*psd, lo, hi) == band_power_scan(*psd, lo, hi));
    }
  }
}

TEST_CASE("smooth_even_at_most finds the largest even 2-3-5-smooth length", "[spectral]") {
  CHECK(smooth_even_at_most(0) == 0);
  CHECK(smooth_even_at_most(3) == 0);
  CHECK(smooth_even_at_most(4) == 4);
  CHECK(smooth_even_at_most(7) == 6);
  CHECK(smooth_even_at_most(1023) == 1000);
  CHECK(smooth_even_at_most(1499) == 1458);
  CHECK(smooth_even_at_most(1500) == 1500);
  CHECK(smooth_even_at_most(289) == 288);  // the breathing phases' Hilbert length
  // Between 40 and 60 s at 25 Hz (a growing pacer-entrainment run), a
  // dozen lengths at most: the FFT plans a process keeps stay few.
  std::size_t distinct = 0, last = 0;
  for (std::size_t n = 1000; n <= 1500; ++n) {
    const std::size_t s = smooth_even_at_most(n);
    if (s != last) ++distinct;
    last = s;
    std::size_t m = s;
    for (std::size_t p : {2u, 3u, 5u}) {
      while (m % p == 0) m /= p;
    }
    CHECK(m == 1);
    CHECK(s % 2 == 0);
    CHECK(s <= n);
  }
  CHECK(distinct <= 12);
}
