// A person's resonance breathing rate, estimated from the seconds in which
// the shared pacer runs and the person follows it (SYNCHRONY.md "Pacing";
// docs/metrics.md "Resonance rate").
//
// Method (Lehrer, Vaschillo & Vaschillo 2000, Appl Psychophysiol Biofeedback
// 25:177): breathe at several rates around 0.1 Hz and take as the resonance
// frequency the rate at which heart-rate oscillations are largest, read as
// the highest low-frequency (LF) spectral power. Here the rates come from the
// session's own pacer instead of a dedicated assessment: seconds are grouped
// by pacer rate (bins of bin_bpm), each bin's HRV amplitude is the mean LF
// power (ms^2, 0.04-0.15 Hz: every resonance candidate, 2.4-9 breaths/min,
// lies in that band), and the bin with the largest mean wins.
//
// Why LF power and not RSA band power or coherence: RSA power needs the
// person's measured breath rate (not always streamed), and coherence is a
// ratio that saturates near 1 once breathing is regular at any slow rate;
// LF power is what Lehrer et al. compared across rates.
//
// A second counts only when the pacer runs, the person follows it (pacer
// entrainment PLV >= follow_plv_min, as the adaptive pacer's rule), LF power
// is known, and the pacer has stayed in the same bin for settle_s seconds
// (the 120 s Welch window still holds the previous rate just after a change;
// settle_s trades lag against data). The estimate needs min_seconds such
// seconds at each of at least min_rates bins; otherwise there is none.
// The adaptive pacer alone moves 0.5 breaths/min a minute, so it rarely gives
// enough seconds at two rates: a clinician-led assessment (retune to a rate,
// hold about 2 minutes, step, as in Lehrer's protocol) does.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

namespace attune::core {

struct ResonanceConfig {
  double bin_bpm = 0.5;
  double follow_plv_min = 0.5;
  std::uint32_t settle_s = 30;
  std::uint32_t min_seconds = 60;  // counted seconds per rate bin
  std::size_t min_rates = 2;
};

class ResonanceEstimate {
 public:
  explicit ResonanceEstimate(ResonanceConfig config = {});

  // One data second. pacer_rate_bpm: nullopt while the pacer does not run.
  void add_second(std::optional<double> pacer_rate_bpm, std::optional<double> entrainment_plv,
                  std::optional<double> lf_ms2);

  // The centre of the winning bin (breaths/min), or nullopt without enough data.
  std::optional<double> rate_bpm() const;

  struct Bin {
    std::uint32_t seconds = 0;
    double sum_lf_ms2 = 0.0;
  };
  const std::map<long, Bin>& bins() const { return bins_; }  // key: round(rate / bin_bpm)

 private:
  ResonanceConfig cfg_;
  std::map<long, Bin> bins_;
  std::optional<long> current_bin_;
  std::uint32_t seconds_in_bin_ = 0;  // consecutive running seconds in current_bin_
};

}  // namespace attune::core
