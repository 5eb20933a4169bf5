// Beat classification after Lipponen & Tarvainen (2019), "A robust algorithm
// for heart rate variability time series artefact correction using novel
// beat classification", J Med Eng Technol 43:173 (the NeuroKit2
// signal_fixpeaks "Kubios" method, systole rr_artefacts).
//
// Online form (ours, docs/metrics.md "Cleaning"): the published method uses
// centred windows; here every window ends at the beat (causal), so a beat's
// class depends only on beats up to three later. Per segment, over the
// beats that passed plausibility and device flags (index i):
//   dRR_i = RR_i - RR_{i-1} (0 for the first beat of the segment)
//   med_i = median of RR over beats i-10 .. i
//   Th1_i = max(alpha * (Q3 - Q1) / 2 of |dRR| over beats i-90 .. i,
//               floor_fraction * med_i)   (floor: ours, see below)
//   dn_i  = dRR_i / Th1_i
//   mRR_i = RR_i - med_i, doubled when negative
//   Th2_i = max(alpha * (Q3 - Q1) / 2 of |mRR| over beats i-90 .. i,
//               floor_fraction * med_i)
//   mn_i  = mRR_i / Th2_i
//   S12_i = max(dn_{i-1}, dn_{i+1}) if dn_i > 0, min(...) if dn_i < 0, else 0
//   S22_i = min(dn_{i+1}, dn_{i+2}) if dn_i >= 0, max(...) otherwise
//   (dn_{-1} reflects to dn_1 at a segment start.) Quartiles as
//   numpy.quantile (linear interpolation); the loop of NeuroKit2
//   _find_artifacts (Figure 1 of the paper) then labels beats ectopic,
//   missed, extra or long/short, c1 = 0.13, c2 = 0.17, alpha = 5.2.
// The floor (5 % of the running median RR) is ours: in a perfectly regular
// or coarsely quantised series the quartile range is 0 and every beat would
// be flagged; ectopic beats differ from their neighbours by >= 20 %.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <vector>

#include "core/ring_queue.hpp"
#include "core/sorted_window.hpp"

namespace attune::core {

enum class BeatClass : std::uint8_t { Normal, Ectopic, Missed, Extra, LongShort };

struct LipponenTarvainenParams {
  double c1 = 0.13, c2 = 0.17, alpha = 5.2;
  std::size_t window_beats = 91;
  std::size_t median_beats = 11;
  double threshold_floor_fraction = 0.05;  // Th >= this * med_i
};

// Feed the RR of one segment's candidate beats in order; `on_final(seq,
// cls)` reports each beat's final class (seq = 0-based index in the
// segment's candidate sequence) once three later beats are known. Memory is
// bounded by the window length.
class LipponenTarvainenClassifier {
 public:
  using Callback = std::function<void(std::uint64_t seq, BeatClass cls)>;

  explicit LipponenTarvainenClassifier(LipponenTarvainenParams p)
      : p_(p), abs_drr_(p.window_beats), abs_mrr_(p.window_beats), rr_win_(p.median_beats) {}

  void add(double rr_ms, const Callback& on_final);
  void reset();                        // a new segment starts
  std::uint64_t count() const { return n_; }
  std::uint64_t next_undecided() const { return next_i_; }

 private:
  struct Entry {
    double rr, drr, dn, med, mrr, mn, th2;
    BeatClass cls = BeatClass::Normal;
  };
  const Entry& at(std::uint64_t i) const { return q_[static_cast<std::size_t>(i - base_)]; }
  Entry& at(std::uint64_t i) { return q_[static_cast<std::size_t>(i - base_)]; }
  void iterate(const Callback& on_final);

  LipponenTarvainenParams p_;
  RingQueue<Entry> q_;
  // Running order statistics of the windows (sorted copies kept up to date).
  SortedWindow abs_drr_, abs_mrr_, rr_win_;
  std::uint64_t base_ = 0;    // sequence index of q_.front()
  std::uint64_t n_ = 0;       // beats added in this segment
  std::uint64_t next_i_ = 0;  // next loop index (beats before it are final)
};

// Quantile with linear interpolation (numpy default) of unsorted values.
double quantile_linear(std::vector<double> v, double q);

}  // namespace attune::core
