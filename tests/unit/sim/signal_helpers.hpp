// Small signal helpers for the simulator tests: straightforward on purpose,
// so that what the tests assert does not depend on the core's code.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sim/physiology_model.hpp"

namespace attune::sim::test {

struct Recorder : Sink {
  std::vector<SimBeat> beats[kSeatCount];
  std::vector<std::int64_t> resp_t[kSeatCount];
  std::vector<double> resp[kSeatCount];
  void on_beat(Seat s, const SimBeat& b) override { beats[static_cast<int>(s)].push_back(b); }
  void on_respiration(Seat s, std::int64_t t, double v) override {
    resp_t[static_cast<int>(s)].push_back(t);
    resp[static_cast<int>(s)].push_back(v);
  }
};

inline Recorder run(const ModelParams& p, double seconds) {
  CoupleModel m(p);
  Recorder r;
  m.generate_until(p.start_ms + static_cast<std::int64_t>(seconds * 1000.0), r);
  return r;
}

// Linear interpolation of (t, value) points onto a 4 Hz grid over [t0, t1).
inline std::vector<double> resample_4hz(const std::vector<double>& t_s, const std::vector<double>& v,
                                        double t0, double t1) {
  std::vector<double> out;
  std::size_t j = 0;
  for (double t = t0; t < t1; t += 0.25) {
    while (j + 1 < t_s.size() && t_s[j + 1] < t) ++j;
    if (j + 1 >= t_s.size()) { out.push_back(v.back()); continue; }
    const double w = std::clamp((t - t_s[j]) / (t_s[j + 1] - t_s[j]), 0.0, 1.0);
    out.push_back(v[j] + w * (v[j + 1] - v[j]));
  }
  return out;
}

// The heart-rate series of a seat at 4 Hz (60000 / RR at each beat time).
inline std::vector<double> hr_4hz(const std::vector<SimBeat>& beats, std::int64_t start_ms,
                                  double t0, double t1) {
  std::vector<double> t, v;
  for (const auto& b : beats) {
    t.push_back((b.t_ms - start_ms) / 1000.0);
    v.push_back(60000.0 / b.rr_ms);
  }
  return resample_4hz(t, v, t0, t1);
}

// Removes a centred moving average of `half` samples either side, leaving
// the faster fluctuations (drifts would otherwise dominate a correlation).
inline std::vector<double> high_pass(const std::vector<double>& x, int half) {
  std::vector<double> out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t lo = i >= static_cast<std::size_t>(half) ? i - half : 0;
    const std::size_t hi = std::min(x.size(), i + half + 1);
    double s = 0.0;
    for (std::size_t k = lo; k < hi; ++k) s += x[k];
    out[i] = x[i] - s / static_cast<double>(hi - lo);
  }
  return out;
}

// Pearson r of x[i] with y[i + lag] over the overlap.
inline double pearson_at_lag(const std::vector<double>& x, const std::vector<double>& y, int lag) {
  double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
  int n = 0;
  for (int i = 0; i < static_cast<int>(x.size()); ++i) {
    const int j = i + lag;
    if (j < 0 || j >= static_cast<int>(y.size())) continue;
    sx += x[i]; sy += y[j]; sxx += x[i] * x[i]; syy += y[j] * y[j]; sxy += x[i] * y[j];
    ++n;
  }
  const double cov = sxy - sx * sy / n;
  return cov / std::sqrt((sxx - sx * sx / n) * (syy - sy * sy / n));
}

struct Peak { double r = 0.0; double lag_s = 0.0; };

// The lag (in 0.25 s steps, within +/- max_lag_s) of the largest |r|;
// positive: y follows x.
inline Peak xcorr_peak(const std::vector<double>& x, const std::vector<double>& y, double max_lag_s) {
  Peak best;
  const int m = static_cast<int>(max_lag_s * 4.0);
  for (int lag = -m; lag <= m; ++lag) {
    const double r = pearson_at_lag(x, y, lag);
    if (std::abs(r) > std::abs(best.r)) best = {r, lag / 4.0};
  }
  return best;
}

// Power of x (sampled at fs) at frequency f: |DFT|^2 of the mean-removed series.
inline double power_at(const std::vector<double>& x, double fs, double f) {
  double mean = 0.0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  double re = 0.0, im = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double ph = 6.283185307179586 * f * static_cast<double>(i) / fs;
    re += (x[i] - mean) * std::cos(ph);
    im -= (x[i] - mean) * std::sin(ph);
  }
  return re * re + im * im;
}

inline double peak_frequency(const std::vector<double>& x, double fs, double f_lo, double f_hi) {
  double best_f = f_lo, best_p = -1.0;
  for (double f = f_lo; f <= f_hi; f += 0.0025) {
    const double p = power_at(x, fs, f);
    if (p > best_p) { best_p = p; best_f = f; }
  }
  return best_f;
}

}  // namespace attune::sim::test
