#include "core/beat_classification.hpp"

#include <algorithm>
#include <cmath>

#include "core/robust_baseline.hpp"

namespace attune::core {

double quantile_linear(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  return v[lo] + (v[hi] - v[lo]) * frac;
}

namespace {

double threshold(const SortedWindow& window, double alpha, double floor_ms) {
  const double q1 = window.quantile(0.25);
  const double q3 = window.quantile(0.75);
  return std::max(alpha * (q3 - q1) / 2.0, floor_ms);
}

}  // namespace

void LipponenTarvainenClassifier::reset() {
  q_.clear();
  abs_drr_.clear();
  abs_mrr_.clear();
  rr_win_.clear();
  base_ = n_ = next_i_ = 0;
}

void LipponenTarvainenClassifier::add(double rr_ms, const Callback& on_final) {
  Entry e{};
  e.rr = rr_ms;
  e.drr = n_ == 0 ? 0.0 : rr_ms - at(n_ - 1).rr;
  rr_win_.push(rr_ms);
  e.med = rr_win_.median();
  const double floor_ms = p_.threshold_floor_fraction * e.med;
  abs_drr_.push(std::fabs(e.drr));
  e.dn = e.drr / threshold(abs_drr_, p_.alpha, floor_ms);
  e.mrr = rr_ms - e.med;
  if (e.mrr < 0) e.mrr *= 2.0;
  abs_mrr_.push(std::fabs(e.mrr));
  e.th2 = threshold(abs_mrr_, p_.alpha, floor_ms);
  e.mn = e.mrr / e.th2;
  q_.push_back(e);
  ++n_;
  iterate(on_final);
  // Keep what the loop can still look at: the undecided beats and one before.
  while (!q_.empty() && base_ + 1 < next_i_) {
    q_.pop_front();
    ++base_;
  }
}

void LipponenTarvainenClassifier::iterate(const Callback& on_final) {
  auto dn = [this](std::int64_t i) {
    if (i < 0) i = -i;  // reflect at the segment start
    return at(static_cast<std::uint64_t>(i)).dn;
  };
  auto s12 = [&](std::uint64_t i) {
    const double d = at(i).dn;
    const auto ii = static_cast<std::int64_t>(i);
    if (d > 0) return std::max(dn(ii - 1), dn(ii + 1));
    if (d < 0) return std::min(dn(ii - 1), dn(ii + 1));
    return 0.0;
  };
  auto s22 = [&](std::uint64_t i) {
    const auto ii = static_cast<std::int64_t>(i);
    if (at(i).dn >= 0) return std::min(dn(ii + 1), dn(ii + 2));
    return std::max(dn(ii + 1), dn(ii + 2));
  };
  while (next_i_ + 3 < n_) {  // beats up to i + 3 are known
    const std::uint64_t i = next_i_;
    const std::uint64_t start = i;
    Entry& ei = at(i);
    std::uint64_t advance = 1;
    if (std::fabs(ei.dn) > 1.0) {
      const bool eq1 = ei.dn > 1 && s12(i) < -p_.c1 * ei.dn - p_.c2;
      const bool eq2 = ei.dn < -1 && s12(i) > -p_.c1 * ei.dn + p_.c2;
      if (eq1 || eq2) {
        ei.cls = BeatClass::Ectopic;
      } else {
        std::vector<std::uint64_t> cands{i};
        if (std::fabs(at(i + 1).dn) < std::fabs(at(i + 2).dn)) cands.push_back(i + 1);
        advance = 0;
        for (std::uint64_t j : cands) {
          Entry& ej = at(j);
          ++advance;
          const bool eq3 = ej.dn > 1 && s22(j) < -1;
          const bool eq4 = std::fabs(ej.mn) > 3;
          const bool eq5 = ej.dn < -1 && s22(j) > 1;
          if (!(eq3 || eq4 || eq5)) continue;
          const bool eq6 = std::fabs(ej.rr / 2.0 - ej.med) < ej.th2;
          const bool eq7 = std::fabs(ej.rr + at(j + 1).rr - ej.med) < ej.th2;
          if (eq5 && eq7) {
            ej.cls = BeatClass::Extra;
          } else if (eq3 && eq6) {
            ej.cls = BeatClass::Missed;
          } else {
            ej.cls = BeatClass::LongShort;
          }
        }
      }
    }
    next_i_ = i + advance;
    for (std::uint64_t k = start; k < next_i_; ++k) on_final(k, at(k).cls);
  }
}

}  // namespace attune::core
