// codec::validate_batch and StreamCursor: counts, bounds, finiteness, time
// window and order; extreme timestamps must not overflow.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "codec/sample_validation.hpp"

using namespace attune;
using codec::validate_batch;

namespace {

constexpr std::int64_t kNow = 1'795'868'310'000;
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

void beat(v1::SampleBatch& b, std::int64_t t, double rr) {
  auto* x = b.add_beats();
  x->set_t_ms(t);
  x->set_rr_ms(rr);
}

void scalar(v1::SampleBatch& b, v1::StreamKind k, std::int64_t t, double v) {
  auto* x = b.add_scalars();
  x->set_kind(k);
  x->set_t_ms(t);
  x->set_value(v);
}

v1::WaveformChunk* wave(v1::SampleBatch& b, std::int64_t t0, double rate, int n) {
  auto* w = b.add_waveforms();
  w->set_kind(v1::STREAM_KIND_RESPIRATION);
  w->set_t0_ms(t0);
  w->set_rate_hz(rate);
  for (int i = 0; i < n; ++i) w->add_values(500.0 + i);
  return w;
}

v1::ErrorCode code_of(const v1::SampleBatch& b) {
  const auto e = validate_batch(b, kNow);
  return e ? e->code : v1::ERROR_CODE_UNSPECIFIED;
}

}  // namespace

TEST_CASE("validate: an empty batch and a normal batch pass") {
  v1::SampleBatch b;
  CHECK_FALSE(validate_batch(b, kNow).has_value());
  beat(b, kNow - 1000, 800);
  beat(b, kNow - 200, 800);
  scalar(b, v1::STREAM_KIND_HEART_RATE, kNow, 75);
  scalar(b, v1::STREAM_KIND_EDA, kNow, 4.7);
  scalar(b, v1::STREAM_KIND_MOTION, kNow, 0.03);
  scalar(b, v1::STREAM_KIND_BREATH_EVENTS, kNow, -12345);
  wave(b, kNow - 500, 25, 12);
  CHECK_FALSE(validate_batch(b, kNow).has_value());
}

TEST_CASE("validate: RR hard bounds are inclusive") {
  for (double rr : {codec::kRrMinMs, codec::kRrMaxMs}) {
    v1::SampleBatch b;
    beat(b, kNow, rr);
    CHECK(code_of(b) == v1::ERROR_CODE_UNSPECIFIED);
  }
  for (double rr : {codec::kRrMinMs - 0.001, codec::kRrMaxMs + 0.001, 0.0, -800.0, 1e308}) {
    v1::SampleBatch b;
    beat(b, kNow, rr);
    CHECK(code_of(b) == v1::ERROR_CODE_OUT_OF_BOUNDS);
  }
  for (double rr : {std::nan(""), std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
    v1::SampleBatch b;
    beat(b, kNow, rr);
    CHECK(code_of(b) == v1::ERROR_CODE_NOT_FINITE);
  }
}

TEST_CASE("validate: scalar bounds per kind") {
  struct Case { v1::StreamKind kind; double value; v1::ErrorCode code; };
  const Case cases[] = {
      {v1::STREAM_KIND_HEART_RATE, 20, v1::ERROR_CODE_UNSPECIFIED},
      {v1::STREAM_KIND_HEART_RATE, 250, v1::ERROR_CODE_UNSPECIFIED},
      {v1::STREAM_KIND_HEART_RATE, 19.9, v1::ERROR_CODE_OUT_OF_BOUNDS},
      {v1::STREAM_KIND_HEART_RATE, 251, v1::ERROR_CODE_OUT_OF_BOUNDS},
      {v1::STREAM_KIND_EDA, 0, v1::ERROR_CODE_UNSPECIFIED},
      {v1::STREAM_KIND_EDA, -0.1, v1::ERROR_CODE_OUT_OF_BOUNDS},
      {v1::STREAM_KIND_EDA, 100.1, v1::ERROR_CODE_OUT_OF_BOUNDS},
      {v1::STREAM_KIND_MOTION, 16, v1::ERROR_CODE_UNSPECIFIED},
      {v1::STREAM_KIND_MOTION, 16.5, v1::ERROR_CODE_OUT_OF_BOUNDS},
      {v1::STREAM_KIND_BREATH_EVENTS, std::nan(""), v1::ERROR_CODE_NOT_FINITE},
      {v1::STREAM_KIND_HEART_RATE, std::nan(""), v1::ERROR_CODE_NOT_FINITE},
      {v1::STREAM_KIND_RR, 800, v1::ERROR_CODE_INVALID},
      {v1::STREAM_KIND_RESPIRATION, 1, v1::ERROR_CODE_INVALID},
      {v1::STREAM_KIND_UNSPECIFIED, 1, v1::ERROR_CODE_INVALID},
      {static_cast<v1::StreamKind>(1234), 1, v1::ERROR_CODE_INVALID},
  };
  for (const auto& c : cases) {
    INFO("kind " << c.kind << " value " << c.value);
    v1::SampleBatch b;
    scalar(b, c.kind, kNow, c.value);
    CHECK(code_of(b) == c.code);
  }
}

TEST_CASE("validate: counts per batch") {
  const codec::ValidationLimits limits;
  v1::SampleBatch b;
  for (std::size_t i = 0; i < limits.max_beats; ++i) beat(b, kNow - 60000 + static_cast<std::int64_t>(i) * 800, 800);
  CHECK(code_of(b) == v1::ERROR_CODE_UNSPECIFIED);
  beat(b, kNow, 800);
  CHECK(code_of(b) == v1::ERROR_CODE_INVALID);

  v1::SampleBatch s;
  for (std::size_t i = 0; i <= limits.max_scalars; ++i) scalar(s, v1::STREAM_KIND_EDA, kNow - 100000 + static_cast<std::int64_t>(i), 1);
  CHECK(code_of(s) == v1::ERROR_CODE_INVALID);

  v1::SampleBatch w;
  for (std::size_t i = 0; i <= limits.max_waveforms; ++i) wave(w, kNow - 100000 + static_cast<std::int64_t>(i) * 1000, 25, 1);
  CHECK(code_of(w) == v1::ERROR_CODE_INVALID);

  v1::SampleBatch big;
  wave(big, kNow, 250, static_cast<int>(limits.max_waveform_values) + 1);
  CHECK(code_of(big) == v1::ERROR_CODE_INVALID);
}

TEST_CASE("validate: waveform rate, values and overlap") {
  v1::SampleBatch empty;
  wave(empty, kNow, 25, 0);
  CHECK(code_of(empty) == v1::ERROR_CODE_INVALID);
  for (double rate : {0.0, 0.99, 250.1, -25.0}) {
    v1::SampleBatch b;
    wave(b, kNow, rate, 3);
    CHECK(code_of(b) == v1::ERROR_CODE_OUT_OF_BOUNDS);
  }
  v1::SampleBatch nan_rate;
  wave(nan_rate, kNow, std::nan(""), 3);
  CHECK(code_of(nan_rate) == v1::ERROR_CODE_NOT_FINITE);
  v1::SampleBatch huge;
  wave(huge, kNow, 25, 3)->set_values(1, 2e6);
  CHECK(code_of(huge) == v1::ERROR_CODE_OUT_OF_BOUNDS);
  v1::SampleBatch wrong_kind;
  wave(wrong_kind, kNow, 25, 3)->set_kind(v1::STREAM_KIND_EDA);
  CHECK(code_of(wrong_kind) == v1::ERROR_CODE_INVALID);
  v1::SampleBatch overlap;
  wave(overlap, kNow - 1000, 25, 26);  // ends at kNow
  wave(overlap, kNow, 25, 2);
  CHECK(code_of(overlap) == v1::ERROR_CODE_TIMESTAMP_BACKWARDS);
  v1::SampleBatch adjacent;
  wave(adjacent, kNow - 1000, 25, 25);  // ends at kNow - 40
  wave(adjacent, kNow, 25, 2);
  CHECK(code_of(adjacent) == v1::ERROR_CODE_UNSPECIFIED);
}

TEST_CASE("validate: time window around the server's clock") {
  const codec::ValidationLimits limits;
  for (std::int64_t t : {kNow - limits.max_past_ms, kNow + limits.max_future_ms}) {
    v1::SampleBatch b;
    beat(b, t, 800);
    CHECK(code_of(b) == v1::ERROR_CODE_UNSPECIFIED);
  }
  for (std::int64_t t : {kNow - limits.max_past_ms - 1, kNow + limits.max_future_ms + 1, std::int64_t{0}}) {
    v1::SampleBatch b;
    beat(b, t, 800);
    CHECK(code_of(b) == v1::ERROR_CODE_BAD_TIMESTAMP);
  }
}

TEST_CASE("validate: extreme timestamps are refused without overflow") {
  // Under UBSan these would trap if the error message computed t - now in int64.
  for (std::int64_t t : {kMin, kMin + 1, kMax, kMax - 1}) {
    INFO("t_ms " << t);
    v1::SampleBatch beats, scalars, waves;
    beat(beats, t, 800);
    scalar(scalars, v1::STREAM_KIND_HEART_RATE, t, 70);
    wave(waves, t, 25, 3);
    for (const auto* b : {&beats, &scalars, &waves}) {
      const auto e = validate_batch(*b, kNow);
      REQUIRE(e.has_value());
      CHECK(e->code == v1::ERROR_CODE_BAD_TIMESTAMP);
      CHECK(e->message.find("Check the device clock") != std::string::npos);
    }
  }
  // And a server clock at the extremes does not overflow the window either.
  v1::SampleBatch b;
  beat(b, 0, 800);
  CHECK(validate_batch(b, kMin)->code == v1::ERROR_CODE_BAD_TIMESTAMP);
  CHECK(validate_batch(b, kMax)->code == v1::ERROR_CODE_BAD_TIMESTAMP);
}

TEST_CASE("validate: order inside a batch") {
  v1::SampleBatch beats;
  beat(beats, kNow, 800);
  beat(beats, kNow, 800);
  CHECK(code_of(beats) == v1::ERROR_CODE_TIMESTAMP_BACKWARDS);
  v1::SampleBatch scalars;
  scalar(scalars, v1::STREAM_KIND_EDA, kNow, 1);
  scalar(scalars, v1::STREAM_KIND_MOTION, kNow - 5, 1);  // another kind: fine
  CHECK(code_of(scalars) == v1::ERROR_CODE_UNSPECIFIED);
  scalar(scalars, v1::STREAM_KIND_EDA, kNow - 1, 1);
  CHECK(code_of(scalars) == v1::ERROR_CODE_TIMESTAMP_BACKWARDS);
}

TEST_CASE("StreamCursor: a batch may not go back against data already applied") {
  codec::StreamCursor cursor;
  CHECK(cursor.latest_ms() == codec::StreamCursor::kNone);
  v1::SampleBatch first;
  beat(first, kNow - 1000, 800);
  scalar(first, v1::STREAM_KIND_EDA, kNow - 500, 2);
  wave(first, kNow - 2000, 25, 25);  // ends at kNow - 1040
  REQUIRE_FALSE(cursor.check(first).has_value());
  cursor.advance(first);
  CHECK(cursor.latest_ms() == kNow - 500);

  v1::SampleBatch again = first;
  CHECK(cursor.check(again)->code == v1::ERROR_CODE_TIMESTAMP_BACKWARDS);

  v1::SampleBatch later;
  beat(later, kNow - 200, 800);
  scalar(later, v1::STREAM_KIND_EDA, kNow - 100, 2);
  scalar(later, v1::STREAM_KIND_HEART_RATE, kNow - 10000, 70);  // first HR: any time
  wave(later, kNow - 1000, 25, 2);
  CHECK_FALSE(cursor.check(later).has_value());

  v1::SampleBatch overlap;
  wave(overlap, kNow - 1040, 25, 2);
  CHECK(cursor.check(overlap)->code == v1::ERROR_CODE_TIMESTAMP_BACKWARDS);
}
