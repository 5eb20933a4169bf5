#include "sim/batch_builder.hpp"

#include <cmath>

namespace attune::sim {

namespace v1 = attune::v1;

void BatchBuilder::on_beat(Seat seat, const SimBeat& beat) {
  pending_[static_cast<int>(seat)].beats.push_back(beat);
}

void BatchBuilder::on_respiration(Seat seat, std::int64_t t_ms, double value) {
  Pending& p = pending_[static_cast<int>(seat)];
  if (p.resp.empty()) p.resp_t0_ms = t_ms;
  p.resp.push_back(value);
}

void BatchBuilder::set_clock_offset_ms(Seat seat, double offset_ms) {
  offset_ms_[static_cast<int>(seat)] = std::llround(offset_ms);
}

v1::SampleBatch BatchBuilder::take(Seat seat) {
  Pending& p = pending_[static_cast<int>(seat)];
  const std::int64_t offset = offset_ms_[static_cast<int>(seat)];
  v1::SampleBatch batch;
  for (const SimBeat& b : p.beats) {
    v1::Beat* out = batch.add_beats();
    out->set_t_ms(b.t_ms + offset);
    out->set_rr_ms(b.rr_ms);
    out->set_flags(b.flags);
  }
  if (!p.resp.empty()) {
    v1::WaveformChunk* w = batch.add_waveforms();
    w->set_kind(v1::STREAM_KIND_RESPIRATION);
    w->set_t0_ms(p.resp_t0_ms + offset);
    w->set_rate_hz(kRespRateHz);
    for (double v : p.resp) w->add_values(v);
  }
  p.beats.clear();
  p.resp.clear();
  return batch;
}

void declare_streams(v1::Hello& hello) {
  v1::StreamDecl* rr = hello.add_streams();
  rr->set_kind(v1::STREAM_KIND_RR);
  rr->set_unit("ms");
  rr->set_device("attune-simulate");
  v1::StreamDecl* resp = hello.add_streams();
  resp->set_kind(v1::STREAM_KIND_RESPIRATION);
  resp->set_unit("au");
  resp->set_nominal_rate_hz(kRespRateHz);
  resp->set_device("attune-simulate");
}

}  // namespace attune::sim
