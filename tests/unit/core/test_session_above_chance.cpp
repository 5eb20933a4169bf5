// The session-end above-chance test: Stouffer's Z over the live tests whose
// spans do not overlap (core/session_above_chance.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "core/session_above_chance.hpp"

using attune::core::StoufferOverDisjointSpans;

TEST_CASE("session test: no live test, no session z", "[surrogate][session]") {
  StoufferOverDisjointSpans s(300000);
  CHECK(s.spans() == 0);
  CHECK_FALSE(s.z().has_value());
}

TEST_CASE("session test: tests with overlapping spans are left out, disjoint ones combined by Stouffer",
          "[surrogate][session]") {
  StoufferOverDisjointSpans s(300000);
  s.add(300000, 1.0);   // chosen
  s.add(315000, 9.0);   // overlaps the first: left out
  s.add(585000, 9.0);   // still overlaps (285 s later)
  s.add(600000, 2.0);   // exactly one span later: chosen
  s.add(615000, -9.0);  // overlaps
  s.add(960000, 3.0);   // chosen
  REQUIRE(s.spans() == 3);
  REQUIRE(s.z().has_value());
  CHECK(*s.z() == Approx((1.0 + 2.0 + 3.0) / std::sqrt(3.0)).epsilon(1e-15));
}

TEST_CASE("session test: a non-finite z is ignored and does not claim a span", "[surrogate][session]") {
  StoufferOverDisjointSpans s(180000);
  s.add(180000, std::numeric_limits<double>::quiet_NaN());
  s.add(195000, 2.5);  // the first finite test is the first span
  s.add(200000, std::numeric_limits<double>::infinity());
  REQUIRE(s.spans() == 1);
  CHECK(*s.z() == 2.5);
}
