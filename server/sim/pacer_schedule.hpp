// The shared breathing pacer as the simulated people see it: a pattern and an
// epoch, nothing else. Pure (no protobuf, no clock), so the model and its
// tests use it directly; the command fills it from the server's PacerState.
//
// Pacer phase at instant t: ((t - epoch) mod period) / period, period = the
// sum of the pattern parts; phase 0 is the start of the inhale. The epoch is
// in whatever time base the caller evaluates it in: the model evaluates it in
// its own data time, so the command converts the server's epoch (server
// clock) into model time for each seat (see simulate_command.cpp).
#pragma once

#include <cstdint>

namespace attune::sim {

struct PacerPatternParts {
  double inhale_s = 4.0;
  double hold_in_s = 0.0;
  double exhale_s = 6.0;
  double hold_out_s = 0.0;

  double period_s() const { return inhale_s + hold_in_s + exhale_s + hold_out_s; }
};

// Which part of the pattern a phase falls in.
enum class PacerPart { Inhale, HoldIn, Exhale, HoldOut };

struct PacerSchedule {
  bool running = false;
  std::int64_t epoch_us = 0;  // in the evaluating time base (model: data time)
  PacerPatternParts pattern;

  // A pattern whose period is rate-consistent: 60 / rate_bpm split 40:60
  // between inhale and exhale (used when a PacerState has no pattern).
  static PacerPatternParts pattern_for_rate(double rate_bpm);

  bool valid() const { return running && pattern.period_s() > 0.0; }
  double rate_bpm() const { return pattern.period_s() > 0.0 ? 60.0 / pattern.period_s() : 0.0; }

  // 0..1; 0 when not valid().
  double phase_at_us(std::int64_t t_us) const;
  double phase_at_ms(std::int64_t t_ms) const { return phase_at_us(t_ms * 1000); }

  PacerPart part_at(double phase) const;

  // How full the lungs should be at this pacer phase, 0..1: rising through
  // the inhale, 1 through the hold, falling through the exhale, 0 through the
  // last hold. Drives the `[in ====    ]` bar.
  double fill_at(double phase) const;

  // The breathing phase (cycles, 0..1) of someone following the pacer
  // exactly, in the model's convention where the waveform is sin(2 pi phi):
  // inhale start (empty lungs) is phi = 0.75, inhale end 0.25 (next cycle),
  // exhale end 0.75. Holds keep phi still. So the waveform goes from its
  // minimum to its maximum through the inhale, stays at the top through
  // hold_in, falls through the exhale and stays at the bottom through hold_out.
  double breath_phase_at(double pacer_phase) const;
};

}  // namespace attune::sim
