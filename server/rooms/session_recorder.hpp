// Writes a session's aligned input streams (server clock) in the replay
// format `participant,stream,t_ms,value`, so that `attune replay` on the file
// reproduces the values the room published live: besides the samples it
// writes the room's own steps (data-time advances, device flags, waveform
// chunks, stored baselines; replay/recording_format.hpp), so the replay makes
// the live room's engine calls in the live order even when one partner's
// data arrived late. Only for rooms created with
// the recording consent flag, and only when the server has a recordings
// folder configured (DESIGN.md: raw samples are not stored by default).
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "attune/v1/attune.pb.h"
#include "core/stored_baseline.hpp"
#include "core/types.hpp"

namespace attune::rooms {

class SessionRecorder {
 public:
  // Opens <folder>/<session_id>.csv; `ok()` tells whether it could.
  SessionRecorder(const std::string& folder, const std::string& session_id);
  ~SessionRecorder();
  SessionRecorder(const SessionRecorder&) = delete;
  SessionRecorder& operator=(const SessionRecorder&) = delete;

  bool ok() const { return file_ != nullptr; }
  const std::string& path() const { return path_; }
  // One validated batch, its times already on the server clock.
  void record(core::Seat seat, const v1::SampleBatch& batch);
  // The room advanced the engine's data time to data_time_ms.
  void advance(std::int64_t data_time_ms);
  // The room handed a stored baseline to the engine (accepted or not: the
  // engine decides the same way on replay).
  void stored_baseline(core::Seat seat, const core::StoredBaseline& stored, std::int64_t data_time_ms);
  void flush();

 private:
  void row(const char* participant, const char* stream, std::int64_t t_ms, double value);

  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace attune::rooms
