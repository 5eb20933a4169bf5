// Collects what the model emits into one SampleBatch per seat per send
// interval (beats plus one RESPIRATION waveform chunk at 25 Hz).
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

 private:
  struct Pending {
    std::vector<SimBeat> beats;
    std::int64_t resp_t0_ms = 0;
    std::vector<double> resp;
  };
  std::array<Pending, kSeatCount> pending_;
};

// The streams each seat declares in its Hello.
void declare_streams(attune::v1::Hello& hello);

}  // namespace attune::sim
