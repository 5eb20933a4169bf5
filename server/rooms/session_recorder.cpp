#include "rooms/session_recorder.hpp"

#include <cmath>

#include "replay/recording_format.hpp"

namespace attune::rooms {

SessionRecorder::SessionRecorder(const std::string& folder, const std::string& session_id)
    : path_(folder + "/" + session_id + ".csv") {
  file_ = std::fopen(path_.c_str(), "w");
  if (file_) std::fputs("participant,stream,t_ms,value\n", file_);
}

SessionRecorder::~SessionRecorder() {
  if (file_) std::fclose(file_);
}

namespace rec = replay::recording;

void SessionRecorder::row(const char* participant, const char* stream, std::int64_t t_ms, double value) {
  // %.17g: every double written reads back as the same double, so a replay
  // sees exactly the values the room saw.
  std::fprintf(file_, "%s,%s,%lld,%.17g\n", participant, stream, static_cast<long long>(t_ms), value);
}

void SessionRecorder::record(core::Seat seat, const v1::SampleBatch& batch) {
  if (!file_) return;
  const char* p = core::seat_name(seat);
  for (const auto& b : batch.beats()) {
    row(p, "rr", b.t_ms(), b.rr_ms());
    if (b.flags() != 0) row(p, rec::kRrFlags, b.t_ms(), b.flags());
  }
  for (const auto& s : batch.scalars()) {
    const char* stream = s.kind() == v1::STREAM_KIND_HEART_RATE ? "hr"
                         : s.kind() == v1::STREAM_KIND_EDA      ? "eda"
                         : s.kind() == v1::STREAM_KIND_MOTION   ? "motion"
                                                                : nullptr;
    if (stream) row(p, stream, s.t_ms(), s.value());
  }
  for (const auto& w : batch.waveforms()) {
    row(p, rec::kRespRate, w.t0_ms(), w.rate_hz());
    for (int i = 0; i < w.values_size(); ++i) {
      const auto t = w.t0_ms() + static_cast<std::int64_t>(std::llround(i * 1000.0 / w.rate_hz()));
      row(p, "resp", t, w.values(i));
    }
  }
}

void SessionRecorder::advance(std::int64_t data_time_ms) {
  if (file_) row(rec::kRoomParticipant, rec::kAdvance, data_time_ms, 0.0);
}

void SessionRecorder::stored_baseline(core::Seat seat, const core::StoredBaseline& stored,
                                      std::int64_t data_time_ms) {
  if (!file_) return;
  const char* p = core::seat_name(seat);
  const auto pair = [&](const std::optional<core::RobustBaseline>& b, const char* median, const char* scale) {
    if (!b) return;
    row(p, median, data_time_ms, b->median);
    row(p, scale, data_time_ms, b->scale);
  };
  pair(stored.hr_bpm, rec::kBaselineHrMedian, rec::kBaselineHrScale);
  pair(stored.ln_rmssd, rec::kBaselineLnRmssdMedian, rec::kBaselineLnRmssdScale);
  pair(stored.breath_rate_bpm, rec::kBaselineBreathMedian, rec::kBaselineBreathScale);
  row(p, rec::kStoredBaseline, data_time_ms, 0.0);
}

void SessionRecorder::flush() {
  if (file_) std::fflush(file_);
}

}  // namespace attune::rooms
