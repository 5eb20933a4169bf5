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
#include <optional>
#include <vector>

namespace attune::core {

class NaturalCubicSpline {
 public:
  // x strictly increasing and finite, y finite, same size >= 2; else nullopt.
  static std::optional<NaturalCubicSpline> fit(std::vector<double> x, std::vector<double> y);

  // The spline's value at x. Outside [x.front(), x.back()] the end value of
  // the nearest piece's polynomial is not used: x is clamped to the knots,
  // because the engine never asks for values outside the data.
  double operator()(double x) const;

  // The values at increasing points xs, the same as operator() on each, but
  // finding each piece by walking forward from the previous one instead of
  // a binary search (a 4 Hz grid visits every piece in order).
  void evaluate_increasing(const std::vector<double>& xs, std::vector<double>& out) const;

 private:
  NaturalCubicSpline() = default;
  std::size_t piece_of(double x) const;
  double value_in(std::size_t i, double x) const;

  std::vector<double> x_, y_, m_;  // knots, values, second derivatives
};

// Values of the natural cubic spline through (x, y) at each grid point;
// nullopt when the spline cannot be fitted.
std::optional<std::vector<double>> resample_spline(std::vector<double> x, std::vector<double> y,
                                                   const std::vector<double>& grid);

}  // namespace attune::core
