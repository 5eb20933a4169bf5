#include "core/resample_spline.hpp"

#include <algorithm>
#include <cmath>

namespace attune::core {
namespace {

bool knots_usable(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() < 2 || x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) return false;
    if (i > 0 && !(x[i] > x[i - 1])) return false;
  }
  return true;
}

// Second derivatives of the natural spline: the tridiagonal system
//   h[i-1] M[i-1] + 2 (h[i-1] + h[i]) M[i] + h[i] M[i+1]
//     = 6 ((y[i+1]-y[i]) / h[i] - (y[i]-y[i-1]) / h[i-1]),  M[0] = M[n-1] = 0,
// solved by the Thomas algorithm (diagonally dominant, so stable without
// pivoting).
std::vector<double> natural_second_derivatives(const std::vector<double>& x,
                                               const std::vector<double>& y) {
  const std::size_t n = x.size();
  std::vector<double> m(n, 0.0);
  if (n < 3) return m;
  const std::size_t k = n - 2;  // unknowns M[1..n-2]
  std::vector<double> c_prime(k, 0.0), d_prime(k, 0.0);
  for (std::size_t j = 0; j < k; ++j) {
    const std::size_t i = j + 1;
    const double h0 = x[i] - x[i - 1];
    const double h1 = x[i + 1] - x[i];
    const double diag = 2.0 * (h0 + h1);
    const double rhs = 6.0 * ((y[i + 1] - y[i]) / h1 - (y[i] - y[i - 1]) / h0);
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
  return m;
}

}  // namespace

std::optional<NaturalCubicSpline> NaturalCubicSpline::fit(std::vector<double> x,
                                                          std::vector<double> y) {
  if (!knots_usable(x, y)) return std::nullopt;
  NaturalCubicSpline s;
  s.m_ = natural_second_derivatives(x, y);
  s.x_ = std::move(x);
  s.y_ = std::move(y);
  return s;
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

void NaturalCubicSpline::evaluate_increasing(const std::vector<double>& xs,
                                             std::vector<double>& out) const {
  out.resize(xs.size());
  std::size_t i = 0;
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const double x = std::clamp(xs[k], x_.front(), x_.back());
    if (x < x_[i]) i = piece_of(x);  // not increasing after all: search
    // piece_of: the last knot <= x, at most the second to last.
    while (i + 2 < x_.size() && x_[i + 1] <= x) ++i;
    out[k] = value_in(i, x);
  }
}

double NaturalCubicSpline::value_in(std::size_t i, double x) const {
  const double h = x_[i + 1] - x_[i];
  const double a = x_[i + 1] - x;  // distance to the right knot
  const double b = x - x_[i];      // distance to the left knot
  return m_[i] * a * a * a / (6.0 * h) + m_[i + 1] * b * b * b / (6.0 * h) +
         (y_[i] / h - m_[i] * h / 6.0) * a + (y_[i + 1] / h - m_[i + 1] * h / 6.0) * b;
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
