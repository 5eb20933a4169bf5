#include "replay/replay_feed.hpp"

#include <algorithm>
#include <optional>

namespace attune::replay {
namespace {

constexpr double kDefaultRespRateHz = 25.0;  // a hand-written resp row: one sample of the 25 Hz grid

bool is_recording_row(Stream s) { return static_cast<std::size_t>(s) > static_cast<std::size_t>(Stream::Motion); }

void count(FeedReport& report, const Sample& s) { ++report.rows[static_cast<std::size_t>(s.stream)]; }

void add_beat(FeedReport& report, core::SynchronyEngine& engine, const Sample& s, std::uint32_t flags) {
  const auto verdict = engine.add_beat(s.seat, core::Beat{s.t_ms, s.value, flags});
  report.beats_ignored += verdict == core::BeatVerdict::Accepted ? 0 : 1;
}

void add_respiration(FeedReport& report, core::SynchronyEngine& engine, core::Seat seat, std::int64_t t0_ms,
                     double rate_hz, const double* values, std::size_t n) {
  const auto accepted = engine.add_respiration(seat, t0_ms, rate_hz, values, n);
  report.resp_ignored += n - accepted;
}

// The stored baseline a recording spells out row by row, per seat.
struct PendingBaseline {
  std::optional<double> hr_median, hr_scale, ln_median, ln_scale, breath_median, breath_scale;

  static std::optional<core::RobustBaseline> robust(const std::optional<double>& median,
                                                    const std::optional<double>& scale) {
    if (!median || !scale) return std::nullopt;
    return core::RobustBaseline{*median, *scale};
  }
  core::StoredBaseline take() {
    core::StoredBaseline b{robust(hr_median, hr_scale), robust(ln_median, ln_scale),
                           robust(breath_median, breath_scale)};
    *this = {};
    return b;
  }
  bool set(Stream s, double v) {
    switch (s) {
      case Stream::BaselineHrMedian: hr_median = v; return true;
      case Stream::BaselineHrScale: hr_scale = v; return true;
      case Stream::BaselineLnRmssdMedian: ln_median = v; return true;
      case Stream::BaselineLnRmssdScale: ln_scale = v; return true;
      case Stream::BaselineBreathMedian: breath_median = v; return true;
      case Stream::BaselineBreathScale: breath_scale = v; return true;
      default: return false;
    }
  }
};

}  // namespace

bool is_server_recording(const std::vector<Sample>& samples) {
  return std::any_of(samples.begin(), samples.end(), [](const Sample& s) { return s.stream == Stream::Advance; });
}

FeedReport feed_in_time_order(std::vector<Sample>& samples, core::SynchronyEngine& engine,
                              const SnapshotSink& sink) {
  std::stable_sort(samples.begin(), samples.end(), [](const Sample& a, const Sample& b) { return a.t_ms < b.t_ms; });
  FeedReport report;
  bool first = true;
  for (const auto& s : samples) {
    count(report, s);
    if (is_recording_row(s.stream)) continue;
    if (!first) engine.advance_to(s.t_ms - 1, sink);  // seconds before this row are complete
    first = false;
    if (s.stream == Stream::Rr) add_beat(report, engine, s, 0);
    else if (s.stream == Stream::Resp) add_respiration(report, engine, s.seat, s.t_ms, kDefaultRespRateHz, &s.value, 1);
  }
  if (!first) engine.advance_to(samples.back().t_ms, sink);
  return report;
}

FeedReport feed_as_recorded(const std::vector<Sample>& samples, core::SynchronyEngine& engine,
                            const SnapshotSink& sink) {
  FeedReport report;
  report.as_recorded = true;
  std::array<PendingBaseline, core::kSeatCount> baselines{};
  std::vector<double> chunk;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    count(report, s);
    switch (s.stream) {
      case Stream::Advance:
        engine.advance_to(s.t_ms, sink);
        break;
      case Stream::Rr: {
        // Its device flags, when it had any, are on the next row.
        const Sample* next = i + 1 < samples.size() ? &samples[i + 1] : nullptr;
        std::uint32_t flags = 0;
        if (next && next->stream == Stream::RrFlags && next->seat == s.seat && next->t_ms == s.t_ms) {
          flags = static_cast<std::uint32_t>(next->value);
          count(report, *next);
          ++i;
        }
        add_beat(report, engine, s, flags);
        break;
      }
      case Stream::RespRate: {
        // The chunk: the resp rows of this seat right after it.
        chunk.clear();
        std::size_t j = i + 1;
        for (; j < samples.size() && samples[j].stream == Stream::Resp && samples[j].seat == s.seat; ++j) {
          chunk.push_back(samples[j].value);
          count(report, samples[j]);
        }
        if (!chunk.empty()) add_respiration(report, engine, s.seat, s.t_ms, s.value, chunk.data(), chunk.size());
        i = j - 1;
        break;
      }
      case Stream::Resp:  // a resp row outside any chunk
        add_respiration(report, engine, s.seat, s.t_ms, kDefaultRespRateHz, &s.value, 1);
        break;
      case Stream::StoredBaseline:
        engine.set_stored_baseline(s.seat, baselines[static_cast<std::size_t>(s.seat)].take());
        break;
      default:
        baselines[static_cast<std::size_t>(s.seat)].set(s.stream, s.value);  // hr, eda, motion: unused
        break;
    }
  }
  return report;
}

}  // namespace attune::replay
