// Small numeric helpers shared by the metric functions. They exist so that
// no value leaving the core can be NaN or infinite, and so that time
// arithmetic on negative milliseconds rounds the same way everywhere.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace attune::core {

// Dot product with four partial sums: independent chains let the CPU overlap
// the additions (the WCC and its surrogates are ~1e5-1e6 products a second).
// The summation order is fixed, so results are bit-identical everywhere.
inline double dot(const double* a, const double* b, std::size_t n) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i] * b[i];
    s1 += a[i + 1] * b[i + 1];
    s2 += a[i + 2] * b[i + 2];
    s3 += a[i + 3] * b[i + 3];
  }
  for (; i < n; ++i) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}

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
