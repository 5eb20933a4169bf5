// Entrainment: how closely one person's breathing locks to the shared pacer
// (docs/prompts.md "Entrainment"), as a phase-locking value (PLV; Lachaux et
// al. 1999, Hum Brain Mapp 8:194; Mormann et al. 2000, Physica D 144:358)
// between the breath's phase and the pacer's.
//
// At data time T (ms), with the conventions of the engine's breathing PLV
// (core/breathing.hpp, docs/metrics.md "Respiration"):
//   grid     t_k = k * 1000 / grid_hz ms (25 Hz: 40 ms); the buffer ends at
//            e = floor(last sample <= T / step) and reaches back at most
//            buffer_ms (60 s), and no further than the last gap between
//            samples longer than max_gap_ms; linear interpolation (numpy.interp).
//   filter   Butterworth band-pass band_lo_hz-band_hi_hz (0.05-3 Hz, order 2)
//            by sosfiltfilt (core/respiration.hpp), as the engine.
//   phase    phi_k = arg of the analytic signal (scipy.signal.hilbert;
//            core/spectral.hpp analytic_signal).
//   window   window_ms (30 s) ending edge_ms (5 s) before e, so that the
//            filter and Hilbert edge effects are dropped at both ends (the
//            buffer must hold at least window + 2 * edge: 40 s).
//   PLV      |mean_k exp(i (phi_k - 2 pi p_k))|, p_k the phase the pacer had
//            at t_k (PacerSchedule::phase_history_at_ms: across retunes and
//            rate steps); mean relative phase = arg of that mean.
// nullopt when there is too little data, the last sample is older than
// max_gap_ms before T, or the pacer did not run throughout the window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

#include "core/pacer.hpp"

namespace attune::core {

// A bounded ring of one person's respiration samples (time ms, value) that
// the room feeds with waveform chunks. Keeps span_ms (60 s) behind the newest
// sample and at most max_samples (60 s at 50 Hz).
class RespirationBuffer {
 public:
  struct Sample {
    double t_ms;
    double value;
  };

  explicit RespirationBuffer(std::int64_t span_ms = 60000, std::size_t max_samples = 3000);

  // Sample i of the chunk is at t0_ms + i * 1000 / rate_hz. A chunk whose rate
  // is outside (0, 1000] Hz or whose t0 lies beyond +/- 2^50 ms is ignored;
  // non-finite values and samples not later than the previous one are
  // skipped. Returns the number of samples kept.
  std::size_t add(std::int64_t t0_ms, double rate_hz, const double* values, std::size_t n);
  void clear();

  const std::deque<Sample>& samples() const { return samples_; }
  std::size_t size() const { return samples_.size(); }
  bool empty() const { return samples_.empty(); }

 private:
  std::int64_t span_ms_;
  std::size_t max_samples_;
  std::deque<Sample> samples_;
};

struct EntrainmentConfig {
  double grid_hz = 25.0;
  double band_lo_hz = 0.05, band_hi_hz = 3.0;
  int filter_order = 2;
  std::int64_t buffer_ms = 60000;
  std::int64_t window_ms = 30000;
  std::int64_t edge_ms = 5000;
  std::int64_t max_gap_ms = 1000;
};

struct PacerEntrainment {
  double plv = 0.0;            // 0-1
  double rel_phase_rad = 0.0;  // mean of phi - 2 pi p (constant offsets are normal)
  std::int64_t window_end_ms = 0;  // data time of the window's last point
};

std::optional<PacerEntrainment> pacer_entrainment(const RespirationBuffer& respiration,
                                                  const PacerSchedule& pacer, std::int64_t t_ms,
                                                  const EntrainmentConfig& cfg = {});

}  // namespace attune::core
