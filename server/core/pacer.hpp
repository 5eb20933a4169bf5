// The shared breathing pacer (SYNCHRONY.md "Pacing"; docs/prompts.md "The
// pacer"). Pure values: no clock, no I/O; time enters as data.
//
// Time unit: microseconds on the server clock (int64), as on the wire
// (PacerState.epoch_us, ServerMessage.server_time_us). The *_ms helpers take
// milliseconds (double) for code that works in data time, such as the
// entrainment of a respiration waveform.
//
// Phase: phase(t) = ((t - epoch) mod period) / period, in [0, 1); 0 is the
// start of the inhale, then inhale, hold, exhale, hold in that order.
//
// Epoch precision: the epoch is held as whole microseconds plus a fraction
// of a microsecond, so that a retune keeps the phase continuous to ~1e-15
// (a whole-microsecond epoch alone would jump by up to 0.5 us / period,
// ~5e-8 of a cycle). The wire carries epoch_us(), the epoch rounded to the
// nearest microsecond: a client drawing from it is off by at most 0.5 us.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace attune::core {

// Limits (the protocol's; docs/protocol.md "PacerPattern").
inline constexpr double kPacerMinPartS = 0.5;   // a non-zero part is at least this long
inline constexpr double kPacerMaxPartS = 30.0;  // and at most this long
inline constexpr double kPacerMinRateBpm = 3.0;
inline constexpr double kPacerMaxRateBpm = 30.0;
inline constexpr double kPacerDefaultTargetBpm = 6.0;  // Lehrer, Vaschillo & Vaschillo 2000

struct PacerPattern {
  double inhale_s = 4.0, hold_in_s = 0.0, exhale_s = 6.0, hold_out_s = 0.0;

  double period_s() const { return inhale_s + hold_in_s + exhale_s + hold_out_s; }
  // Breaths per minute: 60 / period (0 when the period is not positive).
  double rate_bpm() const {
    const double p = period_s();
    return p > 0.0 ? 60.0 / p : 0.0;
  }
};

bool operator==(const PacerPattern& a, const PacerPattern& b);
inline bool operator!=(const PacerPattern& a, const PacerPattern& b) { return !(a == b); }

// nullopt when the pattern is usable; otherwise one sentence for people
// saying what is wrong: every part finite, each part 0 or 0.5-30 s, inhale
// and exhale above 0, rate within 3-30 breaths/min.
std::optional<std::string> pattern_problem(const PacerPattern& p);

// nullopt when rate_bpm is a usable pacer rate (finite, 3-30 breaths/min);
// otherwise a sentence.
std::optional<std::string> rate_problem(double rate_bpm);

// The same pattern stretched or shrunk (every part by the same factor, so the
// ratios are kept) to rate_bpm. When rate_bpm is not finite and positive, or
// the pattern's period is not positive, returns p unchanged. The result is
// not checked: shrinking can take a short hold below 0.5 s, so check it with
// pattern_problem.
PacerPattern scale_to_rate(const PacerPattern& p, double rate_bpm);

// Phase in [0, 1) of a pacer drawn from the wire's values: pattern, epoch_us
// and t_us on the same clock (a client adds its clock offset to the epoch).
// 0 when the pattern's period is not positive.
double pacer_phase(const PacerPattern& pattern, std::int64_t epoch_us, std::int64_t t_us);

// The room's pacer: whether it runs, its pattern, epoch, target and whether it
// adapts (adaptive_pacing.hpp). A value type (copy it freely). Times of
// successive changes should not decrease; a change dated
// before the previous one is taken as happening at the previous one.
//
// It also remembers the recent past (what ran when, for history_us: 120 s by
// default) so that the entrainment of the last 30 s can compare a breath with
// the phase the pacer really had at that moment, across retunes and rate
// steps (phase_history_at_*).
class PacerSchedule {
 public:
  static constexpr std::int64_t kDefaultHistoryUs = 120'000'000;

  PacerSchedule() = default;

  bool running() const { return running_; }
  const PacerPattern& pattern() const { return pattern_; }
  double rate_bpm() const { return pattern_.rate_bpm(); }
  double target_rate_bpm() const { return target_rate_bpm_; }
  bool adaptive() const { return adaptive_; }
  // The epoch for the wire: start of an inhale, rounded to whole microseconds.
  std::int64_t epoch_us() const;
  // When the pacer last started (nullopt when it never ran).
  std::optional<std::int64_t> started_at_us() const { return started_at_us_; }

  // Phase at t of the current pattern and epoch (what a client draws from the
  // current PacerState), in [0, 1). Meaningful while running; when stopped it
  // is the phase the last pattern would have had.
  double phase_at(std::int64_t t_us) const;
  double phase_at_ms(double t_ms) const;

  // The phase the pacer actually had at t: nullopt when it was not running
  // then, or t is older than the remembered history.
  std::optional<double> phase_history_at_us(std::int64_t t_us) const;
  std::optional<double> phase_history_at_ms(double t_ms) const;
  // True when the pacer ran without a stop throughout [from, to] (as far as
  // the history remembers).
  bool ran_throughout_ms(double from_ms, double to_ms) const;

  // Starts (or restarts) the pacer at t with an inhale beginning at t. On a
  // bad pattern returns the problem and changes nothing.
  std::optional<std::string> start(const PacerPattern& pattern, std::int64_t t_us);
  // Stops it at t (the pattern, target and adaptivity are kept).
  void stop(std::int64_t t_us);
  // Changes the pattern at t; while running, the epoch moves so that the
  // phase at t is the same before and after. On a bad pattern returns the
  // problem and changes nothing. When stopped, only the pattern changes.
  std::optional<std::string> retune(const PacerPattern& pattern, std::int64_t t_us);
  // Retunes to the current pattern scaled to rate_bpm (ratios kept).
  std::optional<std::string> set_rate(double rate_bpm, std::int64_t t_us);
  // Target rate for adaptive pacing (3-30 breaths/min); on a bad rate
  // returns the problem and changes nothing.
  std::optional<std::string> set_target_rate(double rate_bpm);
  void set_adaptive(bool on) { adaptive_ = on; }

  // How far back the history reaches (>= the entrainment window + edges).
  void set_history_us(std::int64_t us) { history_us_ = us > 0 ? us : 0; }

 private:
  // One stretch of time from from_us on with one pattern and epoch (or
  // stopped). The epoch is epoch_int_us + epoch_frac_us, frac in [0, 1).
  struct Segment {
    std::int64_t from_us = 0;
    bool running = false;
    PacerPattern pattern;
    std::int64_t epoch_int_us = 0;
    double epoch_frac_us = 0.0;
  };
  static double phase_of(const PacerPattern& p, std::int64_t epoch_int_us, double epoch_frac_us,
                         std::int64_t t_int_us, double t_frac_us);
  std::int64_t clamp_time(std::int64_t t_us) const;
  void push_segment(std::int64_t t_us);
  const Segment* segment_at(std::int64_t t_int_us, double t_frac_us) const;

  bool running_ = false;
  PacerPattern pattern_{};
  double target_rate_bpm_ = kPacerDefaultTargetBpm;
  bool adaptive_ = true;
  std::int64_t epoch_int_us_ = 0;
  double epoch_frac_us_ = 0.0;
  std::optional<std::int64_t> started_at_us_;
  std::optional<std::int64_t> last_change_us_;
  std::int64_t history_us_ = kDefaultHistoryUs;
  std::vector<Segment> history_;  // by from_us, increasing
};

}  // namespace attune::core
