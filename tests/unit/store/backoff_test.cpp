#include <catch2/catch.hpp>

#include "store/backoff.hpp"

using attune::store::Backoff;
using std::chrono::milliseconds;

TEST_CASE("Backoff doubles within jitter - caps - and resets") {
  Backoff b(milliseconds(100), milliseconds(1000));
  const auto first = b.next();
  CHECK(first >= milliseconds(80));
  CHECK(first <= milliseconds(120));
  const auto second = b.next();
  CHECK(second >= milliseconds(160));
  CHECK(second <= milliseconds(240));
  for (int i = 0; i < 20; ++i) CHECK(b.next() <= milliseconds(1000));
  b.reset();
  CHECK(b.next() <= milliseconds(120));
}

TEST_CASE("Backoff tolerates a zero initial delay") {
  Backoff b(milliseconds(0), milliseconds(0));
  CHECK(b.next() >= milliseconds(1));
}
