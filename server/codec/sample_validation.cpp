#include "codec/sample_validation.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace attune::codec {
namespace {

using v1::ErrorCode;

ValidationError error(ErrorCode code, std::string message) { return {code, std::move(message)}; }

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::optional<ValidationError> check_time(std::int64_t t_ms, std::int64_t now_ms,
                                          const ValidationLimits& limits, const char* what) {
  // Differences in uint64: exact for any two int64 values, so neither a
  // client's INT64_MIN/MAX timestamp nor the window arithmetic can overflow.
  const bool past = t_ms < now_ms;
  const std::uint64_t distance = past ? static_cast<std::uint64_t>(now_ms) - static_cast<std::uint64_t>(t_ms)
                                      : static_cast<std::uint64_t>(t_ms) - static_cast<std::uint64_t>(now_ms);
  const std::uint64_t allowed = static_cast<std::uint64_t>(past ? limits.max_past_ms : limits.max_future_ms);
  if (distance > allowed)
    return error(v1::ERROR_CODE_BAD_TIMESTAMP,
                 std::string("A ") + what + " timestamp is too far from the server's time (" +
                     (past ? "-" : "") + std::to_string(distance / 1000) +
                     " s away; allowed: 12 h in the past to 2 min ahead). Check the device clock.");
  return std::nullopt;
}

std::optional<ValidationError> check_value(double v, double lo, double hi, const char* what,
                                           const char* unit) {
  if (!std::isfinite(v))
    return error(v1::ERROR_CODE_NOT_FINITE, std::string("A ") + what + " value is not a finite number.");
  if (v < lo || v > hi)
    return error(v1::ERROR_CODE_OUT_OF_BOUNDS, std::string("A ") + what + " of " + num(v) + " " + unit +
                                                   " is outside the possible range " + num(lo) + "-" +
                                                   num(hi) + " " + unit + ".");
  return std::nullopt;
}

std::optional<ValidationError> validate_beats(const v1::SampleBatch& batch, std::int64_t now_ms,
                                              const ValidationLimits& limits) {
  std::int64_t previous = StreamCursor::kNone;
  for (const auto& beat : batch.beats()) {
    if (auto e = check_value(beat.rr_ms(), kRrMinMs, kRrMaxMs, "beat interval", "ms")) return e;
    if (auto e = check_time(beat.t_ms(), now_ms, limits, "beat")) return e;
    if (beat.t_ms() <= previous)
      return error(v1::ERROR_CODE_TIMESTAMP_BACKWARDS,
                   "Beats in a batch must be in strictly increasing time order.");
    previous = beat.t_ms();
  }
  return std::nullopt;
}

std::optional<ValidationError> validate_scalar(const v1::ScalarSample& s, std::int64_t now_ms,
                                               const ValidationLimits& limits) {
  std::optional<ValidationError> e;
  switch (s.kind()) {
    case v1::STREAM_KIND_HEART_RATE: e = check_value(s.value(), kHrMinBpm, kHrMaxBpm, "heart rate", "beats/min"); break;
    case v1::STREAM_KIND_EDA: e = check_value(s.value(), 0.0, kEdaMaxMicroSiemens, "skin conductance", "microsiemens"); break;
    case v1::STREAM_KIND_MOTION: e = check_value(s.value(), 0.0, kMotionMaxG, "motion", "g"); break;
    case v1::STREAM_KIND_BREATH_EVENTS:
      if (!std::isfinite(s.value())) e = error(v1::ERROR_CODE_NOT_FINITE, "A breath event value is not a finite number.");
      break;
    default:
      return error(v1::ERROR_CODE_INVALID,
                   "A scalar sample must be of kind HEART_RATE, EDA, MOTION or BREATH_EVENTS.");
  }
  if (e) return e;
  return check_time(s.t_ms(), now_ms, limits, "sample");
}

std::optional<ValidationError> validate_waveform(const v1::WaveformChunk& w, std::int64_t now_ms,
                                                 const ValidationLimits& limits) {
  if (w.kind() != v1::STREAM_KIND_RESPIRATION)
    return error(v1::ERROR_CODE_INVALID, "A waveform chunk must be of kind RESPIRATION.");
  if (auto e = check_value(w.rate_hz(), kWaveformMinHz, kWaveformMaxHz, "waveform rate", "Hz")) return e;
  if (w.values_size() == 0) return error(v1::ERROR_CODE_INVALID, "A waveform chunk has no values.");
  if (static_cast<std::size_t>(w.values_size()) > limits.max_waveform_values)
    return error(v1::ERROR_CODE_INVALID, "A waveform chunk has more than " +
                                             std::to_string(limits.max_waveform_values) + " values.");
  for (double v : w.values()) {
    if (auto e = check_value(v, -kWaveformMaxAbs, kWaveformMaxAbs, "respiration", "units")) return e;
  }
  if (auto e = check_time(w.t0_ms(), now_ms, limits, "waveform")) return e;
  return std::nullopt;
}

std::int64_t waveform_end_ms(const v1::WaveformChunk& w) {
  return w.t0_ms() + static_cast<std::int64_t>(std::llround((w.values_size() - 1) * 1000.0 / w.rate_hz()));
}

std::size_t scalar_slot(v1::StreamKind kind) { return static_cast<std::size_t>(kind) & 7u; }

}  // namespace

std::optional<ValidationError> validate_batch(const v1::SampleBatch& batch, std::int64_t now_ms,
                                              const ValidationLimits& limits) {
  if (static_cast<std::size_t>(batch.beats_size()) > limits.max_beats ||
      static_cast<std::size_t>(batch.scalars_size()) > limits.max_scalars ||
      static_cast<std::size_t>(batch.waveforms_size()) > limits.max_waveforms)
    return error(v1::ERROR_CODE_INVALID,
                 "The batch holds more samples than a sensor produces between two batches (limits are in "
                 "Welcome.limits); send smaller, more frequent batches.");
  if (auto e = validate_beats(batch, now_ms, limits)) return e;
  std::array<std::int64_t, 8> previous;
  previous.fill(StreamCursor::kNone);
  for (const auto& s : batch.scalars()) {
    if (auto e = validate_scalar(s, now_ms, limits)) return e;
    auto& last = previous[scalar_slot(s.kind())];
    if (s.t_ms() <= last)
      return error(v1::ERROR_CODE_TIMESTAMP_BACKWARDS,
                   "Samples of one kind in a batch must be in strictly increasing time order.");
    last = s.t_ms();
  }
  std::int64_t wave_end = StreamCursor::kNone;
  for (const auto& w : batch.waveforms()) {
    if (auto e = validate_waveform(w, now_ms, limits)) return e;
    if (w.t0_ms() <= wave_end)
      return error(v1::ERROR_CODE_TIMESTAMP_BACKWARDS, "Waveform chunks in a batch overlap or go back in time.");
    wave_end = waveform_end_ms(w);
  }
  return std::nullopt;
}

void shift(v1::SampleBatch& batch, std::int64_t delta_ms) {
  if (delta_ms == 0) return;
  auto move = [delta_ms](std::int64_t t) {
    std::int64_t r;
    if (__builtin_add_overflow(t, delta_ms, &r)) return delta_ms > 0 ? INT64_MAX : INT64_MIN;
    return r;
  };
  for (auto& b : *batch.mutable_beats()) b.set_t_ms(move(b.t_ms()));
  for (auto& s : *batch.mutable_scalars()) s.set_t_ms(move(s.t_ms()));
  for (auto& w : *batch.mutable_waveforms()) w.set_t0_ms(move(w.t0_ms()));
}

v1::SampleBatch shifted(const v1::SampleBatch& batch, std::int64_t delta_ms) {
  v1::SampleBatch out = batch;
  shift(out, delta_ms);
  return out;
}

std::optional<ValidationError> StreamCursor::check(const v1::SampleBatch& batch) const {
  if (batch.beats_size() > 0 && batch.beats(0).t_ms() <= last_beat_ms)
    return error(v1::ERROR_CODE_TIMESTAMP_BACKWARDS,
                 "These beats are not later than beats already received for this seat.");
  for (const auto& s : batch.scalars()) {
    if (s.t_ms() <= last_scalar_ms[scalar_slot(s.kind())])
      return error(v1::ERROR_CODE_TIMESTAMP_BACKWARDS,
                   "These samples are not later than samples already received for this seat.");
  }
  if (batch.waveforms_size() > 0 && batch.waveforms(0).t0_ms() <= last_waveform_ms)
    return error(v1::ERROR_CODE_TIMESTAMP_BACKWARDS,
                 "This waveform chunk overlaps data already received for this seat.");
  return std::nullopt;
}

void StreamCursor::advance(const v1::SampleBatch& batch) {
  if (batch.beats_size() > 0) last_beat_ms = batch.beats(batch.beats_size() - 1).t_ms();
  for (const auto& s : batch.scalars()) last_scalar_ms[scalar_slot(s.kind())] = s.t_ms();
  if (batch.waveforms_size() > 0) last_waveform_ms = waveform_end_ms(batch.waveforms(batch.waveforms_size() - 1));
}

std::int64_t StreamCursor::latest_ms() const {
  std::int64_t latest = std::max(last_beat_ms, last_waveform_ms);
  for (auto t : last_scalar_ms) latest = std::max(latest, t);
  return latest;
}

}  // namespace attune::codec
