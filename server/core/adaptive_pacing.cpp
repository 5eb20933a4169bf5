#include "core/adaptive_pacing.hpp"

#include <algorithm>
#include <cmath>

namespace attune::core {

double initial_rate(std::optional<double> breath_rate_a, std::optional<double> breath_rate_b,
                    double target, double fallback) {
  auto usable = [](const std::optional<double>& r) { return r && std::isfinite(*r) && *r > 0.0; };
  if (!std::isfinite(target)) target = kPacerDefaultTargetBpm;
  double rate;
  if (usable(breath_rate_a) && usable(breath_rate_b)) {
    rate = std::min(*breath_rate_a, *breath_rate_b);
  } else if (usable(breath_rate_a)) {
    rate = *breath_rate_a;
  } else if (usable(breath_rate_b)) {
    rate = *breath_rate_b;
  } else {
    rate = std::isfinite(fallback) ? fallback : kPacerDefaultTargetBpm;
  }
  rate = std::max(rate, target);
  return std::clamp(rate, kPacerMinRateBpm, kPacerMaxRateBpm);
}

bool both_following(std::optional<double> plv_a, std::optional<double> plv_b,
                    const AdaptivePacingConfig& cfg) {
  return plv_a && plv_b && *plv_a >= cfg.follow_plv_min && *plv_b >= cfg.follow_plv_min;
}

bool step(PacerSchedule& schedule, std::int64_t t_us, bool following, double dt_s,
          const AdaptivePacingConfig& cfg) {
  if (!schedule.running() || !schedule.adaptive() || !following) return false;
  if (!std::isfinite(dt_s) || dt_s <= 0.0) return false;
  const double dt = std::min(dt_s, cfg.max_dt_s);
  const double max_change = std::max(0.0, cfg.max_step_bpm_per_min) * dt / 60.0;
  const double rate = schedule.rate_bpm();
  const double target = schedule.target_rate_bpm();
  // At the target (to rounding: the rate is 60 / the scaled period): hold.
  if (std::fabs(rate - target) < 1e-9 || max_change <= 0.0) return false;
  const double next = rate > target ? std::max(target, rate - max_change)
                                    : std::min(target, rate + max_change);
  if (schedule.set_rate(next, t_us)) return false;  // scaled pattern not valid: hold
  return true;
}

}  // namespace attune::core
