// Robust location and scale of a person's calibration values: the median and
// the median absolute deviation scaled to the SD of a normal distribution.
// Source: Leys et al. (2013), "Detecting outliers: do not use standard
// deviation around the mean, use absolute deviation around the median",
// J Exp Soc Psychol 49:764 (constant 1.4826 = 1 / Phi^-1(3/4)).
#pragma once

#include <optional>
#include <vector>

namespace attune::core {

struct RobustBaseline {
  double median = 0.0;
  double scale = 1.0;  // max(MAD * mad_scale, floor): never 0
};

// Median (mean of the two middle values for an even count); nullopt if empty.
std::optional<double> median(std::vector<double> values);

// Median absolute deviation from the median (unscaled).
std::optional<double> median_absolute_deviation(const std::vector<double>& values);

// nullopt if empty. scale_floor guards MAD == 0 (a flat calibration): z-scores
// stay finite and a tiny wobble is not read as many SDs.
std::optional<RobustBaseline> robust_baseline(const std::vector<double>& values, double mad_scale,
                                              double scale_floor);

// (value - median) / scale.
double robust_z(double value, const RobustBaseline& baseline);

}  // namespace attune::core
