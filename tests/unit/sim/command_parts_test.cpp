// The plain parts of `attune simulate`: batches, output lines, the
// create-room exchange.
#include <catch2/catch.hpp>

#include "sim/batch_builder.hpp"
#include "sim/report_format.hpp"
#include "sim/room_api.hpp"

using namespace attune::sim;
namespace v1 = attune::v1;

TEST_CASE("batches hold the beats and one contiguous 25 Hz respiration chunk", "[sim][batch]") {
  ModelParams p;
  p.seed = 3;
  p.start_ms = 1'700'000'000'000;
  CoupleModel model(p);
  BatchBuilder builder;
  std::int64_t next_t0 = 0, last_beat = 0;
  std::size_t beats = 0;
  for (int k = 1; k <= 120; ++k) {
    model.generate_until(p.start_ms + 500 * k, builder);
    const v1::SampleBatch b = builder.take(Seat::A);
    REQUIRE(b.waveforms_size() == 1);
    const v1::WaveformChunk& w = b.waveforms(0);
    CHECK(w.kind() == v1::STREAM_KIND_RESPIRATION);
    CHECK(w.rate_hz() == 25.0);
    CHECK((w.values_size() == 12 || w.values_size() == 13));
    if (next_t0 != 0) CHECK(w.t0_ms() == next_t0);  // chunks join without gaps
    next_t0 = w.t0_ms() + 40 * w.values_size();
    CHECK(next_t0 <= p.start_ms + 500 * k + 40);
    for (const v1::Beat& beat : b.beats()) {
      CHECK(beat.t_ms() > last_beat);
      CHECK(beat.t_ms() <= p.start_ms + 500 * k);
      last_beat = beat.t_ms();
      ++beats;
    }
  }
  CHECK(beats > 50);
  CHECK(builder.take(Seat::A).beats_size() == 0);  // emptied
  CHECK(builder.take(Seat::Clinician).waveforms_size() == 0);
}

TEST_CASE("room state as a text line", "[sim][report]") {
  v1::RoomState rs;
  rs.set_data_time_ms(1'000'000 + 151'000);
  rs.set_shared_state(v1::SHARED_STATE_ONE_ACTIVATED);
  rs.set_activated_role(v1::ROLE_PARTNER_B);
  auto* a = rs.add_participants();
  a->set_role(v1::ROLE_PARTNER_A);
  a->set_state(v1::REGULATION_STATE_SETTLED);
  a->set_connected(true);
  a->set_hr_bpm(72.06);
  a->set_rmssd_ms(41.0);
  auto* b = rs.add_participants();
  b->set_role(v1::ROLE_PARTNER_B);
  b->set_state(v1::REGULATION_STATE_ACTIVATED);
  b->set_connected(true);
  auto* pair = rs.add_pairs();
  pair->set_first(v1::ROLE_PARTNER_A);
  pair->set_second(v1::ROLE_PARTNER_B);
  pair->set_wcc_peak_r(0.52);
  pair->set_wcc_peak_lag_s(1.25);
  CHECK(room_state_text(rs, 1'000'000) ==
        "02:31 ONE_ACTIVATED(B) | A SETTLED hr 72.1 rmssd 41.0 | B ACTIVATED | AB r +0.52 lag +1.25 s");
  const std::string json = room_state_json(rs, 1'000'000);
  CHECK(json.rfind("{\"type\":\"room_state\",\"data_clock\":\"02:31\",", 0) == 0);
  CHECK(json.find("\"wcc_peak_lag_s\":1.25") != std::string::npos);
}

TEST_CASE("data clock keeps counting minutes past the hour", "[sim][report]") {
  CHECK(data_clock(5'000 + 3'725'000, 5'000) == "62:05");
  CHECK(data_clock(0, 5'000) == "00:00");
}

TEST_CASE("errors and summaries", "[sim][report]") {
  v1::Error e;
  e.set_code(v1::ERROR_CODE_BAD_TIMESTAMP);
  e.set_message("too old");
  CHECK(error_text(Seat::B, e) == "error from server (seat B): BAD_TIMESTAMP: too old");
  CHECK(error_json(Seat::A, e).find("\"code\":\"ERROR_CODE_BAD_TIMESTAMP\"") != std::string::npos);

  v1::SessionSummary s;
  s.set_session_id("s1");
  s.set_end_reason("ended_by_partner_a");
  s.set_data_seconds(600);
  auto* p = s.add_participants();
  p->set_role(v1::ROLE_PARTNER_A);
  p->set_beats_received(700);
  p->set_mean_hr_bpm(71.0);
  const std::string text = summary_text(s);
  CHECK(text.find("600 s of data") != std::string::npos);
  CHECK(text.find("A: 700 beats") != std::string::npos);
  CHECK(text.find("session_id") == std::string::npos);  // the caller prints that line
  CHECK(text.find("co-regulation") == std::string::npos);  // none in this summary
  auto* c = s.mutable_coregulation();
  c->set_total(2);
  c->set_recovered(1);
  c->set_open(1);
  c->set_median_recovery_s(125.0);
  CHECK(summary_text(s).find("co-regulation: 2 episodes (recovered 1, escalated 0, lost 0, open 1), median recovery 125 s") !=
        std::string::npos);
}

TEST_CASE("create-room request and response", "[sim][http]") {
  CHECK(create_room_body("simulated couple") == R"({"label":"simulated couple"})");
  v1::CreateRoomResponse r;
  std::string err;
  REQUIRE(parse_create_room_response(
      201,
      R"({"room_id":"r1","room_key":"k","invites":{"partner_a":"ta","partner_b":"tb","clinician":"tc","observers":[]},"ws_path":"/v1/ws","invites_expire_at_ms":"5","extra":1})",
      r, err));
  CHECK(r.invites().clinician() == "tc");
  CHECK(r.ws_path() == "/v1/ws");
  CHECK_FALSE(parse_create_room_response(401, R"({"error":{"code":"unauthorized","message":"bad admin key"}})", r, err));
  CHECK(err == "HTTP 401 unauthorized: bad admin key");
  CHECK_FALSE(parse_create_room_response(200, "{}", r, err));
}
