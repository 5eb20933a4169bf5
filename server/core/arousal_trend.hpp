// "Both arousal indices rising together": the second half of SYNCHRONY.md's
// CO_ESCALATION ("both ACTIVATED, or both arousal indices rising together
// (arousal concordance high and rising)"). The thresholds are ours
// (docs/metrics.md "CO_ESCALATION by rising arousal"):
//
// At second T, with W = co_rise_window_ms, rising together holds when
//   - both published arousal indices exist at every second in (T - W, T],
//     and the least-squares slope of each over those seconds is at least
//     co_rise_min_slope_per_min (arousal units per minute);
//   - both indices at T are at least co_rise_min_arousal (the floor: a
//     climb from well below baseline back toward it is not escalation);
//   - the arousal concordance r at T (the 60 s Pearson r of the pair) is at
//     least co_rise_min_concordance, and it has risen by at least
//     co_rise_min_concordance_gain since T - W (r at T - W must exist).
// The engine feeds every second of the A-B pair; seconds must come in order.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/engine_config.hpp"
#include "core/ring_queue.hpp"

namespace attune::core {

struct ArousalTrendThresholds {
  std::int64_t window_ms = 20000;
  double min_slope_per_min = 2.0;
  double min_arousal = 0.5;
  double min_concordance = 0.5;
  double min_concordance_gain = 0.05;
  static ArousalTrendThresholds from(const EngineConfig& cfg);
};

// Least-squares slope (units per second) of y against t (seconds); nullopt
// for fewer than 2 points or no spread in t.
std::optional<double> least_squares_slope(const double* t_s, const double* y, std::size_t n);

class ArousalTrend {
 public:
  explicit ArousalTrend(ArousalTrendThresholds thresholds);

  // Feeds second T and answers whether both indices are rising together at T.
  bool step(std::int64_t t_ms, std::optional<double> arousal_first,
            std::optional<double> arousal_second, std::optional<double> concordance_r);

 private:
  struct Row {
    std::int64_t t_ms;
    std::optional<double> a1, a2, r;
  };
  ArousalTrendThresholds th_;
  RingQueue<Row> rows_;  // the seconds in [T - W, T]
};

}  // namespace attune::core
