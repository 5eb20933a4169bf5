#include "rooms/session_recorder.hpp"

#include <cmath>

namespace attune::rooms {

SessionRecorder::SessionRecorder(const std::string& folder, const std::string& session_id)
    : path_(folder + "/" + session_id + ".csv") {
  file_ = std::fopen(path_.c_str(), "w");
  if (file_) std::fputs("participant,stream,t_ms,value\n", file_);
}

SessionRecorder::~SessionRecorder() {
  if (file_) std::fclose(file_);
}

void SessionRecorder::row(char participant, const char* stream, std::int64_t t_ms, double value) {
  // %.17g: every double written reads back as the same double, so a replay
  // sees exactly the values the room saw.
  std::fprintf(file_, "%c,%s,%lld,%.17g\n", participant, stream, static_cast<long long>(t_ms), value);
}

void SessionRecorder::record(core::Seat seat, const v1::SampleBatch& batch) {
  if (!file_) return;
  const char p = *core::seat_name(seat);
  for (const auto& b : batch.beats()) row(p, "rr", b.t_ms(), b.rr_ms());
  for (const auto& s : batch.scalars()) {
    const char* stream = s.kind() == v1::STREAM_KIND_HEART_RATE ? "hr"
                         : s.kind() == v1::STREAM_KIND_EDA      ? "eda"
                         : s.kind() == v1::STREAM_KIND_MOTION   ? "motion"
                                                                : nullptr;
    if (stream) row(p, stream, s.t_ms(), s.value());
  }
  for (const auto& w : batch.waveforms()) {
    for (int i = 0; i < w.values_size(); ++i) {
      const auto t = w.t0_ms() + static_cast<std::int64_t>(std::llround(i * 1000.0 / w.rate_hz()));
      row(p, "resp", t, w.values(i));
    }
  }
}

void SessionRecorder::flush() {
  if (file_) std::fflush(file_);
}

}  // namespace attune::rooms
