// Writes a session's aligned input streams (server clock) in the replay
// format `participant,stream,t_ms,value`, so that `attune replay` on the file
// reproduces the values the room published live. Only for rooms created with
// the recording consent flag, and only when the server has a recordings
// folder configured (DESIGN.md: raw samples are not stored by default).
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "attune/v1/attune.pb.h"
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
  void flush();

 private:
  void row(char participant, const char* stream, std::int64_t t_ms, double value);

  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace attune::rooms
