// Collects what the model emits into one SampleBatch per seat per send
// interval (beats plus one RESPIRATION waveform chunk at 25 Hz).
//
// The model runs on true (data) time; each seat stamps on its own clock,
// which reads true time + its clock offset (--clock-offset-ms), so beat
// times and waveform t0 are shifted by the seat's offset, in whole ms.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "attune/v1/attune.pb.h"
#include "sim/physiology_model.hpp"

namespace attune::sim {

class BatchBuilder : public Sink {
 public:
  void on_beat(Seat seat, const SimBeat& beat) override;
  void on_respiration(Seat seat, std::int64_t t_ms, double value) override;

  // Everything collected for the seat since the last take(); the buffers are
  // emptied. A seat with nothing gives an empty batch.
  attune::v1::SampleBatch take(Seat seat);

  // The seat's clock reads true time + offset_ms (rounded to whole ms here:
  // the wire's data times are whole ms).
  void set_clock_offset_ms(Seat seat, double offset_ms);
  std::int64_t clock_offset_ms(Seat seat) const { return offset_ms_[static_cast<int>(seat)]; }

 private:
  struct Pending {
    std::vector<SimBeat> beats;
    std::int64_t resp_t0_ms = 0;
    std::vector<double> resp;
  };
  std::array<Pending, kSeatCount> pending_;
  std::array<std::int64_t, kSeatCount> offset_ms_{};
};

// The streams each seat declares in its Hello.
void declare_streams(attune::v1::Hello& hello);

}  // namespace attune::sim
