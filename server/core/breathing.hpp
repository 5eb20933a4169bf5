// Per-person breathing values and the pair's breathing synchrony at snapshot
// time T, from the respiration waveforms (docs/metrics.md "Respiration").
//
// Grid: t_k = k * 1000 / resp_grid_hz ms (25 Hz: 40 ms), shared by all
// seats. At each update second (resp_update_ms) a breathing seat's buffer
// holds N = resp_buffer_ms points (60 s: 1500) ending at e = floor(last
// sample <= T / step), by linear interpolation of the samples
// (RespirationSeries::on_grid); band-passed with sosfiltfilt over the whole
// buffer.
//   breath rate, I:E: breath_cycle_stats of the last breath_window_ms
//                (30 s: 750 points) of the filtered buffer.
//   phase series (BreathPhaseHistory): every kPhaseStride-th grid point
//                (k % 5 == 0: 5 Hz, as PhaseCode) of the filtered buffer, each the mean of
//                the 5 filtered points centred on it (a zero-phase boxcar
//                that nulls 5 and 10 Hz before the decimation); the last L
//                of them (L = the largest even 2-3-5-smooth count that fits:
//                288) -> analytic signal (scipy hilbert) -> phases. The
//                phases more than plv_edge_ms (5 s) from both ends of this
//                decimated buffer that are later than the seat's history
//                are appended to it (5 s per update); a history that the
//                new ones do not continue starts again. So the series is
//                stitched from successive buffers, each point taken >= 5 s
//                away from its buffer's edges.
//   PLV (Lachaux et al. 1999, Hum Brain Mapp 8:194; Mormann et al. 2000,
//                Physica D 144:358): on the plv_window_ms (30 s: 150 points)
//                of both phase series ending at the earlier of their last
//                points; PLV = |mean(exp(i(phi1 - phi2)))|, mean relative
//                phase = arg of that mean (positive: first ahead).
//   PLV above chance: breathing_span_test over the plv_span_ms
//                (180 s: 900 points) of both series ending there.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "core/engine_config.hpp"
#include "core/respiration.hpp"

namespace attune::core {

// Phase series: one point every kPhaseStride grid points (25 Hz grid: 5 Hz).
inline constexpr std::int64_t kPhaseStride = 5;

// A phase quantised to 16 bits: code = floor(phi / (2 pi) * 65536 + 0.5)
// mod 65536 (steps of 9.6e-5 rad, far below what the PLV resolves), and
// back to its unit phasor exp(i 2 pi code / 65536) through two 256-entry
// tables (cos(a + b) = cos a cos b - sin a sin b): no sincos per point, and
// 2 bytes a point (1.8 KiB per seat for 180 s).
using PhaseCode = std::uint16_t;
PhaseCode phase_code(double phi_rad);
void phasor_of(PhaseCode c, double& re, double& im);

// One seat's breathing phases on the grid points
// k = last_k - kPhaseStride * (size - 1 - i).
class BreathPhaseHistory {
 public:
  explicit BreathPhaseHistory(std::size_t capacity = 0) : capacity_(capacity) {}

  // Appends the phases of grid points k_first, k_first + stride, ...; when
  // k_first does not follow last_k (a gap) the history starts again.
  void append(std::int64_t k_first, const PhaseCode* phases, std::size_t n);

  std::size_t size() const { return size_; }
  std::optional<std::int64_t> last_k() const;
  // The data second of the update that last appended (or restarted) it.
  std::optional<std::int64_t> updated_at_ms() const { return updated_at_; }
  void mark_updated(std::int64_t t_ms) { updated_at_ = t_ms; }
  void clear() {
    ring_.clear();  // keeps its capacity
    size_ = 0;
    head_ = 0;
  }

  // Whether grid points k_last - stride * (count - 1) .. k_last are held.
  bool holds(std::int64_t k_last, std::size_t count) const;
  // The `count` phases ending at grid point k_last (holds() must be true).
  void copy(std::int64_t k_last, std::size_t count, std::vector<PhaseCode>& out) const;

  std::size_t capacity() const { return capacity_; }

 private:
  std::size_t capacity_;
  std::vector<PhaseCode> ring_;  // grows to capacity_, then wraps
  std::size_t head_ = 0;     // index of the oldest point
  std::size_t size_ = 0;
  std::int64_t last_k_ = 0;
  std::optional<std::int64_t> updated_at_;
};

// Points a seat's phase history must hold (the span test's span).
std::size_t breath_phase_capacity(const EngineConfig& cfg);

struct RespirationSecond {
  bool streaming = false;  // last sample in [T - max_gap_ms, T]
  std::optional<double> breath_rate_bpm;
  std::optional<double> ie_ratio;
};

// with_rate false gives only `streaming` (the engine computes the breath
// rate and I:E every resp_update_ms and holds them in between). With
// with_rate and a history, the seat's new phases are appended to it and it
// is marked updated at t_ms.
RespirationSecond respiration_at(const RespirationSeries& r, std::int64_t t_ms,
                                 const EngineConfig& cfg, const std::vector<Biquad>& sos,
                                 bool with_rate = true, BreathPhaseHistory* phases = nullptr);

// respiration_at (with_rate) in three steps, so that a caller can band-pass
// several seats' buffers together (sosfiltfilt_pair_into; the engine does
// at each update second): respiration_buffer_at fills `raw` (the N grid
// points ending at the last sample), the caller sets `filtered` and
// `filtered_ok` from sosfiltfilt of `raw` when `gridded`, and
// respiration_from_buffer gives the second's values (and appends the
// phases), exactly as respiration_at would.
struct BreathingBuffer {
  bool streaming = false;    // last sample in [T - max_gap_ms, T]
  bool gridded = false;      // raw holds the whole buffer
  bool filtered_ok = false;  // filtered = sosfiltfilt(raw)
  std::int64_t k0 = 0;       // grid index of raw[0]
  std::vector<double> raw, filtered;
};
void respiration_buffer_at(const RespirationSeries& r, std::int64_t t_ms, const EngineConfig& cfg,
                           BreathingBuffer& b);
RespirationSecond respiration_from_buffer(const BreathingBuffer& b, std::int64_t t_ms,
                                          const EngineConfig& cfg, BreathPhaseHistory* phases);

struct BreathingSynchrony {
  double plv = 0.0;
  double rel_phase_rad = 0.0;
  std::optional<double> plv_z;  // with surrogates only
};

// nullopt unless both histories were updated at t_ms and hold the PLV
// window; plv_z also needs the span.
std::optional<BreathingSynchrony> breathing_synchrony(const BreathPhaseHistory& first,
                                                      const BreathPhaseHistory& second,
                                                      std::int64_t t_ms, const EngineConfig& cfg,
                                                      bool with_surrogates);

// Breathing synchrony above chance over a span (docs/metrics.md
// "plv_above_chance_z"). phi1, phi2: the same M points of both phase
// series. Statistic: logit of the span PLV, ln(R / (1 - R)), R clamped to
// [1e-12, 1 - 1e-12]. Surrogates: phi2 rotated, phi2_s[i] = phi2[(i - s)
// mod M], s = min_shift, min_shift + shift_step, ... <= M - min_shift, the
// same statistic. z = surrogate_z.
//
// Why a span and not the 30 s window: breathing is near-periodic, so
// rotating a partner within a minute only adds a constant phase and leaves
// |mean| unchanged; the surrogates then barely differ from the real value
// and z is meaningless (independent simulated breathers above 1.96 in 28
// of 77 tests). Over 180 s the breathing rate wanders (tau ~1 min) enough
// that a shift of >= 20 s decorrelates the phases (Moulder et al. 2018
// circular shifts; Lancaster et al. 2018, Phys Rep 748:1, time-shifted
// surrogates for phase synchronisation). Why the logit: the span PLV is
// bounded by 1, so a coupled pair's value cannot rise far above its
// surrogates on the raw scale (and on a log scale its surrogates' spread
// at small R swamps it); the logit maps [0, 1] onto the line like the
// Fisher z does for r. Measured: tests/unit/core/test_plv_above_chance.cpp.
std::optional<double> breathing_span_test(const std::vector<PhaseCode>& phi1,
                                          const std::vector<PhaseCode>& phi2,
                                          std::size_t min_shift, std::size_t shift_step);

}  // namespace attune::core
