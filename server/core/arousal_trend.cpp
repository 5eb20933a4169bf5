#include "core/arousal_trend.hpp"

#include <cmath>

namespace attune::core {

ArousalTrendThresholds ArousalTrendThresholds::from(const EngineConfig& cfg) {
  return {cfg.co_rise_window_ms, cfg.co_rise_min_slope_per_min, cfg.co_rise_min_arousal,
          cfg.co_rise_min_concordance, cfg.co_rise_min_concordance_gain};
}

std::optional<double> least_squares_slope(const double* t_s, const double* y, std::size_t n) {
  if (n < 2) return std::nullopt;
  double mt = 0.0, my = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    mt += t_s[i];
    my += y[i];
  }
  mt /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double stt = 0.0, sty = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    stt += (t_s[i] - mt) * (t_s[i] - mt);
    sty += (t_s[i] - mt) * (y[i] - my);
  }
  if (!(stt > 0.0)) return std::nullopt;
  const double slope = sty / stt;
  if (!std::isfinite(slope)) return std::nullopt;
  return slope;
}

ArousalTrend::ArousalTrend(ArousalTrendThresholds thresholds) : th_(thresholds) {}

bool ArousalTrend::step(std::int64_t t_ms, std::optional<double> a1, std::optional<double> a2,
                        std::optional<double> r) {
  // The window's seconds and the one arriving, in one allocation of that
  // size (a doubling ring would round 22 rows up to 32).
  if (rows_.capacity() == 0 && th_.window_ms >= 0) {
    rows_.reserve(static_cast<std::size_t>(th_.window_ms / 1000) + 2);
  }
  rows_.push_back({t_ms, a1, a2, r});
  while (!rows_.empty() && rows_.front().t_ms < t_ms - th_.window_ms) rows_.pop_front();

  // Floor and concordance at T, concordance at T - W.
  if (!a1 || !a2 || !r) return false;
  if (*a1 < th_.min_arousal || *a2 < th_.min_arousal || *r < th_.min_concordance) return false;
  const Row& oldest = rows_.front();
  if (oldest.t_ms != t_ms - th_.window_ms || !oldest.r) return false;
  if (*r - *oldest.r < th_.min_concordance_gain) return false;

  // Slopes over (T - W, T]: every second present, both indices at each.
  const auto expected = static_cast<std::size_t>(th_.window_ms / 1000);
  // Scratch per thread, not per room (memory, issue 3): no allocation once warm.
  thread_local std::vector<double> t, y1, y2;
  t.clear();
  y1.clear();
  y2.clear();
  for (const Row& row : rows_) {
    if (row.t_ms <= t_ms - th_.window_ms) continue;
    if (!row.a1 || !row.a2) return false;
    t.push_back(static_cast<double>(row.t_ms - t_ms) / 1000.0);
    y1.push_back(*row.a1);
    y2.push_back(*row.a2);
  }
  if (t.size() != expected) return false;
  const auto s1 = least_squares_slope(t.data(), y1.data(), t.size());
  const auto s2 = least_squares_slope(t.data(), y2.data(), t.size());
  if (!s1 || !s2) return false;
  return *s1 * 60.0 >= th_.min_slope_per_min && *s2 * 60.0 >= th_.min_slope_per_min;
}

}  // namespace attune::core
