// Room logic with fake members, a fake store and a manual clock: sessions,
// seats, resume, privacy views, validation, grace period, summaries.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "fakes.hpp"
#include "rooms/room.hpp"

using namespace attune;
using attune::test::FakeMember;
using attune::test::FakeStore;
using PC = v1::ServerMessage::PayloadCase;

namespace {

struct Harness {
  FakeStore store;
  rooms::ManualClock clock;
  rooms::RoomCounters counters;
  rooms::RoomSettings settings;
  rooms::Room room{rooms::RoomIdentity{"rm_test", false, false}, settings, store, clock, counters};

  std::shared_ptr<FakeMember> join(rooms::SeatKind kind, const std::string& resume = "",
                                   codec::FrameFormat format = codec::FrameFormat::Binary) {
    auto m = std::make_shared<FakeMember>(format);
    v1::Hello hello;
    hello.set_invite_token("invite");
    hello.set_resume_token(resume);
    hello.set_client_name("test");
    room.join(m, kind, hello, 1);
    // The connection's clock estimate (the WebSocket session measures it);
    // until it arrives the room holds a seat's batches.
    if (kind != rooms::SeatKind::Observer) room.set_clock(m.get(), 0, 100);
    return m;
  }

  // The beats of [t_ms, until_ms] at a steady heart rate with gentle
  // breathing modulation; t_ms is the last beat time (kept per seat), so
  // every seat's data reaches the same data time after each step.
  v1::ClientMessage beats_until(std::int64_t& t_ms, std::int64_t until_ms, double base_rr, std::uint64_t seq,
                                double phase = 0.0) {
    v1::ClientMessage m;
    m.set_seq(seq);
    auto* b = m.mutable_samples();
    for (;;) {
      double rr = base_rr + 40.0 * std::sin(2 * M_PI * 0.25 * t_ms / 1000.0 + phase);
      if (t_ms + static_cast<std::int64_t>(rr) > until_ms) break;
      t_ms += static_cast<std::int64_t>(rr);
      auto* beat = b->add_beats();
      beat->set_t_ms(t_ms);
      beat->set_rr_ms(rr);
    }
    return m;
  }
  v1::ClientMessage batch(std::int64_t& t_ms, double seconds, double base_rr, std::uint64_t seq,
                          double phase = 0.0) {
    return beats_until(t_ms, t_ms + static_cast<std::int64_t>(seconds * 1000), base_rr, seq, phase);
  }

  // Streams `seconds` of data for A and B (and the clinician if given) in
  // 1-second batches, advancing the wall clock as the data goes.
  void stream(FakeMember& a, FakeMember& b, FakeMember* c, double seconds, std::int64_t& ta, std::int64_t& tb,
              std::int64_t& tc, std::uint64_t& seq) {
    std::int64_t data_clock = std::max({ta, tb, tc});
    for (int i = 0; i < static_cast<int>(seconds); ++i) {
      ++seq;
      data_clock += 1000;
      room.receive(&a, beats_until(ta, data_clock, 800, seq));
      room.receive(&b, beats_until(tb, data_clock, 900, seq, 0.5));
      if (c) room.receive(c, beats_until(tc, data_clock, 1000, seq, 1.0));
      clock.advance_ms(1000);
      room.tick();
    }
  }
};

}  // namespace

TEST_CASE("the first partner starts a session but a clinician alone does not") {
  Harness h;
  auto c = h.join(rooms::SeatKind::Clinician);
  REQUIRE(c->last(PC::kWelcome));
  CHECK(c->last(PC::kWelcome)->welcome().session_id().empty());
  CHECK(h.store.started.empty());

  auto a = h.join(rooms::SeatKind::PartnerA);
  const auto* w = a->last(PC::kWelcome);
  REQUIRE(w);
  CHECK(w->welcome().role() == v1::ROLE_PARTNER_A);
  CHECK_FALSE(w->welcome().session_id().empty());
  CHECK(w->welcome().resume_token().size() >= 22);  // >= 128 bits
  REQUIRE(h.store.started.size() == 1);
  CHECK(h.store.started[0].session_id == w->welcome().session_id());
  CHECK(c->count(PC::kPresence) >= 1);
}

TEST_CASE("a taken seat is refused and the resume token moves the seat to a new connection") {
  Harness h;
  auto a1 = h.join(rooms::SeatKind::PartnerA);
  auto token = a1->last(PC::kWelcome)->welcome().resume_token();

  auto intruder = h.join(rooms::SeatKind::PartnerA);
  REQUIRE(intruder->last(PC::kError));
  CHECK(intruder->last(PC::kError)->error().code() == v1::ERROR_CODE_SEAT_TAKEN);
  CHECK(intruder->closed == rooms::CloseCode::SeatTaken);
  CHECK_FALSE(a1->closed);

  auto a2 = h.join(rooms::SeatKind::PartnerA, token);
  REQUIRE(a2->last(PC::kWelcome));
  CHECK(a2->last(PC::kWelcome)->welcome().resumed());
  CHECK(a1->closed == rooms::CloseCode::Replaced);
  CHECK(h.store.started.size() == 1);  // same session
}

TEST_CASE("partners see states and their own metrics while the clinician sees everything") {
  Harness h;
  auto a = h.join(rooms::SeatKind::PartnerA);
  auto b = h.join(rooms::SeatKind::PartnerB);
  auto c = h.join(rooms::SeatKind::Clinician);
  std::int64_t t0 = h.clock.now_ms() - 600'000, ta = t0, tb = t0, tc = t0;
  std::uint64_t seq = 1;
  h.stream(*a, *b, c.get(), 200, ta, tb, tc, seq);

  const auto* sa = a->last(PC::kRoomState);
  const auto* sc = c->last(PC::kRoomState);
  REQUIRE(sa);
  REQUIRE(sc);
  // Partner A: A with metrics, B with state only, no clinician, only the AB pair.
  REQUIRE(sa->room_state().participants_size() == 2);
  for (const auto& p : sa->room_state().participants()) {
    CHECK(p.role() != v1::ROLE_CLINICIAN);
    if (p.role() == v1::ROLE_PARTNER_A) CHECK(p.has_hr_bpm());
    if (p.role() == v1::ROLE_PARTNER_B) {
      CHECK_FALSE(p.has_hr_bpm());
      CHECK_FALSE(p.has_rmssd_ms());
      CHECK(p.state() != v1::REGULATION_STATE_UNSPECIFIED);
    }
  }
  REQUIRE(sa->room_state().pairs_size() == 1);
  CHECK(sa->room_state().pairs(0).first() == v1::ROLE_PARTNER_A);
  CHECK(sa->room_state().pairs(0).has_wcc_peak_r());
  // Clinician: three participants with metrics, three pairs.
  CHECK(sc->room_state().participants_size() == 3);
  for (const auto& p : sc->room_state().participants()) CHECK(p.has_hr_bpm());
  CHECK(sc->room_state().pairs_size() == 3);
  // HR near 60000/800 = 75 for A.
  for (const auto& p : sc->room_state().participants())
    if (p.role() == v1::ROLE_PARTNER_A) CHECK(p.hr_bpm() == Approx(75.0).margin(1.5));
  CHECK(sc->room_state().shared_state() != v1::SHARED_STATE_WAITING);
}

TEST_CASE("an invalid batch gets its error and changes nothing") {
  Harness h;
  auto a = h.join(rooms::SeatKind::PartnerA);
  std::int64_t t = h.clock.now_ms() - 10'000;
  std::int64_t t_saved = t;
  auto good = h.batch(t, 2.0, 800, 2);

  auto nan = good;
  nan.mutable_samples()->mutable_beats(1)->set_rr_ms(std::numeric_limits<double>::quiet_NaN());
  h.room.receive(a.get(), nan);
  CHECK(a->last(PC::kError)->error().code() == v1::ERROR_CODE_NOT_FINITE);

  auto huge = good;
  huge.mutable_samples()->mutable_beats(0)->set_rr_ms(9000);
  h.room.receive(a.get(), huge);
  CHECK(a->last(PC::kError)->error().code() == v1::ERROR_CODE_OUT_OF_BOUNDS);

  auto future = good;
  future.mutable_samples()->mutable_beats(0)->set_t_ms(h.clock.now_ms() + 3'600'000);
  h.room.receive(a.get(), future);
  CHECK(a->last(PC::kError)->error().code() == v1::ERROR_CODE_BAD_TIMESTAMP);

  // The good batch with the same timestamps is still accepted: nothing above was applied.
  auto errors_before = a->count(PC::kError);
  h.room.receive(a.get(), good);
  CHECK(a->count(PC::kError) == errors_before);

  // Going back in time against applied data is refused.
  auto again = h.batch(t_saved, 1.0, 800, 3);
  h.room.receive(a.get(), again);
  CHECK(a->last(PC::kError)->error().code() == v1::ERROR_CODE_TIMESTAMP_BACKWARDS);
  CHECK_FALSE(a->closed);
}

TEST_CASE("a batch resent after a resume is not counted twice") {
  Harness h;
  auto a = h.join(rooms::SeatKind::PartnerA);
  auto b = h.join(rooms::SeatKind::PartnerB);
  std::int64_t ta = h.clock.now_ms() - 60'000;
  auto batch = h.batch(ta, 5.0, 800, 7);
  const auto beats = batch.samples().beats_size();
  h.room.receive(a.get(), batch);

  auto token = a->last(PC::kWelcome)->welcome().resume_token();
  h.room.disconnected(a.get());
  auto a2 = h.join(rooms::SeatKind::PartnerA, token);
  CHECK(a2->last(PC::kWelcome)->welcome().last_applied_seq() == 7);
  h.room.receive(a2.get(), batch);  // the resend
  CHECK(a2->count(PC::kError) == 0);

  v1::ClientMessage leave;
  leave.mutable_leave()->set_end_session(true);
  h.room.receive(a2.get(), leave);
  REQUIRE(h.store.summaries.size() == 1);
  v1::SessionSummary summary;
  REQUIRE(codec::from_json(h.store.summaries[0].summary_json, summary));
  bool found = false;
  for (const auto& p : summary.participants())
    if (p.role() == v1::ROLE_PARTNER_A) {
      found = true;
      CHECK(p.beats_received() == static_cast<std::uint64_t>(beats));
    }
  CHECK(found);
}

TEST_CASE("ending the session writes the summary, tells everyone, and closes") {
  Harness h;
  auto a = h.join(rooms::SeatKind::PartnerA);
  auto b = h.join(rooms::SeatKind::PartnerB, "", codec::FrameFormat::Json);
  std::int64_t t0 = h.clock.now_ms() - 600'000, ta = t0, tb = t0, tc = t0;
  std::uint64_t seq = 1;
  h.stream(*a, *b, nullptr, 150, ta, tb, tc, seq);
  v1::ClientMessage marker;
  marker.mutable_marker()->set_t_ms(ta);
  marker.mutable_marker()->set_label("conversation starts");
  h.room.receive(b.get(), marker);

  v1::ClientMessage leave;
  leave.mutable_leave()->set_end_session(true);
  h.room.receive(b.get(), leave);

  REQUIRE(h.store.summaries.size() == 1);
  const auto& record = h.store.summaries[0];
  CHECK(record.end_reason == "ended_by_partner_b");
  CHECK(record.algorithm_version == core::kAlgorithmVersion);
  CHECK(record.parameters_json.find("wcc_window_ms") != std::string::npos);
  for (auto* m : {a.get(), b.get()}) {
    REQUIRE(m->last(PC::kSummary));
    CHECK(m->last(PC::kSummary)->summary().session_id() == record.session_id);
    CHECK(m->closed == rooms::CloseCode::Normal);
  }
  const auto& s = b->last(PC::kSummary)->summary();
  CHECK(s.data_seconds() >= 140);
  CHECK(s.markers_size() == 1);
  CHECK(s.pairs_size() == 1);
  CHECK(s.pairs(0).windows() > 0);
  CHECK_FALSE(h.room.has_session());
}

TEST_CASE("a session outlives its members for the grace period, then ends") {
  Harness h;
  h.settings.grace_ms = 120'000;
  auto a = h.join(rooms::SeatKind::PartnerA);
  h.room.disconnected(a.get());
  h.clock.advance_ms(119'000);
  h.room.tick();
  CHECK(h.room.has_session());
  CHECK(h.store.summaries.empty());
  h.clock.advance_ms(2'000);
  h.room.tick();
  CHECK_FALSE(h.room.has_session());
  REQUIRE(h.store.summaries.size() == 1);
  CHECK(h.store.summaries[0].end_reason == "grace_expired");
  CHECK(h.room.idle());
}

TEST_CASE("observers watch but cannot stream or end the session") {
  Harness h;
  auto a = h.join(rooms::SeatKind::PartnerA);
  auto o = h.join(rooms::SeatKind::Observer);
  REQUIRE(o->last(PC::kWelcome));
  std::int64_t t = h.clock.now_ms() - 10'000;
  h.room.receive(o.get(), h.batch(t, 1.0, 800, 2));
  CHECK(o->last(PC::kError)->error().code() == v1::ERROR_CODE_FORBIDDEN);
  v1::ClientMessage leave;
  leave.mutable_leave()->set_end_session(true);
  h.room.receive(o.get(), leave);
  CHECK(o->last(PC::kError)->error().code() == v1::ERROR_CODE_FORBIDDEN);
  CHECK(h.room.has_session());
}

TEST_CASE("each member's summary shows only what its role may see") {
  Harness h;
  auto a = h.join(rooms::SeatKind::PartnerA);
  auto b = h.join(rooms::SeatKind::PartnerB);
  auto c = h.join(rooms::SeatKind::Clinician);
  auto o = h.join(rooms::SeatKind::Observer);
  std::int64_t t0 = h.clock.now_ms() - 600'000, ta = t0, tb = t0, tc = t0;
  std::uint64_t seq = 1;
  h.stream(*a, *b, c.get(), 150, ta, tb, tc, seq);
  v1::ClientMessage leave;
  leave.mutable_leave()->set_end_session(true);
  h.room.receive(c.get(), leave);

  const auto& sa = a->last(PC::kSummary)->summary();
  const auto& sc = c->last(PC::kSummary)->summary();
  const auto& so = o->last(PC::kSummary)->summary();
  CHECK(sc.participants_size() == 3);
  CHECK(sc.pairs_size() == 3);
  for (const auto& p : sc.participants()) CHECK(p.has_mean_hr_bpm());
  REQUIRE(sa.participants_size() == 2);
  for (const auto& p : sa.participants()) {
    CHECK(p.role() != v1::ROLE_CLINICIAN);
    CHECK(p.has_mean_hr_bpm() == (p.role() == v1::ROLE_PARTNER_A));
    CHECK(p.time_in_state().settled_s() + p.time_in_state().unknown_s() + p.time_in_state().activated_s() > 0);
  }
  CHECK(sa.pairs_size() == 1);
  for (const auto& p : so.participants()) CHECK_FALSE(p.has_mean_hr_bpm());
  // The store keeps the whole summary.
  v1::SessionSummary stored;
  REQUIRE(codec::from_json(h.store.summaries.at(0).summary_json, stored));
  CHECK(stored.participants_size() == 3);
  CHECK(h.store.summaries[0].end_reason == "ended_by_clinician");
}

TEST_CASE("ending a session when none is running is refused and closes nobody") {
  Harness h;
  auto c = h.join(rooms::SeatKind::Clinician);
  auto o = h.join(rooms::SeatKind::Observer);
  v1::ClientMessage leave;
  leave.set_seq(4);
  leave.mutable_leave()->set_end_session(true);
  h.room.receive(c.get(), leave);
  REQUIRE(c->last(PC::kError));
  CHECK(c->last(PC::kError)->error().code() == v1::ERROR_CODE_SESSION_ENDED);
  CHECK(c->last(PC::kError)->error().in_reply_to() == 4);
  CHECK_FALSE(c->closed);
  CHECK_FALSE(o->closed);
}

TEST_CASE("names and labels are cut at a character boundary") {
  CHECK(codec::utf8_prefix("abc", 10) == "abc");
  CHECK(codec::utf8_prefix("h\xc3\xa9llo", 2) == "h");     // does not split the two-byte e-acute
  CHECK(codec::utf8_prefix("h\xc3\xa9llo", 3) == "h\xc3\xa9");
  CHECK(codec::utf8_prefix("\xe2\x9d\xa4x", 2).empty());  // a three-byte heart
}

TEST_CASE("batches wait for the first clock estimate and then land on the server's timeline") {
  Harness h;
  auto a = std::make_shared<FakeMember>();
  v1::Hello hello;
  hello.set_invite_token("invite");
  h.room.join(a, rooms::SeatKind::PartnerA, hello, 1);
  // The phone's clock runs 5 s ahead: its "now" would be future data.
  const std::int64_t skew_ms = 5'000;
  std::int64_t t = h.clock.now_ms() + skew_ms - 3'000;
  auto first = h.batch(t, 2.0, 800, 2);
  h.room.receive(a.get(), first);
  CHECK(a->count(PC::kError) == 0);  // held, not judged yet
  h.room.set_clock(a.get(), skew_ms * 1000, 200);
  // Released with the offset applied: nothing refused, and the data is on the
  // server's timeline (a later batch stamped on the phone's clock follows it).
  auto second = h.batch(t, 1.0, 800, 3);
  h.room.receive(a.get(), second);
  CHECK(a->count(PC::kError) == 0);
  v1::ClientMessage leave;
  leave.mutable_leave()->set_end_session(true);
  h.room.receive(a.get(), leave);
  v1::SessionSummary summary;
  REQUIRE(codec::from_json(h.store.summaries.at(0).summary_json, summary));
  REQUIRE(summary.participants_size() == 1);
  CHECK(summary.participants(0).beats_received() ==
        static_cast<std::uint64_t>(first.samples().beats_size() + second.samples().beats_size()));
}

TEST_CASE("a client that never answers clock probes is taken at its word after a few batches") {
  Harness h;
  auto a = std::make_shared<FakeMember>();
  v1::Hello hello;
  hello.set_invite_token("invite");
  h.room.join(a, rooms::SeatKind::PartnerA, hello, 1);
  std::int64_t t = h.clock.now_ms() - 60'000;
  std::size_t sent = 0;
  for (std::uint64_t seq = 2; seq < 2 + rooms::Room::kMaxHeldBatches + 2; ++seq) {
    auto b = h.batch(t, 1.0, 800, seq);
    sent += static_cast<std::size_t>(b.samples().beats_size());
    h.room.receive(a.get(), b);
  }
  v1::ClientMessage leave;
  leave.mutable_leave()->set_end_session(true);
  h.room.receive(a.get(), leave);
  v1::SessionSummary summary;
  REQUIRE(codec::from_json(h.store.summaries.at(0).summary_json, summary));
  CHECK(summary.participants(0).beats_received() == sent);
  CHECK(a->count(PC::kError) == 0);
}

// ------------------------------------------------------------------ stored baselines (issue 3)

namespace {

store::SeatBaseline seat_baseline(store::SeatRole seat, double hr, std::optional<double> resonance) {
  store::SeatBaseline s;
  s.seat = seat;
  s.sessions = 3;
  s.hr_bpm = store::BaselineStat{hr, 4.0};
  s.ln_rmssd = store::BaselineStat{3.4, 0.25};
  s.resonance_rate_bpm = resonance;
  s.resonance_sessions = resonance ? 1 : 0;
  return s;
}

// The room's strand, by hand: posted work waits until run_posted().
struct Posted {
  std::vector<std::function<void(rooms::Room*)>> work;
  void attach(rooms::Room& room) {
    room.set_post([this](std::function<void(rooms::Room*)> w) { work.push_back(std::move(w)); });
  }
  void run(rooms::Room& room) {
    auto pending = std::move(work);
    work.clear();
    for (auto& w : pending) w(&room);
  }
};

const v1::SessionSummary& end_and_summary(Harness& h, FakeMember& a) {
  v1::ClientMessage leave;
  leave.mutable_leave()->set_end_session(true);
  h.room.receive(&a, leave);
  REQUIRE(a.last(PC::kSummary));
  return a.last(PC::kSummary)->summary();
}

}  // namespace

TEST_CASE("stored baselines: seeded seats do not calibrate and the pacer targets the partners' resonance") {
  Harness h;
  Posted posted;
  posted.attach(h.room);
  h.store.baselines = store::RoomBaselines{"rm_test", std::string(64, 'a'),
                                           {seat_baseline(store::SeatRole::PartnerA, 70.0, 5.0),
                                            seat_baseline(store::SeatRole::PartnerB, 66.0, 5.5)}};
  auto a = h.join(rooms::SeatKind::PartnerA);
  auto b = h.join(rooms::SeatKind::PartnerB);
  CHECK(h.store.baseline_reads == 1);  // once per session, not per join
  posted.run(h.room);
  std::int64_t t0 = h.clock.now_ms() - 600'000, ta = t0, tb = t0, tc = t0;
  std::uint64_t seq = 1;
  h.stream(*a, *b, nullptr, 45, ta, tb, tc, seq);
  const auto* state = a->last(PC::kRoomState);
  REQUIRE(state);
  for (const auto& p : state->room_state().participants()) {
    CHECK_FALSE(p.calibrating());
    CHECK(p.baseline_source() == "stored");
  }
  CHECK(state->room_state().shared_state() != v1::SHARED_STATE_CALIBRATING);
  CHECK(state->room_state().pacer().target_rate_bpm() == Approx(5.25));
  const auto& s = end_and_summary(h, *a);
  CHECK(s.stored_baselines() == "loaded");
  CHECK(s.stored_resonance_target_bpm() == Approx(5.25));
  for (const auto& p : s.participants()) CHECK(p.baseline_source() == "stored");
  REQUIRE(h.store.summaries.size() == 1);
  CHECK(h.store.summaries[0].summary_json.find("\"stored_baselines\":\"loaded\"") != std::string::npos);
}

TEST_CASE("stored baselines: a clinician's explicit target wins over the stored resonance rate") {
  Harness h;
  Posted posted;
  posted.attach(h.room);
  h.store.baselines = store::RoomBaselines{"rm_test", std::string(64, 'a'),
                                           {seat_baseline(store::SeatRole::PartnerA, 70.0, 5.0)}};
  auto a = h.join(rooms::SeatKind::PartnerA);
  auto c = h.join(rooms::SeatKind::Clinician);
  v1::ClientMessage retune;
  retune.set_seq(2);
  retune.mutable_pacer()->set_action(v1::PacerCommand::ACTION_RETUNE);
  retune.mutable_pacer()->set_target_rate_bpm(6.5);
  h.room.receive(c.get(), retune);
  posted.run(h.room);  // the store's answer arrives after the clinician's target
  h.clock.advance_ms(1000);
  h.room.tick();
  REQUIRE(a->last(PC::kRoomState));
  CHECK(a->last(PC::kRoomState)->room_state().pacer().target_rate_bpm() == 6.5);
  const auto& s = end_and_summary(h, *a);
  CHECK_FALSE(s.has_stored_resonance_target_bpm());
  CHECK(s.stored_baselines() == "loaded");
}

TEST_CASE("stored baselines: without an answer (no database) or with nothing stored the session calibrates") {
  SECTION("no way back to the strand: nothing asked") {
    Harness h;
    auto a = h.join(rooms::SeatKind::PartnerA);
    auto b = h.join(rooms::SeatKind::PartnerB);
    CHECK(h.store.baseline_reads == 0);
    std::int64_t t0 = h.clock.now_ms() - 600'000, ta = t0, tb = t0, tc = t0;
    std::uint64_t seq = 1;
    h.stream(*a, *b, nullptr, 45, ta, tb, tc, seq);
    CHECK(a->last(PC::kRoomState)->room_state().shared_state() == v1::SHARED_STATE_CALIBRATING);
    CHECK(end_and_summary(h, *a).stored_baselines() == "unavailable");
  }
  SECTION("the store has nothing for this room") {
    Harness h;
    Posted posted;
    posted.attach(h.room);
    h.store.baselines = store::RoomBaselines{"rm_test", std::string(64, 'a'), {}};
    auto a = h.join(rooms::SeatKind::PartnerA);
    posted.run(h.room);
    CHECK(end_and_summary(h, *a).stored_baselines() == "none");
  }
  SECTION("an answer for a session that has ended is dropped") {
    Harness h;
    Posted posted;
    posted.attach(h.room);
    h.store.baselines = store::RoomBaselines{"rm_test", std::string(64, 'a'),
                                             {seat_baseline(store::SeatRole::PartnerA, 70.0, 5.0)}};
    auto a = h.join(rooms::SeatKind::PartnerA);
    end_and_summary(h, *a);
    auto a2 = h.join(rooms::SeatKind::PartnerA);  // the next session
    REQUIRE(posted.work.size() == 2);
    posted.work.erase(posted.work.begin() + 1);  // only the first session's answer arrives
    posted.run(h.room);
    CHECK(end_and_summary(h, *a2).stored_baselines() == "unavailable");
  }
}

TEST_CASE("stored baselines: the session's resonance estimate reaches the summary") {
  // The clinician paces 6/min for 200 s, then 5/min for 200 s (adaptive off);
  // both partners breathe with the pacer and their heart-rate oscillation is
  // larger at 5/min, so the estimate is 5/min (docs/metrics.md "Resonance rate").
  Harness h;
  auto a = h.join(rooms::SeatKind::PartnerA);
  auto b = h.join(rooms::SeatKind::PartnerB);
  auto c = h.join(rooms::SeatKind::Clinician);
  const std::int64_t t0 = h.clock.now_ms() - 600'000;
  const std::int64_t switch_ms = t0 + 200'000;
  auto rate_at = [&](double t) { return t < static_cast<double>(switch_ms) ? 6.0 : 5.0; };
  auto phase_at = [&](double t) {  // continuous breathing phase (radians)
    const double s = static_cast<double>(switch_ms);
    if (t < s) return 2 * M_PI * 6.0 / 60.0 * (t - static_cast<double>(t0)) / 1000.0;
    return 2 * M_PI * 6.0 / 60.0 * (s - static_cast<double>(t0)) / 1000.0 + 2 * M_PI * 5.0 / 60.0 * (t - s) / 1000.0;
  };
  std::array<std::int64_t, 2> beat_t{t0, t0};
  std::uint64_t seq = 1, clinician_seq = 1;
  auto pacer = [&](v1::PacerCommand::Action action, double inhale, double exhale) {
    v1::ClientMessage m;
    m.set_seq(++clinician_seq);
    m.mutable_pacer()->set_action(action);
    m.mutable_pacer()->mutable_pattern()->set_inhale_s(inhale);
    m.mutable_pacer()->mutable_pattern()->set_exhale_s(exhale);
    if (action == v1::PacerCommand::ACTION_RETUNE) m.mutable_pacer()->set_adaptive(false);
    h.room.receive(c.get(), m);
  };
  for (int second = 1; second <= 400; ++second) {
    const std::int64_t until = t0 + second * 1000;
    ++seq;
    for (int i = 0; i < 2; ++i) {
      v1::ClientMessage m;
      m.set_seq(seq);
      auto* batch = m.mutable_samples();
      for (;;) {
        const double t = static_cast<double>(beat_t[i]);
        const double amp = rate_at(t) == 5.0 ? 70.0 : 30.0;
        const double rr = std::round(900.0 + 60.0 * i + amp * std::sin(phase_at(t)));
        if (beat_t[i] + static_cast<std::int64_t>(rr) > until) break;
        beat_t[i] += static_cast<std::int64_t>(rr);
        auto* beat = batch->add_beats();
        beat->set_t_ms(beat_t[i]);
        beat->set_rr_ms(rr);
      }
      auto* w = batch->add_waveforms();
      w->set_kind(v1::STREAM_KIND_RESPIRATION);
      w->set_t0_ms(until - 1000);
      w->set_rate_hz(25.0);
      for (int k = 0; k < 25; ++k) w->add_values(std::sin(phase_at(static_cast<double>(until - 1000 + k * 40))));
      h.room.receive(i == 0 ? a.get() : b.get(), m);
    }
    if (second == 1) {
      pacer(v1::PacerCommand::ACTION_START, 4.0, 6.0);    // 6/min
      pacer(v1::PacerCommand::ACTION_RETUNE, 4.0, 6.0);   // adaptive off
    }
    if (second == 200) pacer(v1::PacerCommand::ACTION_RETUNE, 4.8, 7.2);  // 5/min
    h.clock.advance_ms(1000);
    h.room.tick();
  }
  const auto& s = end_and_summary(h, *c);  // the clinician's copy: everyone's figures
  REQUIRE(s.has_pacer());
  CHECK(s.pacer().running_s() > 390);
  for (const auto& p : s.participants()) {
    if (p.role() == v1::ROLE_CLINICIAN) continue;
    INFO("role " << p.role());
    REQUIRE(p.has_resonance_rate_bpm());
    CHECK(p.resonance_rate_bpm() == 5.0);
  }
}
