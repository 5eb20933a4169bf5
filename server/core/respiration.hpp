// Respiration: the waveform of one seat, its band-pass filter, and the breath
// rate and inhale:exhale ratio of a window. docs/metrics.md "Respiration".
//
// Sources: band-pass 0.05-3 Hz, 2nd-order Butterworth, zero-phase, as
// NeuroKit2 rsp_clean(method="khodadad2018") (Khodadad et al. 2018, Physiol
// Meas 39:115007) = scipy.signal.butter(2, [0.05, 3], "bandpass", fs=fs,
// output="sos") then scipy.signal.sosfiltfilt (odd padding of 3 * ntaps).
// Extrema from zero crossings of the filtered signal (as NeuroKit2
// rsp_findpeaks khodadad2018, without its amplitude-outlier pass).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/ring_queue.hpp"

namespace attune::core {

struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;  // a0 = 1
};

// Digital Butterworth band-pass of prototype order `order` (even, >= 2) as
// second-order sections (order sections), designed like scipy.signal.butter:
// analog prototype, bilinear pre-warping, lp2bp, bilinear transform.
// nullopt unless 0 < lo < hi < fs / 2.
std::optional<std::vector<Biquad>> butterworth_bandpass(int order, double lo_hz, double hi_hz,
                                                        double fs_hz);

// Zero-phase forward-backward filtering, equal to scipy.signal.sosfiltfilt
// (padtype "odd", padlen 3 * (2 * sections + 1), initial conditions from
// sosfilt_zi). nullopt when x has no more than padlen samples.
std::optional<std::vector<double>> sosfiltfilt(const std::vector<Biquad>& sos,
                                               const std::vector<double>& x);
// The same into `out` (resized to x.size()), reusing per-thread scratch;
// false where sosfiltfilt is nullopt.
bool sosfiltfilt_into(const std::vector<Biquad>& sos, const std::vector<double>& x,
                      std::vector<double>& out);
// Two series of the same length at once (core/sosfiltfilt.cpp: one per
// lane of a two-double vector), each exactly as sosfiltfilt_into alone;
// false where that is, or when the lengths differ.
bool sosfiltfilt_pair_into(const std::vector<Biquad>& sos, const std::vector<double>& x1,
                           const std::vector<double>& x2, std::vector<double>& out1,
                           std::vector<double>& out2);

struct BreathCycleStats {
  std::optional<double> rate_bpm;  // breaths per minute
  std::optional<double> ie_ratio;  // inhale : exhale duration
};

// On a filtered window sampled every step_s seconds: rising zero crossings
// (s[i] < 0 < s[i+1]) and falling ones (s[i] > 0 > s[i+1]); a peak is the
// maximum between a rising crossing and the next falling one (indices
// i+1 .. j), a trough the minimum between a falling crossing and the next
// rising one; the first index wins ties. Rate = 60 * (peaks - 1) /
// (last peak - first peak) [s], needs >= 2 peaks. I:E = sum of inhale times
// (trough -> next peak) / sum of exhale times (that peak -> next trough) over
// complete trough-peak-trough cycles, needs >= 1 cycle.
BreathCycleStats breath_cycle_stats(const std::vector<double>& filtered, double step_s);

// One seat's respiration samples, in time order. Stored compactly (issue 3:
// 16-byte (t, value) pairs in a deque were half of a room's memory): the
// times as runs (t0, period, count) of evenly spaced samples, and the values
// as float32 (4 bytes each) in one ring buffer. A sample extends the last
// run only when the run's formula t0 + i * period gives its time exactly,
// so every time read back is bit-identical to the one computed on arrival;
// a live 25 Hz stream is one run.
//
// Values are quantised to float32 on input (docs/metrics.md "Respiration"):
// a respiration waveform is in arbitrary units from sensors of at most
// ~16-bit resolution, and float32 keeps 24 significant bits, so the
// rounding (<= 2^-24 relative) is far below the signal's own resolution.
// Every value is read back as that float widened to double, in live and
// replayed feeding alike. A finite value outside the float range
// (|v| > FLT_MAX, ~3.4e38) is ignored like a non-finite one.
class RespirationSeries {
 public:
  explicit RespirationSeries(std::size_t max_samples);

  // Sample i of the chunk is at t0_ms + i * (1000 / rate_hz); its value is
  // kept as float(values[i]). Values that are not finite or beyond the
  // float range, and samples not later than the previous one, are skipped.
  // Returns the number of samples accepted.
  std::size_t add(std::int64_t t0_ms, double rate_hz, const double* values, std::size_t n);

  void prune_before(double t_ms);

  // Time of the last sample with t <= T.
  std::optional<double> last_at(double t_ms) const;
  // Time of the first sample with t > T.
  std::optional<double> first_after(double t_ms) const;

  // Linear interpolation (numpy.interp) of the samples with t <= T onto the
  // grid t_k = k * step_ms, k = k_first .. k_first + count - 1. nullopt
  // unless every grid point lies on a sample or between two samples at
  // most max_gap_ms apart.
  std::optional<std::vector<double>> on_grid(std::int64_t k_first, std::size_t count,
                                             double step_ms, double max_gap_ms,
                                             double t_ms) const;
  // The same into `out` (resized to count); false where on_grid is nullopt.
  bool on_grid_into(std::int64_t k_first, std::size_t count, double step_ms, double max_gap_ms,
                    double t_ms, std::vector<double>& out) const;

  std::optional<double> first_sample_ms() const { return first_; }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t ignored() const { return ignored_; }
  std::size_t held() const { return values_.size(); }
  std::size_t runs() const { return runs_.size(); }

 private:
  struct Run {
    double t0_ms;
    double period_ms;
    std::uint64_t first;  // sequence number of its first sample
    std::uint64_t n;
  };
  // Sequence numbers: values_[i] is sample base_ + i.
  std::uint64_t end_seq() const { return base_ + values_.size(); }
  std::size_t run_of(std::uint64_t seq) const;
  double time_of(std::uint64_t seq) const;
  // The first sequence number in [base_, end) whose time is > t (or end).
  std::uint64_t upper(double t_ms, std::uint64_t end) const;
  void push(double t_ms, double period_ms, float value);
  // Drops the n oldest samples and the runs that no longer hold any.
  void drop_front(std::size_t n);

  std::size_t max_samples_;
  RingQueue<float> values_;
  std::vector<Run> runs_;  // in order; the first may begin before base_
  std::uint64_t base_ = 0;
  std::optional<double> last_t_;
  std::optional<double> first_;
  std::uint64_t accepted_ = 0, ignored_ = 0;
};

}  // namespace attune::core
