#include "core/resample_spline.hpp"

#include <algorithm>
#include <cmath>

namespace attune::core {
namespace {

bool knots_usable(const double* x, const double* y, std::size_t n) {
  if (n < 2) return false;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) return false;
    if (i > 0 && !(x[i] > x[i - 1])) return false;
  }
  return true;
}

// Second derivatives of the natural spline: the tridiagonal system
//   h[i-1] M[i-1] + 2 (h[i-1] + h[i]) M[i] + h[i] M[i+1]
//     = 6 ((y[i+1]-y[i]) / h[i] - (y[i]-y[i-1]) / h[i-1]),  M[0] = M[n-1] = 0,
// solved by the Thomas algorithm (diagonally dominant, so stable without
// pivoting). Scratch per thread: no allocation once warm.
void natural_second_derivatives(const double* x, const double* y, std::size_t n,
                                std::vector<double>& m) {
  m.assign(n, 0.0);
  if (n < 3) return;
  const std::size_t k = n - 2;  // unknowns M[1..n-2]
  thread_local std::vector<double> c_prime, d_prime;
  c_prime.resize(k);
  d_prime.resize(k);
  // The slope of each interval is used twice (right of knot i, left of
  // knot i + 1): computed once, the same operation and value.
  double slope0 = (y[1] - y[0]) / (x[1] - x[0]);
  for (std::size_t j = 0; j < k; ++j) {
    const std::size_t i = j + 1;
    const double h0 = x[i] - x[i - 1];
    const double h1 = x[i + 1] - x[i];
    const double diag = 2.0 * (h0 + h1);
    const double slope1 = (y[i + 1] - y[i]) / h1;
    const double rhs = 6.0 * (slope1 - slope0);
    slope0 = slope1;
    if (j == 0) {
      c_prime[j] = h1 / diag;
      d_prime[j] = rhs / diag;
    } else {
      const double denom = diag - h0 * c_prime[j - 1];
      c_prime[j] = h1 / denom;
      d_prime[j] = (rhs - h0 * d_prime[j - 1]) / denom;
    }
  }
  m[k] = d_prime[k - 1];
  for (std::size_t j = k - 1; j-- > 0;) m[j + 1] = d_prime[j] - c_prime[j] * m[j + 2];
}

}  // namespace

std::optional<NaturalCubicSpline> NaturalCubicSpline::fit(std::vector<double> x,
                                                          std::vector<double> y) {
  if (x.size() != y.size()) return std::nullopt;
  NaturalCubicSpline s;
  if (!s.refit(x.data(), y.data(), x.size())) return std::nullopt;
  return s;
}

bool NaturalCubicSpline::refit(const double* x, const double* y, std::size_t n) {
  x_.clear();
  pieces_.clear();
  if (!knots_usable(x, y, n)) return false;
  natural_second_derivatives(x, y, n, m_);
  x_.assign(x, x + n);
  pieces_.resize(n - 1);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    const double h = x[i + 1] - x[i];
    pieces_[i] = {6.0 * h, y[i] / h - m_[i] * h / 6.0, y[i + 1] / h - m_[i + 1] * h / 6.0};
  }
  return true;
}

std::size_t NaturalCubicSpline::piece_of(double x) const {
  auto it = std::upper_bound(x_.begin(), x_.end(), x);
  std::size_t i = (it == x_.begin()) ? 0 : static_cast<std::size_t>(it - x_.begin()) - 1;
  return std::min(i, x_.size() - 2);
}

double NaturalCubicSpline::operator()(double x) const {
  x = std::clamp(x, x_.front(), x_.back());
  return value_in(piece_of(x), x);
}

// The piece of x (clamped to the knots), walking forward from piece i.
std::size_t NaturalCubicSpline::advance_piece(std::size_t i, double x) const {
  if (x < x_[i]) return piece_of(x);  // not increasing after all: search
  // piece_of: the last knot <= x, at most the second to last.
  while (i + 2 < x_.size() && x_[i + 1] <= x) ++i;
  return i;
}

void NaturalCubicSpline::evaluate_increasing(const std::vector<double>& xs,
                                             std::vector<double>& out) const {
  out.resize(xs.size());
  std::size_t i = 0;
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const double x = std::clamp(xs[k], x_.front(), x_.back());
    i = advance_piece(i, x);
    out[k] = value_in(i, x);
  }
}

void NaturalCubicSpline::evaluate_grid(std::int64_t first, std::size_t count, double step_ms,
                                       double origin_ms, std::vector<double>& out) const {
  out.resize(count);
  std::size_t i = 0;
  for (std::size_t k = 0; k < count; ++k) {
    const double tk = static_cast<double>(first + static_cast<std::int64_t>(k)) * step_ms;
    const double x = std::clamp((tk - origin_ms) / 1000.0, x_.front(), x_.back());
    i = advance_piece(i, x);
    out[k] = value_in(i, x);
  }
}

double NaturalCubicSpline::value_in(std::size_t i, double x) const {
  const Piece& p = pieces_[i];
  const double a = x_[i + 1] - x;  // distance to the right knot
  const double b = x - x_[i];      // distance to the left knot
  return m_[i] * a * a * a / p.h6 + m_[i + 1] * b * b * b / p.h6 + p.left * a + p.right * b;
}

std::optional<std::vector<double>> resample_spline(std::vector<double> x, std::vector<double> y,
                                                   const std::vector<double>& grid) {
  auto spline = NaturalCubicSpline::fit(std::move(x), std::move(y));
  if (!spline) return std::nullopt;
  std::vector<double> out;
  spline->evaluate_increasing(grid, out);
  return out;
}

}  // namespace attune::core
