// "Compute on cadence, hold in between" (docs/metrics.md "Update cadence"):
// a slow-window value is recomputed only at seconds that are multiples of
// its update period and published unchanged in the seconds between, for as
// long as its input keeps streaming; when the input stops, the held value
// is dropped (nothing stale is published after a gap).
#pragma once

#include <optional>

namespace attune::core {

template <class T>
class Held {
 public:
  // The value to publish this second: `fresh` when `due` (absent or not),
  // the held one otherwise; none while not `live`.
  const std::optional<T>& update(bool live, bool due, const std::optional<T>& fresh) {
    if (!live) {
      held_.reset();
    } else if (due) {
      held_ = fresh;
    }
    return held_;
  }
  const std::optional<T>& value() const { return held_; }

 private:
  std::optional<T> held_;
};

}  // namespace attune::core
