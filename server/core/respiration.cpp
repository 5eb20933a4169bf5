#include "core/respiration.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>

#include "core/numeric.hpp"

namespace attune::core {
namespace {

const double kPi = std::acos(-1.0);
using cpx = std::complex<double>;

}  // namespace

std::optional<std::vector<Biquad>> butterworth_bandpass(int order, double lo_hz, double hi_hz,
                                                        double fs_hz) {
  if (order < 2 || order % 2 != 0 || !(lo_hz > 0) || !(hi_hz > lo_hz) || !(hi_hz < fs_hz / 2)) {
    return std::nullopt;
  }
  // scipy.signal.iirfilter: normalised frequencies, fs = 2, pre-warping.
  const double fs = 2.0;
  const double w_lo = 2.0 * fs * std::tan(kPi * (2.0 * lo_hz / fs_hz) / fs);
  const double w_hi = 2.0 * fs * std::tan(kPi * (2.0 * hi_hz / fs_hz) / fs);
  const double bw = w_hi - w_lo;
  const double wo = std::sqrt(w_lo * w_hi);
  const double fs2 = 2.0 * fs;
  // buttap: p = -exp(i pi m / (2N)), m = -N+1, -N+3, ..., N-1; k = 1.
  std::vector<cpx> poles_bp;
  for (int m = -order + 1; m < order; m += 2) {
    const cpx p = -std::exp(cpx(0.0, kPi * m / (2.0 * order)));
    const cpx p_lp = p * (bw / 2.0);
    const cpx root = std::sqrt(p_lp * p_lp - wo * wo);
    poles_bp.push_back(p_lp + root);
    poles_bp.push_back(p_lp - root);
  }
  // Gain: k_bp = bw^N; bilinear: k * prod(fs2 - z) / prod(fs2 - p), the N
  // band-pass zeros at s = 0 giving fs2^N.
  cpx ratio(1.0, 0.0);
  for (int i = 0; i < order; ++i) ratio *= fs2;
  for (const cpx& p : poles_bp) ratio /= (fs2 - p);
  const double k = std::pow(bw, order) * ratio.real();
  // Digital poles; sections from the poles in the upper half plane with
  // their conjugates; zeros +1 and -1 in each section (z^2 - 1).
  std::vector<Biquad> sos;
  for (const cpx& p : poles_bp) {
    const cpx z = (fs2 + p) / (fs2 - p);
    if (z.imag() <= 0.0) continue;
    Biquad q;
    q.b0 = 1.0;
    q.b1 = 0.0;
    q.b2 = -1.0;
    q.a1 = -2.0 * z.real();
    q.a2 = std::norm(z);
    sos.push_back(q);
  }
  if (static_cast<int>(sos.size()) != order) return std::nullopt;  // a real pole: not for even N here
  sos[0].b0 *= k;
  sos[0].b1 *= k;
  sos[0].b2 *= k;
  return sos;
}

BreathCycleStats breath_cycle_stats(const std::vector<double>& s, double step_s) {
  // Extrema in time order: +1 peak, -1 trough.
  struct Extremum {
    std::size_t i;
    int kind;
  };
  thread_local std::vector<Extremum> ext;  // reused: no allocation per call
  ext.clear();
  std::optional<std::size_t> last_cross;
  int last_dir = 0;  // +1 rising, -1 falling
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    int dir = 0;
    if (s[i] < 0 && s[i + 1] > 0) dir = 1;
    if (s[i] > 0 && s[i + 1] < 0) dir = -1;
    if (dir == 0) continue;
    if (last_cross && last_dir == 1 && dir == -1) {  // rising -> falling: a peak
      std::size_t best = *last_cross + 1;
      for (std::size_t j = best; j <= i; ++j) if (s[j] > s[best]) best = j;
      ext.push_back({best, 1});
    } else if (last_cross && last_dir == -1 && dir == 1) {  // falling -> rising: a trough
      std::size_t best = *last_cross + 1;
      for (std::size_t j = best; j <= i; ++j) if (s[j] < s[best]) best = j;
      ext.push_back({best, -1});
    }
    last_cross = i;
    last_dir = dir;
  }
  BreathCycleStats out;
  std::size_t peaks = 0, first_peak = 0, last_peak = 0;
  for (const auto& e : ext) {
    if (e.kind != 1) continue;
    if (peaks++ == 0) first_peak = e.i;
    last_peak = e.i;
  }
  if (peaks >= 2) {
    const double span_s = static_cast<double>(last_peak - first_peak) * step_s;
    if (span_s > 0) out.rate_bpm = finite_or_none(60.0 * static_cast<double>(peaks - 1) / span_s);
  }
  double inhale = 0.0, exhale = 0.0;
  std::size_t cycles = 0;
  for (std::size_t j = 0; j + 2 < ext.size(); ++j) {
    if (ext[j].kind == -1 && ext[j + 1].kind == 1 && ext[j + 2].kind == -1) {
      inhale += static_cast<double>(ext[j + 1].i - ext[j].i) * step_s;
      exhale += static_cast<double>(ext[j + 2].i - ext[j + 1].i) * step_s;
      ++cycles;
    }
  }
  if (cycles > 0 && exhale > 0) out.ie_ratio = finite_or_none(inhale / exhale);
  return out;
}

RespirationSeries::RespirationSeries(std::size_t max_samples) : max_samples_(max_samples) {}

std::size_t RespirationSeries::run_of(std::uint64_t seq) const {
  // The last run starting at or before seq.
  auto it = std::upper_bound(runs_.begin(), runs_.end(), seq,
                             [](std::uint64_t s, const Run& r) { return s < r.first; });
  return static_cast<std::size_t>(it - runs_.begin()) - 1;
}

double RespirationSeries::time_of(std::uint64_t seq) const {
  const Run& r = runs_[run_of(seq)];
  return r.t0_ms + static_cast<double>(seq - r.first) * r.period_ms;
}

std::uint64_t RespirationSeries::upper(double t_ms, std::uint64_t end) const {
  std::uint64_t lo = base_, hi = end;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    if (time_of(mid) <= t_ms) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

void RespirationSeries::push(double t_ms, double period_ms, float value) {
  const std::uint64_t seq = end_seq();
  if (!runs_.empty()) {
    Run& r = runs_.back();
    if (r.period_ms == period_ms && r.first + r.n == seq &&
        r.t0_ms + static_cast<double>(r.n) * r.period_ms == t_ms) {
      ++r.n;
      values_.push_back(value);
      return;
    }
  }
  runs_.push_back({t_ms, period_ms, seq, 1});
  values_.push_back(value);
}

std::size_t RespirationSeries::add(std::int64_t t0_ms, double rate_hz, const double* values,
                                   std::size_t n) {
  if (!values || n == 0) return 0;
  if (t0_ms > kMaxAbsTimeMs || t0_ms < -kMaxAbsTimeMs || !std::isfinite(rate_hz) ||
      rate_hz <= 0.0 || rate_hz > 1000.0) {
    ignored_ += n;
    return 0;
  }
  const double period = 1000.0 / rate_hz;
  std::size_t taken = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(t0_ms) + static_cast<double>(i) * period;
    // The input quantisation (header): round to nearest float32. A value
    // beyond the float range is refused before the conversion (converting
    // it would be undefined behaviour, not infinity).
    const bool representable =
        std::isfinite(values[i]) && std::fabs(values[i]) <= static_cast<double>(std::numeric_limits<float>::max());
    const float v = representable ? static_cast<float>(values[i]) : 0.0f;
    if (!representable || (last_t_ && t <= *last_t_) ||
        std::fabs(t) > static_cast<double>(kMaxAbsTimeMs)) {
      ++ignored_;
      continue;
    }
    push(t, period, v);
    last_t_ = t;
    if (!first_) first_ = t;
    ++taken;
  }
  accepted_ += taken;
  if (values_.size() > max_samples_) drop_front(values_.size() - max_samples_);
  return taken;
}

void RespirationSeries::drop_front(std::size_t n) {
  values_.drop_front(n);
  base_ += n;
  while (runs_.size() > 1 && runs_[1].first <= base_) runs_.erase(runs_.begin());
}

void RespirationSeries::prune_before(double t_ms) {
  // The first sample with t >= t_ms: after the last one with t < t_ms.
  std::uint64_t lo = base_, hi = end_seq();
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    if (time_of(mid) < t_ms) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == base_) return;
  drop_front(static_cast<std::size_t>(lo - base_));
  if (values_.empty()) {
    // The seat stopped breathing data for the whole retention: free the
    // buffer (a deque freed its blocks likewise) until samples come again.
    runs_.clear();
    values_.release();
  }
}

std::optional<double> RespirationSeries::last_at(double t_ms) const {
  if (values_.empty()) return std::nullopt;
  if (*last_t_ <= t_ms) return last_t_;  // live: the newest sample is not ahead of T
  const std::uint64_t i = upper(t_ms, end_seq());
  if (i == base_) return std::nullopt;
  return time_of(i - 1);
}

std::optional<double> RespirationSeries::first_after(double t_ms) const {
  const std::uint64_t i = upper(t_ms, end_seq());
  if (i == end_seq()) return std::nullopt;
  return time_of(i);
}

std::optional<std::vector<double>> RespirationSeries::on_grid(std::int64_t k_first,
                                                              std::size_t count, double step_ms,
                                                              double max_gap_ms,
                                                              double t_ms) const {
  std::vector<double> out;
  if (!on_grid_into(k_first, count, step_ms, max_gap_ms, t_ms, out)) return std::nullopt;
  return out;
}

bool RespirationSeries::on_grid_into(std::int64_t k_first, std::size_t count, double step_ms,
                                     double max_gap_ms, double t_ms,
                                     std::vector<double>& out) const {
  if (count == 0 || values_.empty()) return false;
  const std::uint64_t end = upper(t_ms, end_seq());
  const double t_first = static_cast<double>(k_first) * step_ms;
  std::uint64_t g = upper(t_first, end);
  if (g == base_) return false;  // no sample at or before the first point
  --g;                           // last sample <= t_first
  out.clear();
  out.reserve(count);
  // The usual case: one run on the grid itself (a 25 Hz stream at whole
  // multiples of 40 ms) holds every point: they are its values. The times
  // are then integers, so the general walk below would take exactly these.
  std::size_t r = run_of(g);
  const Run& run = runs_[r];
  const double t_last = static_cast<double>(k_first + static_cast<std::int64_t>(count) - 1) * step_ms;
  if (run.period_ms == step_ms && step_ms == std::floor(step_ms) && run.t0_ms == std::floor(run.t0_ms) &&
      time_of(g) == t_first && g + count <= std::min(end, run.first + run.n) &&
      std::fabs(t_last) < 0x1p52) {
    values_.append_to(static_cast<std::size_t>(g - base_), count, out);  // widened
    return true;
  }
  // Walk the samples with a cursor on their run.
  const auto time_at = [&](std::uint64_t seq) {
    while (seq >= runs_[r].first + runs_[r].n) ++r;
    return runs_[r].t0_ms + static_cast<double>(seq - runs_[r].first) * runs_[r].period_ms;
  };
  double tg = time_at(g);
  for (std::size_t k = 0; k < count; ++k) {
    const double tk = static_cast<double>(k_first + static_cast<std::int64_t>(k)) * step_ms;
    while (g + 1 < end) {
      const double tn = time_at(g + 1);
      if (tn > tk) break;
      ++g;
      tg = tn;
    }
    const double vg = values_[g - base_];  // the stored float, widened
    if (tg == tk) {
      out.push_back(vg);
      continue;
    }
    if (g + 1 >= end) return false;
    const double tn = time_at(g + 1);
    if (tn - tg > max_gap_ms) return false;
    const double slope = (static_cast<double>(values_[g + 1 - base_]) - vg) / (tn - tg);
    out.push_back(slope * (tk - tg) + vg);
  }
  return true;
}

}  // namespace attune::core
