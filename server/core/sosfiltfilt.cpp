// Zero-phase forward-backward filtering by second-order sections, equal to
// scipy.signal.sosfiltfilt (padtype "odd", padlen 3 * (2 * sections + 1),
// initial conditions from sosfilt_zi): respiration.hpp declares it.
//
// Two series are filtered at once, one per lane of a two-double vector
// (GCC/Clang vector extension; SSE2 on any x86-64): the recursion of one
// series is bound by the machine's floating-point throughput, and two
// independent series fill both lanes of every operation for the price of
// one (perf, issue 3: the engine filters both partners' breathing in the
// same second). A single series runs in both lanes, so there is one code
// path: a partner's filtered signal is the same whether or not the other
// one breathes. Each lane performs exactly the scalar operations, in the
// same order.
#include <algorithm>
#include <array>
#include <cstddef>

#include "core/respiration.hpp"

namespace attune::core {
namespace {

using Lanes = double __attribute__((vector_size(16)));  // series 1, series 2

Lanes both(double v) { return Lanes{v, v}; }

// Steady state of one section for a unit constant input (scipy lfilter_zi
// of a biquad, transposed direct form II).
std::array<double, 2> biquad_zi(const Biquad& s) {
  const double B0 = s.b1 - s.a1 * s.b0;
  const double B1 = s.b2 - s.a2 * s.b0;
  const double z0 = (B0 + B1) / (1.0 + s.a1 + s.a2);
  return {z0, B1 - s.a2 * z0};
}

// One biquad section (transposed direct form II) advanced two samples at a
// time. Per sample, y = b0 x + z0, z0' = b1 x - a1 y + z1, z1' = b2 x - a2 y:
// the state's dependency chain is two multiply-adds long per sample. Over
// two samples the state is a linear map of the old state plus terms of the
// inputs alone (below), so the chain is two multiply-adds per two samples
// and the input terms run beside it (perf, issue 3: the recursion's latency
// bounded the band-pass). The same filter; rounding differs from the
// one-step form by ~1e-16 relative.
struct TwoStep {
  Lanes b0, a1, p0, p1;      // p = b1 - a1 b0, b2 - a2 b0
  Lanes c00, c01, c10, c11;  // the state map over two samples
  Lanes d0, d1;              // the first input's share of the new state
  explicit TwoStep(const Biquad& q)
      : b0(both(q.b0)), a1(both(q.a1)), p0(both(q.b1 - q.a1 * q.b0)),
        p1(both(q.b2 - q.a2 * q.b0)), c00(both(q.a1 * q.a1 - q.a2)), c01(both(-q.a1)),
        c10(both(q.a1 * q.a2)), c11(both(-q.a2)),
        d0(both((q.b2 - q.a2 * q.b0) - q.a1 * (q.b1 - q.a1 * q.b0))),
        d1(both(-q.a2 * (q.b1 - q.a1 * q.b0))) {}
  // Filters x0, x1 (in that order) into y0, y1 and advances (z0, z1).
  void step(Lanes x0, Lanes x1, Lanes& z0, Lanes& z1, Lanes& y0, Lanes& y1) const {
    y0 = b0 * x0 + z0;
    y1 = b0 * x1 + (p0 * x0 - a1 * z0 + z1);
    const Lanes n0 = p0 * x1 + d0 * x0 + c00 * z0 + c01 * z1;
    const Lanes n1 = p1 * x1 + d1 * x0 + c10 * z0 + c11 * z1;
    z0 = n0;
    z1 = n1;
  }
};

// One pass of sosfilt over x in place, forwards or (as scipy's second pass
// on the reversed series) backwards, from the sections' steady states
// scaled by the pass's first input. Two sections (the 2nd-order band-pass)
// run together two samples at a time: the second section's work overlaps
// the first's instead of waiting for a whole pass.
void sosfilt_pass(const std::vector<Biquad>& sos, const std::vector<std::array<double, 2>>& zi,
                  std::vector<Lanes>& x, bool backward) {
  const std::size_t n = x.size();
  const auto at = [&](std::size_t i) -> Lanes& { return backward ? x[n - 1 - i] : x[i]; };
  const Lanes x0 = at(0);
  if (sos.size() == 2) {
    const TwoStep q(sos[0]), r(sos[1]);
    Lanes z0 = both(zi[0][0]) * x0, z1 = both(zi[0][1]) * x0;
    Lanes w0 = both(zi[1][0]) * x0, w1 = both(zi[1][1]) * x0;
    std::size_t i = 0;
    for (; i + 1 < n; i += 2) {
      Lanes m0, m1, o0, o1;
      q.step(at(i), at(i + 1), z0, z1, m0, m1);
      r.step(m0, m1, w0, w1, o0, o1);
      at(i) = o0;
      at(i + 1) = o1;
    }
    if (i < n) {  // an odd count: the last sample one step at a time
      const Lanes mid = both(sos[0].b0) * at(i) + z0;
      at(i) = both(sos[1].b0) * mid + w0;
    }
    return;
  }
  for (std::size_t s = 0; s < sos.size(); ++s) {
    const Biquad& q = sos[s];
    const Lanes b0 = both(q.b0), b1 = both(q.b1), b2 = both(q.b2), a1 = both(q.a1), a2 = both(q.a2);
    Lanes z0 = both(zi[s][0]) * x0, z1 = both(zi[s][1]) * x0;
    for (std::size_t i = 0; i < n; ++i) {
      const Lanes in = at(i);
      const Lanes out = b0 * in + z0;
      z0 = b1 * in - a1 * out + z1;
      z1 = b2 * in - a2 * out;
      at(i) = out;
    }
  }
}

}  // namespace

bool sosfiltfilt_pair_into(const std::vector<Biquad>& sos, const std::vector<double>& x1,
                           const std::vector<double>& x2, std::vector<double>& out1,
                           std::vector<double>& out2) {
  const std::size_t pad = 3 * (2 * sos.size() + 1);
  const std::size_t n = x1.size();
  if (n <= pad || sos.empty() || x2.size() != n) return false;
  // sosfilt_zi: each section's steady state, scaled by the DC gain before it.
  thread_local std::vector<std::array<double, 2>> zi;
  zi.clear();
  double scale = 1.0;
  for (const Biquad& q : sos) {
    auto z = biquad_zi(q);
    zi.push_back({z[0] * scale, z[1] * scale});
    scale *= (q.b0 + q.b1 + q.b2) / (1.0 + q.a1 + q.a2);
  }
  // Odd extension: 2 x[0] - x[pad..1], x, 2 x[n-1] - x[n-2..n-1-pad].
  thread_local std::vector<Lanes> ext;
  ext.resize(n + 2 * pad);
  const Lanes first{x1[0], x2[0]}, last{x1[n - 1], x2[n - 1]};
  for (std::size_t i = pad; i >= 1; --i) ext[pad - i] = both(2.0) * first - Lanes{x1[i], x2[i]};
  for (std::size_t i = 0; i < n; ++i) ext[pad + i] = Lanes{x1[i], x2[i]};
  for (std::size_t i = 1; i <= pad; ++i) {
    ext[pad + n - 1 + i] = both(2.0) * last - Lanes{x1[n - 1 - i], x2[n - 1 - i]};
  }
  sosfilt_pass(sos, zi, ext, false);
  sosfilt_pass(sos, zi, ext, true);
  out1.resize(n);
  out2.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    out1[i] = ext[pad + i][0];
    out2[i] = ext[pad + i][1];
  }
  return true;
}

bool sosfiltfilt_into(const std::vector<Biquad>& sos, const std::vector<double>& x,
                      std::vector<double>& out) {
  thread_local std::vector<double> twin;  // the second lane's copy, discarded
  return sosfiltfilt_pair_into(sos, x, x, out, twin);
}

std::optional<std::vector<double>> sosfiltfilt(const std::vector<Biquad>& sos,
                                               const std::vector<double>& x) {
  std::vector<double> out;
  if (!sosfiltfilt_into(sos, x, out)) return std::nullopt;
  return out;
}

}  // namespace attune::core
