#include "sim/pacer_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace attune::sim {

PacerPatternParts PacerSchedule::pattern_for_rate(double rate_bpm) {
  PacerPatternParts p;
  if (!(rate_bpm > 0.0)) return p;
  const double period = 60.0 / rate_bpm;
  p.inhale_s = 0.4 * period;
  p.hold_in_s = 0.0;
  p.exhale_s = 0.6 * period;
  p.hold_out_s = 0.0;
  return p;
}

double PacerSchedule::phase_at_us(std::int64_t t_us) const {
  if (!valid()) return 0.0;
  const double period_us = pattern.period_s() * 1e6;
  // Integer difference first: epochs are ~1.7e15 us, too big for the
  // fraction to survive in a double.
  const double dt = static_cast<double>(t_us - epoch_us);
  double ph = std::fmod(dt, period_us) / period_us;
  if (ph < 0.0) ph += 1.0;
  if (ph >= 1.0) ph = 0.0;
  return ph;
}

PacerPart PacerSchedule::part_at(double phase) const {
  const double T = pattern.period_s();
  if (!(T > 0.0)) return PacerPart::Inhale;
  const double t = phase * T;
  if (t < pattern.inhale_s) return PacerPart::Inhale;
  if (t < pattern.inhale_s + pattern.hold_in_s) return PacerPart::HoldIn;
  if (t < pattern.inhale_s + pattern.hold_in_s + pattern.exhale_s) return PacerPart::Exhale;
  return PacerPart::HoldOut;
}

double PacerSchedule::fill_at(double phase) const {
  const double T = pattern.period_s();
  if (!(T > 0.0)) return 0.0;
  const double t = phase * T;
  const double in_end = pattern.inhale_s;
  const double hold_end = in_end + pattern.hold_in_s;
  const double ex_end = hold_end + pattern.exhale_s;
  if (t < in_end) return in_end > 0.0 ? t / in_end : 1.0;
  if (t < hold_end) return 1.0;
  if (t < ex_end) return pattern.exhale_s > 0.0 ? 1.0 - (t - hold_end) / pattern.exhale_s : 0.0;
  return 0.0;
}

double PacerSchedule::breath_phase_at(double pacer_phase) const {
  const double T = pattern.period_s();
  double phi = 0.75;
  if (T > 0.0) {
    const double t = pacer_phase * T;
    const double in_end = pattern.inhale_s;
    const double hold_end = in_end + pattern.hold_in_s;
    const double ex_end = hold_end + pattern.exhale_s;
    if (t < in_end)
      phi = 0.75 + 0.5 * (in_end > 0.0 ? t / in_end : 1.0);
    else if (t < hold_end)
      phi = 1.25;
    else if (t < ex_end)
      phi = 1.25 + 0.5 * (pattern.exhale_s > 0.0 ? (t - hold_end) / pattern.exhale_s : 1.0);
    else
      phi = 1.75;
  }
  phi -= std::floor(phi);
  return phi;
}

}  // namespace attune::sim
