// Cubic-spline resampling of an irregular series (beat times) onto a regular
// grid, the standard step before spectral or cross-correlation analysis of
// heart-rate series (Task Force 1996; Berntson et al. 1997 use 4 Hz).
//
// Boundary condition: "natural" (second derivative 0 at both end knots),
// i.e. scipy.interpolate.CubicSpline(x, y, bc_type="natural"). The engine
// feeds extra knots beyond the window (wcc_spline_margin_ms) so the
// boundary choice has negligible effect on the resampled window.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace attune::core {

class NaturalCubicSpline {
 public:
  NaturalCubicSpline() = default;

  // x strictly increasing and finite, y finite, same size >= 2; else nullopt.
  static std::optional<NaturalCubicSpline> fit(std::vector<double> x, std::vector<double> y);

  // The same fit into this object, reusing its storage (a spline kept per
  // thread allocates nothing once warm). False, leaving it unusable, when
  // fit() would give nullopt.
  bool refit(const double* x, const double* y, std::size_t n);

  // The spline's value at x. Outside [x.front(), x.back()] the end value of
  // the nearest piece's polynomial is not used: x is clamped to the knots,
  // because the engine never asks for values outside the data.
  double operator()(double x) const;

  // The values at increasing points xs, the same as operator() on each, but
  // finding each piece by walking forward from the previous one instead of
  // a binary search (a 4 Hz grid visits every piece in order).
  void evaluate_increasing(const std::vector<double>& xs, std::vector<double>& out) const;

  // Values at xs[k] = (first + k) * step_ms - origin_ms) / 1000 for k <
  // count, each computed exactly so, evaluated as evaluate_increasing
  // (the grids of beat_resampling, without building the grid).
  void evaluate_grid(std::int64_t first, std::size_t count, double step_ms, double origin_ms,
                     std::vector<double>& out) const;

 private:
  std::size_t piece_of(double x) const;
  double value_in(std::size_t i, double x) const;
  std::size_t advance_piece(std::size_t i, double x) const;

  // Knots, and per piece i (between knots i and i + 1) the terms of its
  // polynomial that do not depend on x, computed once at fit time with the
  // same operations value_in used to repeat for every point (bit-identical):
  // six times its width, and (y[i] / h - M[i] h / 6), (y[i+1] / h - M[i+1] h / 6).
  std::vector<double> x_, m_;  // knots, second derivatives
  struct Piece {
    double h6, left, right;
  };
  std::vector<Piece> pieces_;
};

// Values of the natural cubic spline through (x, y) at each grid point;
// nullopt when the spline cannot be fitted.
std::optional<std::vector<double>> resample_spline(std::vector<double> x, std::vector<double> y,
                                                   const std::vector<double>& grid);

}  // namespace attune::core
