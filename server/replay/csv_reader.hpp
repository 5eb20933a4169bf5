// Reader of the replay CSV: header `participant,stream,t_ms,value`, then one
// sample per line. participant: A, B or C (clinician); stream: rr (value =
// RR interval in ms, t_ms = time of the beat that ends it), hr (bpm), resp
// (one respiration waveform sample), eda (microsiemens), motion (g); t_ms an
// integer (ms); value a finite number. A server recording adds rows of its
// own (recording_format.hpp; participant `*` for the room's `advance`).
// Blank lines and lines starting with '#' are skipped. A bad line is reported
// with its number and reason and skipped; it never stops the others.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "core/types.hpp"

namespace attune::replay {

enum class Stream : std::uint8_t {
  Rr, Hr, Resp, Eda, Motion,
  // Recording rows (recording_format.hpp), in that header's order.
  Advance, RrFlags, RespRate,
  BaselineHrMedian, BaselineHrScale, BaselineLnRmssdMedian, BaselineLnRmssdScale,
  BaselineBreathMedian, BaselineBreathScale, StoredBaseline,
};
inline constexpr std::size_t kStreamCount = static_cast<std::size_t>(Stream::StoredBaseline) + 1;

struct Sample {
  core::Seat seat = core::Seat::A;  // A for the room's own rows (participant `*`)
  Stream stream = Stream::Rr;
  std::int64_t t_ms = 0;
  double value = 0.0;
  std::size_t line = 0;
};

struct CsvResult {
  std::vector<Sample> samples;            // in file order
  std::vector<std::string> errors;        // "line N: reason", at most max_errors kept
  std::size_t bad_lines = 0;
  bool header_ok = false;
};

CsvResult read_replay_csv(std::istream& in, std::size_t max_errors = 20);

const char* stream_name(Stream s);

}  // namespace attune::replay
