// Windowed cross-correlation (WCC) of two regularly sampled series.
// Source: Boker, Rotondo, Xu & King (2002), "Windowed cross-correlation and
// peak picking for the analysis of variability in the association between
// behavioral time series", Psychological Methods 7:338; as in rMEA MEAccf.
//
// Construction (one window, docs/metrics.md "WCC"): x and y both hold
// n + L samples on the same grid, index 0 earliest, index n + L - 1 the
// window end e; L = max lag in samples. For lag j in [-L, L] the pair is
//   x_i = x[L + i - max(j, 0)],  y_i = y[L + i - max(-j, 0)],  i = 0..n-1,
// i.e. y is compared with x taken j samples earlier: partner y at time s + j
// against partner x at time s. Whichever of the two windows is later ends at
// e, so no lag needs data after e. A positive peak lag therefore means the
// second series follows (lags behind) the first.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace attune::core {

// Pearson product-moment r of a[0..n) and b[0..n) (two-pass, mean first);
// nullopt if either SD is below min_sd (r undefined for a flat series).
std::optional<double> pearson_r(const double* a, const double* b, std::size_t n, double min_sd);

// Fisher's z = atanh(r), r clamped to |r| <= 1 - 1e-12 so z stays finite.
double fisher_z(double r);

struct WccResult {
  double r0 = 0.0;           // r at lag 0
  double peak_r = 0.0;       // r of largest |r| (sign kept); first in lag order on ties
  int peak_lag_steps = 0;    // its lag in samples (positive: y follows x)
  std::vector<double> r_by_lag;  // r for lags -L..L
};

// nullopt if sizes are not n + max_lag, or r is undefined at any lag.
std::optional<WccResult> windowed_cross_correlation(const std::vector<double>& x,
                                                    const std::vector<double>& y,
                                                    std::size_t n, std::size_t max_lag,
                                                    double min_sd);

}  // namespace attune::core
