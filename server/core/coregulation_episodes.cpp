#include "core/coregulation_episodes.hpp"

namespace attune::core {
namespace {

constexpr std::int64_t kSecondMs = 1000;

bool known(RegulationState s) { return s != RegulationState::Unknown; }

std::size_t index_of(Seat s) { return s == Seat::A ? 0 : 1; }

}  // namespace

const char* episode_outcome_name(EpisodeOutcome o) {
  switch (o) {
    case EpisodeOutcome::Recovered: return "recovered";
    case EpisodeOutcome::Escalated: return "escalated";
    case EpisodeOutcome::Lost: return "lost";
    case EpisodeOutcome::Open: return "open";
  }
  return "?";
}

CoregulationEpisodes::CoregulationEpisodes(std::int64_t max_signal_loss_ms, std::size_t list_max)
    : max_signal_loss_ms_(max_signal_loss_ms), list_max_(list_max) {}

void CoregulationEpisodes::record(const CoregulationEpisode& e) {
  ++total_;
  if (listed_.size() < list_max_) listed_.push_back(e);
  SeatEpisodeCounts& act = seats_[index_of(e.activated)];
  SeatEpisodeCounts& anc = seats_[index_of(e.anchor)];
  ++act.activated;
  ++anc.anchored;
  switch (e.outcome) {
    case EpisodeOutcome::Recovered:
      ++recovered_;
      ++act.recovered;
      ++anc.anchored_recovered;
      ++recovery_ms_counts_[e.end_ms - e.start_ms];
      recovery_sum_s_ += e.duration_s();
      break;
    case EpisodeOutcome::Escalated: ++escalated_; break;
    case EpisodeOutcome::Lost: ++lost_; break;
    case EpisodeOutcome::Open: break;  // never recorded: summary() adds it
  }
}

void CoregulationEpisodes::close(std::int64_t t_ms, EpisodeOutcome outcome) {
  open_->end_ms = t_ms;
  open_->outcome = outcome;
  record(*open_);
  open_.reset();
  loss_seconds_ = 0;
}

void CoregulationEpisodes::observe(std::int64_t t_ms, RegulationState a, RegulationState b) {
  using RS = RegulationState;
  last_t_ms_ = t_ms;
  const bool both_known = known(a) && known(b);

  if (open_) {
    const RS act = open_->activated == Seat::A ? a : b;
    const RS anc = open_->anchor == Seat::A ? a : b;
    if (!both_known) {
      ++loss_seconds_;
      if (loss_seconds_ * kSecondMs > max_signal_loss_ms_) close(t_ms, EpisodeOutcome::Lost);
    } else if (anc != RS::Settled) {
      close(t_ms, anc == RS::Activated && act == RS::Activated ? EpisodeOutcome::Escalated
                                                              : EpisodeOutcome::Lost);
    } else if (act == RS::Settled) {
      close(t_ms, EpisodeOutcome::Recovered);
    } else if (act == RS::ShutDown) {
      close(t_ms, EpisodeOutcome::Lost);
    } else {
      loss_seconds_ = 0;
    }
  }

  if (!both_known) return;
  const Config now{a, b};
  const bool anchoring = (a == RS::Activated && b == RS::Settled) ||
                         (a == RS::Settled && b == RS::Activated);
  if (!open_ && anchoring && (!last_known_ || *last_known_ != now)) {
    CoregulationEpisode e;
    e.activated = a == RS::Activated ? Seat::A : Seat::B;
    e.anchor = a == RS::Activated ? Seat::B : Seat::A;
    e.start_ms = t_ms;
    e.end_ms = t_ms;
    open_ = e;
    loss_seconds_ = 0;
  }
  last_known_ = now;
}

void CoregulationEpisodes::observe_unknown(std::int64_t first_t_ms, std::int64_t n) {
  if (n <= 0) return;
  const std::int64_t last = first_t_ms + (n - 1) * kSecondMs;
  if (open_) {
    // The loss runs out at the first second with loss_seconds * 1000 > max.
    const std::int64_t needed = max_signal_loss_ms_ / kSecondMs + 1 - loss_seconds_;
    if (needed <= n) {
      close(first_t_ms + (std::max<std::int64_t>(needed, 1) - 1) * kSecondMs, EpisodeOutcome::Lost);
    } else {
      loss_seconds_ += n;
    }
  }
  last_t_ms_ = last;
}

std::optional<OngoingEpisode> CoregulationEpisodes::ongoing() const {
  if (!open_ || !last_t_ms_) return std::nullopt;
  return OngoingEpisode{open_->activated, open_->anchor,
                        static_cast<double>(*last_t_ms_ - open_->start_ms) / 1000.0};
}

EpisodeSummary CoregulationEpisodes::summary() const {
  EpisodeSummary s;
  s.episodes = listed_;
  s.total = total_;
  s.recovered = recovered_;
  s.escalated = escalated_;
  s.lost = lost_;
  s.seats = seats_;
  if (open_) {
    CoregulationEpisode e = *open_;
    e.end_ms = last_t_ms_.value_or(e.start_ms);
    e.outcome = EpisodeOutcome::Open;
    ++s.total;
    ++s.open;
    if (s.episodes.size() < list_max_) s.episodes.push_back(e);
    ++s.seats[index_of(e.activated)].activated;
    ++s.seats[index_of(e.anchor)].anchored;
  }
  if (recovered_ > 0) {
    s.mean_recovery_s = recovery_sum_s_ / recovered_;
    // Median of the recovery times (whole seconds, counted by value): the
    // mean of the two middle values for an even count, like numpy.median.
    const std::uint64_t lo_rank = (recovered_ - 1) / 2, hi_rank = recovered_ / 2;
    std::uint64_t seen = 0;
    std::optional<std::int64_t> lo, hi;
    for (const auto& [ms, count] : recovery_ms_counts_) {
      if (!lo && lo_rank < seen + count) lo = ms;
      if (!hi && hi_rank < seen + count) hi = ms;
      seen += count;
      if (hi) break;
    }
    s.median_recovery_s = static_cast<double>(*lo + *hi) / 2000.0;
  }
  return s;
}

}  // namespace attune::core
