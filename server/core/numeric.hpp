// Small numeric helpers shared by the metric functions. They exist so that
// no value leaving the core can be NaN or infinite, and so that time
// arithmetic on negative milliseconds rounds the same way everywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>

namespace attune::core {

// A finite value, or nothing: the last guard before a value is published.
inline std::optional<double> finite_or_none(double v) {
  if (std::isfinite(v)) return v;
  return std::nullopt;
}

inline std::optional<double> finite_or_none(const std::optional<double>& v) {
  if (v && std::isfinite(*v)) return v;
  return std::nullopt;
}

// Floor division that rounds toward minus infinity (C++ '/' truncates), so a
// beat at -1 ms belongs to the second that starts at -1000 ms.
inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return -floor_div(-a, b);
}

// Times beyond this magnitude (about 35,000 years of milliseconds) are
// refused, so that adding windows to a time can never overflow int64.
inline constexpr std::int64_t kMaxAbsTimeMs = std::int64_t{1} << 50;

}  // namespace attune::core
