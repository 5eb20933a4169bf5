// Feeding CSV rows to the synchrony core, the two ways `attune replay` knows
// (docs/metrics.md "Recordings"):
//   in time order  any CSV: rows sorted by t_ms (stable), each second closed
//                  before the first row after it, a final advance to the
//                  last row; recording-only rows are counted and not used.
//   as recorded    a server recording (it has `advance` rows): rows in file
//                  order, the engine advanced only where the room advanced,
//                  beats with their device flags, waveform chunks as they
//                  came, stored baselines where the room handed them over;
//                  no final advance (the room's summary has none). The calls
//                  are the live room's calls, so the values are its values.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/synchrony_engine.hpp"
#include "replay/csv_reader.hpp"

namespace attune::replay {

struct FeedReport {
  std::array<std::uint64_t, kStreamCount> rows{};  // per stream
  std::uint64_t beats_ignored = 0;   // duplicates, backwards, unusable times
  std::uint64_t resp_ignored = 0;    // non-finite or out-of-order samples
  bool as_recorded = false;
};

using SnapshotSink = std::function<void(const core::Snapshot&)>;

// True when the rows carry the room's own `advance` steps.
bool is_server_recording(const std::vector<Sample>& samples);

// Sorts `samples` by time (stable) and feeds them.
FeedReport feed_in_time_order(std::vector<Sample>& samples, core::SynchronyEngine& engine,
                              const SnapshotSink& sink);

FeedReport feed_as_recorded(const std::vector<Sample>& samples, core::SynchronyEngine& engine,
                            const SnapshotSink& sink);

}  // namespace attune::replay
