// Above chance over the whole session ("full at session end", issue 3): the
// live surrogate tests (every 15 s) overlap heavily, so their z are not
// independent and cannot simply be pooled. At session end the z of tests
// whose spans do not overlap are combined by Stouffer's method,
//     Z = sum(z_k) / sqrt(k),
// which is N(0, 1) when each z_k is and they are independent (Stouffer,
// Suchman, DeVinney, Star & Williams 1949; Whitlock 2005, J Evol Biol
// 18:1368). Disjoint spans are chosen greedily in time: the first test, then
// each first test whose span begins where the last chosen one ended or later
// (t - t_last >= span). Deterministic, O(1) memory.
#pragma once

#include <cstdint>
#include <optional>

namespace attune::core {

class StoufferOverDisjointSpans {
 public:
  explicit StoufferOverDisjointSpans(std::int64_t span_ms) : span_ms_(span_ms) {}

  // A live test whose span ends at t_ms gave z.
  void add(std::int64_t t_ms, double z);

  std::uint32_t spans() const { return spans_; }
  // nullopt before the first test.
  std::optional<double> z() const;

 private:
  std::int64_t span_ms_;
  std::optional<std::int64_t> last_t_ms_;
  std::uint32_t spans_ = 0;
  double sum_z_ = 0.0;
};

}  // namespace attune::core
