#include "core/pacer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace attune::core {
namespace {

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

constexpr std::size_t kMaxSegments = 4096;
constexpr double kMaxAbsMs = 1125899906842624.0;  // 2^50 ms: beyond it times are unusable

// a - b exactly when it fits in int64, else in double (no signed overflow).
double difference(std::int64_t a, std::int64_t b) {
  std::int64_t d;
  if (!__builtin_sub_overflow(a, b, &d)) return static_cast<double>(d);
  return static_cast<double>(a) - static_cast<double>(b);
}

}  // namespace

bool operator==(const PacerPattern& a, const PacerPattern& b) {
  return a.inhale_s == b.inhale_s && a.hold_in_s == b.hold_in_s && a.exhale_s == b.exhale_s &&
         a.hold_out_s == b.hold_out_s;
}

std::optional<std::string> pattern_problem(const PacerPattern& p) {
  const struct {
    const char* name;
    double v;
  } parts[] = {{"inhale_s", p.inhale_s},
               {"hold_in_s", p.hold_in_s},
               {"exhale_s", p.exhale_s},
               {"hold_out_s", p.hold_out_s}};
  for (const auto& part : parts) {
    if (!std::isfinite(part.v)) {
      return std::string("The breathing pattern's ") + part.name + " is not a finite number of seconds.";
    }
    if (part.v < 0.0) {
      return std::string("The breathing pattern's ") + part.name + " is " + num(part.v) +
             " s; a part cannot be negative.";
    }
    if (part.v != 0.0 && (part.v < kPacerMinPartS || part.v > kPacerMaxPartS)) {
      return std::string("The breathing pattern's ") + part.name + " is " + num(part.v) +
             " s; each part must be 0 or between 0.5 and 30 s.";
    }
  }
  if (p.inhale_s <= 0.0 || p.exhale_s <= 0.0) {
    return std::string("The breathing pattern needs an inhale and an exhale longer than 0 s.");
  }
  const double rate = p.rate_bpm();
  if (rate < kPacerMinRateBpm || rate > kPacerMaxRateBpm) {
    return "The breathing pattern's rate is " + num(rate) + " breaths/min (a " +
           num(p.period_s()) + " s cycle); it must lie within 3-30 breaths/min.";
  }
  return std::nullopt;
}

std::optional<std::string> rate_problem(double rate_bpm) {
  if (!std::isfinite(rate_bpm)) return std::string("The pacer rate is not a finite number.");
  if (rate_bpm < kPacerMinRateBpm || rate_bpm > kPacerMaxRateBpm) {
    return "The pacer rate " + num(rate_bpm) + " breaths/min is outside 3-30 breaths/min.";
  }
  return std::nullopt;
}

PacerPattern scale_to_rate(const PacerPattern& p, double rate_bpm) {
  const double period = p.period_s();
  if (!std::isfinite(rate_bpm) || !(rate_bpm > 0.0) || !std::isfinite(period) || !(period > 0.0)) {
    return p;
  }
  const double k = (60.0 / rate_bpm) / period;
  return {p.inhale_s * k, p.hold_in_s * k, p.exhale_s * k, p.hold_out_s * k};
}

double pacer_phase(const PacerPattern& pattern, std::int64_t epoch_us, std::int64_t t_us) {
  const double period_us = pattern.period_s() * 1e6;
  if (!std::isfinite(period_us) || !(period_us > 0.0)) return 0.0;
  double r = std::fmod(difference(t_us, epoch_us), period_us);
  if (r < 0.0) r += period_us;
  const double ph = r / period_us;
  return ph >= 1.0 ? 0.0 : ph;
}

// ---------------------------------------------------------------- PacerSchedule

double PacerSchedule::phase_of(const PacerPattern& p, std::int64_t epoch_int_us,
                               double epoch_frac_us, std::int64_t t_int_us, double t_frac_us) {
  const double period_us = p.period_s() * 1e6;
  if (!std::isfinite(period_us) || !(period_us > 0.0)) return 0.0;
  const double dt = difference(t_int_us, epoch_int_us) + (t_frac_us - epoch_frac_us);
  double r = std::fmod(dt, period_us);
  if (r < 0.0) r += period_us;
  const double ph = r / period_us;
  return ph >= 1.0 ? 0.0 : ph;
}

namespace {
// Milliseconds (double) as whole microseconds plus a fraction in [0, 1).
void split_ms(double t_ms, std::int64_t& whole_us, double& frac_us) {
  const double ms_floor = std::floor(t_ms);
  const double rem_us = (t_ms - ms_floor) * 1000.0;  // [0, 1000)
  const double rem_floor = std::floor(rem_us);
  whole_us = static_cast<std::int64_t>(ms_floor) * 1000 + static_cast<std::int64_t>(rem_floor);
  frac_us = rem_us - rem_floor;
}
}  // namespace

std::int64_t PacerSchedule::epoch_us() const {
  return epoch_int_us_ + (epoch_frac_us_ >= 0.5 ? 1 : 0);
}

double PacerSchedule::phase_at(std::int64_t t_us) const {
  return phase_of(pattern_, epoch_int_us_, epoch_frac_us_, t_us, 0.0);
}

double PacerSchedule::phase_at_ms(double t_ms) const {
  if (!std::isfinite(t_ms) || std::fabs(t_ms) > kMaxAbsMs) return 0.0;
  std::int64_t w;
  double f;
  split_ms(t_ms, w, f);
  return phase_of(pattern_, epoch_int_us_, epoch_frac_us_, w, f);
}

const PacerSchedule::Segment* PacerSchedule::segment_at(std::int64_t t_int_us,
                                                        double /*t_frac_us*/) const {
  // Last segment with from_us <= t (from_us is whole, t_frac in [0, 1)).
  auto it = std::upper_bound(history_.begin(), history_.end(), t_int_us,
                             [](std::int64_t t, const Segment& s) { return t < s.from_us; });
  if (it == history_.begin()) return nullptr;
  return &*(it - 1);
}

std::optional<double> PacerSchedule::phase_history_at_us(std::int64_t t_us) const {
  const Segment* s = segment_at(t_us, 0.0);
  if (!s || !s->running) return std::nullopt;
  return phase_of(s->pattern, s->epoch_int_us, s->epoch_frac_us, t_us, 0.0);
}

std::optional<double> PacerSchedule::phase_history_at_ms(double t_ms) const {
  if (!std::isfinite(t_ms) || std::fabs(t_ms) > kMaxAbsMs) return std::nullopt;
  std::int64_t w;
  double f;
  split_ms(t_ms, w, f);
  const Segment* s = segment_at(w, f);
  if (!s || !s->running) return std::nullopt;
  return phase_of(s->pattern, s->epoch_int_us, s->epoch_frac_us, w, f);
}

bool PacerSchedule::ran_throughout_ms(double from_ms, double to_ms) const {
  if (!std::isfinite(from_ms) || !std::isfinite(to_ms) || to_ms < from_ms ||
      std::fabs(from_ms) > kMaxAbsMs || std::fabs(to_ms) > kMaxAbsMs) {
    return false;
  }
  std::int64_t from_w, to_w;
  double f;
  split_ms(from_ms, from_w, f);
  split_ms(to_ms, to_w, f);
  auto it = std::upper_bound(history_.begin(), history_.end(), from_w,
                             [](std::int64_t t, const Segment& s) { return t < s.from_us; });
  if (it == history_.begin()) return false;
  for (--it; it != history_.end() && it->from_us <= to_w; ++it) {
    if (!it->running) return false;
  }
  return true;
}

std::int64_t PacerSchedule::clamp_time(std::int64_t t_us) const {
  return (last_change_us_ && t_us < *last_change_us_) ? *last_change_us_ : t_us;
}

void PacerSchedule::push_segment(std::int64_t t_us) {
  last_change_us_ = t_us;
  Segment seg{t_us, running_, pattern_, epoch_int_us_, epoch_frac_us_};
  if (!history_.empty() && history_.back().from_us == t_us) {
    history_.back() = seg;
  } else {
    history_.push_back(seg);
  }
  // Forget segments that ended before the horizon (keep the one covering it).
  const std::int64_t horizon = t_us - history_us_;
  std::size_t drop = 0;
  while (drop + 1 < history_.size() && history_[drop + 1].from_us <= horizon) ++drop;
  if (history_.size() - drop > kMaxSegments) drop = history_.size() - kMaxSegments;
  if (drop > 0) history_.erase(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(drop));
}

std::optional<std::string> PacerSchedule::start(const PacerPattern& pattern, std::int64_t t_us) {
  if (auto problem = pattern_problem(pattern)) return problem;
  t_us = clamp_time(t_us);
  pattern_ = pattern;
  running_ = true;
  epoch_int_us_ = t_us;
  epoch_frac_us_ = 0.0;
  started_at_us_ = t_us;
  push_segment(t_us);
  return std::nullopt;
}

void PacerSchedule::stop(std::int64_t t_us) {
  if (!running_) return;
  t_us = clamp_time(t_us);
  running_ = false;
  push_segment(t_us);
}

std::optional<std::string> PacerSchedule::retune(const PacerPattern& pattern, std::int64_t t_us) {
  if (auto problem = pattern_problem(pattern)) return problem;
  if (!running_) {
    pattern_ = pattern;
    return std::nullopt;
  }
  t_us = clamp_time(t_us);
  const double ph = phase_at(t_us);
  // New epoch = t - ph * period': the last inhale start (of the new pattern)
  // at or before t, kept as whole us + fraction so the phase at t is exact.
  const double offset_us = ph * pattern.period_s() * 1e6;
  const double offset_ceil = std::ceil(offset_us);
  epoch_int_us_ = t_us - static_cast<std::int64_t>(offset_ceil);
  epoch_frac_us_ = offset_ceil - offset_us;
  if (epoch_frac_us_ >= 1.0) epoch_frac_us_ = 0.0;
  pattern_ = pattern;
  push_segment(t_us);
  return std::nullopt;
}

std::optional<std::string> PacerSchedule::set_rate(double rate_bpm, std::int64_t t_us) {
  if (auto problem = rate_problem(rate_bpm)) return problem;
  return retune(scale_to_rate(pattern_, rate_bpm), t_us);
}

std::optional<std::string> PacerSchedule::set_target_rate(double rate_bpm) {
  if (auto problem = rate_problem(rate_bpm)) return problem;
  target_rate_bpm_ = rate_bpm;
  return std::nullopt;
}

}  // namespace attune::core
