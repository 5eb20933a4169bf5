// Co-regulation episodes through the codec: the summary mapping (every field,
// an OPEN episode, the list) and who sees them: episodes follow from the
// partners' regulation states, which every role sees, so every view gets
// the whole A-B episode summary and the live episode.
#include <catch2/catch.hpp>

#include "codec/frame_codec.hpp"
#include "codec/state_codec.hpp"

namespace codec = attune::codec;
namespace core = attune::core;
namespace v1 = attune::v1;

namespace {

core::EngineSummary summary_with_episodes() {
  core::CoregulationEpisodes e(45000, 100);
  using RS = core::RegulationState;
  // A activated 10-39 s beside settled B (recovered in 30 s), then B
  // activated from 60 s, still under way at 80 s.
  for (int t = 0; t <= 80; ++t) {
    const RS a = (t >= 10 && t < 40) ? RS::Activated : RS::Settled;
    const RS b = t >= 60 ? RS::Activated : RS::Settled;
    e.observe(t * 1000, a, b);
  }
  core::EngineSummary s;
  s.episodes = e.summary();
  return s;
}

}  // namespace

TEST_CASE("episodes map to the session summary field by field") {
  v1::SessionSummary out;
  codec::fill_summary(summary_with_episodes(), out);
  REQUIRE(out.has_coregulation());
  const auto& c = out.coregulation();
  CHECK(c.total() == 2);
  CHECK(c.recovered() == 1);
  CHECK(c.open() == 1);
  CHECK(c.escalated() == 0);
  CHECK(c.lost() == 0);
  CHECK(c.median_recovery_s() == 30.0);
  CHECK(c.mean_recovery_s() == 30.0);
  REQUIRE(c.episodes_size() == 2);
  CHECK(c.episodes(0).activated_role() == v1::ROLE_PARTNER_A);
  CHECK(c.episodes(0).anchor_role() == v1::ROLE_PARTNER_B);
  CHECK(c.episodes(0).start_ms() == 10000);
  CHECK(c.episodes(0).end_ms() == 40000);
  CHECK(c.episodes(0).duration_s() == 30.0);
  CHECK(c.episodes(0).outcome() == v1::EPISODE_OUTCOME_RECOVERED);
  CHECK(c.episodes(1).activated_role() == v1::ROLE_PARTNER_B);
  CHECK(c.episodes(1).outcome() == v1::EPISODE_OUTCOME_OPEN);
  CHECK(c.episodes(1).duration_s() == 20.0);
  REQUIRE(c.seats_size() == 2);
  CHECK(c.seats(0).role() == v1::ROLE_PARTNER_A);
  CHECK(c.seats(0).recovered() == 1);
  CHECK(c.seats(0).anchored() == 1);
  CHECK(c.seats(1).role() == v1::ROLE_PARTNER_B);
  CHECK(c.seats(1).anchored_recovered() == 1);
  CHECK(c.seats(1).activated() == 1);
  // No recovered episode: no median or mean at all (absent, not 0).
  v1::SessionSummary none;
  codec::fill_summary(core::EngineSummary{}, none);
  CHECK(none.has_coregulation());
  CHECK_FALSE(none.coregulation().has_median_recovery_s());
  CHECK_FALSE(none.coregulation().has_mean_recovery_s());
  // The stored JSON carries it under its proto name.
  CHECK(codec::to_json(out).find("\"coregulation\"") != std::string::npos);
}

TEST_CASE("every role sees the episodes in its summary and the live episode in its room state") {
  v1::SessionSummary full;
  codec::fill_summary(summary_with_episodes(), full);
  core::Snapshot snap;
  snap.episode = core::OngoingEpisode{core::Seat::B, core::Seat::A, 12.0};
  codec::RoomStateContext ctx;
  for (const auto view : {codec::View::PartnerA, codec::View::PartnerB, codec::View::Clinician, codec::View::Observer}) {
    for (const bool share : {false, true}) {
      INFO("view " << static_cast<int>(view) << ", share " << share);
      const auto seen = codec::summary_for_view(full, view, share);
      REQUIRE(seen.has_coregulation());
      CHECK(seen.coregulation().SerializeAsString() == full.coregulation().SerializeAsString());
      ctx.share_metrics_with_partners = share;
      const auto rs = codec::to_room_state(snap, view, ctx);
      REQUIRE(rs.has_episode());
      CHECK(rs.episode().activated_role() == v1::ROLE_PARTNER_B);
      CHECK(rs.episode().anchor_role() == v1::ROLE_PARTNER_A);
      CHECK(rs.episode().elapsed_s() == 12.0);
    }
  }
  snap.episode.reset();
  CHECK_FALSE(codec::to_room_state(snap, codec::View::Clinician, ctx).has_episode());
}
