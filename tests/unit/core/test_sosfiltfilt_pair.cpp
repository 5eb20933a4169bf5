// The paired zero-phase filter (core/sosfiltfilt.cpp): two series in the two
// lanes of one vector must give each series exactly what filtering it alone
// gives, whatever the other lane holds, so a partner's breathing values do
// not depend on whether the other partner breathes.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "core/respiration.hpp"

using namespace attune::core;

namespace {

std::vector<double> breathing_like(std::size_t n, double rate_hz, double phase, double drift) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / 25.0;
    x[i] = std::sin(2.0 * M_PI * rate_hz * t + phase) + drift * t + 0.1 * std::sin(2.0 * M_PI * 4.1 * t);
  }
  return x;
}

}  // namespace

TEST_CASE("sosfiltfilt of two series at once equals each alone, bit for bit", "[resp]") {
  const auto sos = butterworth_bandpass(2, 0.05, 3.0, 25.0);
  REQUIRE(sos);
  for (std::size_t n : {16u, 17u, 301u, 1500u}) {
    CAPTURE(n);
    const auto x1 = breathing_like(n, 0.25, 0.3, 0.01);
    const auto x2 = breathing_like(n, 0.11, 2.0, -0.3);
    std::vector<double> p1, p2, s1, s2;
    REQUIRE(sosfiltfilt_pair_into(*sos, x1, x2, p1, p2));
    REQUIRE(sosfiltfilt_into(*sos, x1, s1));
    REQUIRE(sosfiltfilt_into(*sos, x2, s2));
    REQUIRE(p1.size() == n);
    REQUIRE(p2.size() == n);
    CHECK(p1 == s1);  // exact: each lane does the scalar operations
    CHECK(p2 == s2);
    CHECK(p1 != p2);  // and the lanes do not mix
    // The same series in the other lane: the same values.
    std::vector<double> q1, q2;
    REQUIRE(sosfiltfilt_pair_into(*sos, x2, x1, q1, q2));
    CHECK(q1 == s2);
    CHECK(q2 == s1);
  }
}

TEST_CASE("sosfiltfilt of two series refuses different lengths and too short series", "[resp]") {
  const auto sos = butterworth_bandpass(2, 0.05, 3.0, 25.0);
  REQUIRE(sos);
  std::vector<double> a(100, 1.0), b(99, 1.0), short_a(15, 1.0), short_b(15, 1.0), o1, o2;
  CHECK_FALSE(sosfiltfilt_pair_into(*sos, a, b, o1, o2));
  CHECK_FALSE(sosfiltfilt_pair_into(*sos, short_a, short_b, o1, o2));  // padlen 15: needs more
}
