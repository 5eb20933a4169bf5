// Above chance: a synchrony value against the same value computed on
// surrogate pairs in which one partner's series is circularly shifted by at
// least a minimum shift (Moulder, Boker, Ramseyer & Tschacher 2018, Psychol
// Methods 23:757; Coutinho et al. 2021). Reported as a z-score:
// z = (real - mean(surrogates)) / SD(surrogates, ddof 1).
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

namespace attune::core {

// nullopt with fewer than 2 surrogates or a (near-)zero surrogate SD.
std::optional<double> surrogate_z(double real, const std::vector<double>& surrogates);

// Circular shifts s = min_shift, min_shift + step, ... <= size - min_shift.
std::vector<std::size_t> circular_shifts(std::size_t size, std::size_t min_shift, std::size_t step);

// Heart-rate WCC surrogates: x_long and y_long hold the same M grid points
// of the two partners (ending at the WCC window end). For each shift s,
// y_s[i] = y_long[(i - s) mod M]; the statistic is |peak r| of the WCC of
// the last n + L points of x_long and y_s (windowed_cross_correlation).
// Shifts whose WCC is undefined are skipped.
std::vector<double> wcc_circular_surrogates(const std::vector<double>& x_long,
                                            const std::vector<double>& y_long, std::size_t n,
                                            std::size_t max_lag, std::size_t min_shift,
                                            std::size_t step, double min_sd);

}  // namespace attune::core
