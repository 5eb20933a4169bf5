#include "core/resonance_estimate.hpp"

#include <cmath>

namespace attune::core {

ResonanceEstimate::ResonanceEstimate(ResonanceConfig config) : cfg_(config) {
  if (!(cfg_.bin_bpm > 0.0) || !std::isfinite(cfg_.bin_bpm)) cfg_.bin_bpm = 0.5;
  if (cfg_.min_rates < 1) cfg_.min_rates = 1;
}

void ResonanceEstimate::add_second(std::optional<double> pacer_rate_bpm, std::optional<double> entrainment_plv,
                                   std::optional<double> lf_ms2) {
  if (!pacer_rate_bpm || !std::isfinite(*pacer_rate_bpm) || *pacer_rate_bpm <= 0.0) {
    current_bin_.reset();  // a stopped pacer starts the settling over
    seconds_in_bin_ = 0;
    return;
  }
  const long bin = std::lround(*pacer_rate_bpm / cfg_.bin_bpm);
  if (current_bin_ != bin) {
    current_bin_ = bin;
    seconds_in_bin_ = 0;
  }
  ++seconds_in_bin_;
  if (seconds_in_bin_ <= cfg_.settle_s) return;
  if (!entrainment_plv || !(*entrainment_plv >= cfg_.follow_plv_min)) return;
  if (!lf_ms2 || !std::isfinite(*lf_ms2) || *lf_ms2 < 0.0) return;
  Bin& b = bins_[bin];
  ++b.seconds;
  b.sum_lf_ms2 += *lf_ms2;
}

std::optional<double> ResonanceEstimate::rate_bpm() const {
  std::size_t rates = 0;
  std::optional<long> best;
  double best_mean = 0.0;
  for (const auto& [key, b] : bins_) {
    if (b.seconds < cfg_.min_seconds) continue;
    ++rates;
    const double mean = b.sum_lf_ms2 / static_cast<double>(b.seconds);
    if (!best || mean > best_mean) {
      best = key;
      best_mean = mean;
    }
  }
  if (!best || rates < cfg_.min_rates) return std::nullopt;
  return static_cast<double>(*best) * cfg_.bin_bpm;
}

}  // namespace attune::core
