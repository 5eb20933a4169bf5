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

// The heart-rate test's statistic and surrogates: wcc_span_test.hpp.

}  // namespace attune::core
