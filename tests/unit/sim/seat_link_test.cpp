#include <catch2/catch.hpp>

#include <google/protobuf/util/json_util.h>

#include "sim/seat_link.hpp"
#include "sim/wire_codec.hpp"

using namespace attune::sim;
namespace v1 = attune::v1;

namespace {

// Records what the seat sends; the test plays the server.
struct FakeTransport : Transport {
  Handler* handler = nullptr;
  std::vector<v1::ClientMessage> sent;
  std::vector<bool> sent_text;
  int opens = 0;
  bool open_now = false;

  void open(Handler& h) override {
    handler = &h;
    ++opens;
  }
  void send(std::string payload, bool text) override {
    REQUIRE(open_now);
    v1::ClientMessage m;
    if (text) {
      // Text frames carry JSON: parse it back through protobuf's JSON mapping.
      REQUIRE(google::protobuf::util::JsonStringToMessage(payload, &m).ok());
    } else {
      REQUIRE(m.ParseFromString(payload));
    }
    sent.push_back(m);
    sent_text.push_back(text);
  }
  void close() override {
    open_now = false;
    handler->on_closed("closed by client", true);
  }

  void accept() {
    open_now = true;
    handler->on_open();
  }
  void drop() {
    open_now = false;
    handler->on_closed("reset", true);
  }
  void reply(const v1::ServerMessage& m) { handler->on_frame(m.SerializeAsString(), false); }
};

v1::ServerMessage welcome(bool resumed, std::uint64_t last_applied) {
  v1::ServerMessage m;
  m.mutable_welcome()->set_session_id("s1");
  m.mutable_welcome()->set_resume_token("resume-1");
  m.mutable_welcome()->set_resumed(resumed);
  m.mutable_welcome()->set_last_applied_seq(last_applied);
  return m;
}

v1::SampleBatch batch(std::int64_t t) {
  v1::SampleBatch b;
  auto* beat = b.add_beats();
  beat->set_t_ms(t);
  beat->set_rr_ms(800);
  return b;
}

struct Fixture {
  FakeTransport* t = new FakeTransport;
  std::vector<v1::ServerMessage> received;
  SeatLink link{Seat::B, "invite-b", false, std::unique_ptr<Transport>(t),
                [this](Seat, const v1::ServerMessage& m) { received.push_back(m); }, "test"};
};

}  // namespace

TEST_CASE("joins with Hello, then sends batches with increasing seq", "[sim][seat]") {
  Fixture f;
  f.link.start();
  CHECK(f.link.phase() == SeatLink::Phase::Connecting);
  f.t->accept();
  REQUIRE(f.t->sent.size() == 1);
  const v1::Hello& hello = f.t->sent[0].hello();
  CHECK(f.t->sent[0].seq() == 1);
  CHECK(hello.invite_token() == "invite-b");
  CHECK(hello.client_name() == "attune-simulate");
  REQUIRE(hello.streams_size() == 2);
  CHECK(hello.streams(0).kind() == v1::STREAM_KIND_RR);
  CHECK(hello.streams(1).kind() == v1::STREAM_KIND_RESPIRATION);
  CHECK(hello.streams(1).nominal_rate_hz() == 25.0);
  CHECK(f.link.phase() == SeatLink::Phase::Joining);

  f.t->reply(welcome(false, 0));
  CHECK(f.link.phase() == SeatLink::Phase::Live);
  CHECK(f.received.size() == 1);
  f.link.push_batch(batch(1000));
  f.link.push_batch(batch(1500));
  REQUIRE(f.t->sent.size() == 3);
  CHECK(f.t->sent[1].seq() == 2);
  CHECK(f.t->sent[2].seq() == 3);
  CHECK(f.t->sent[2].samples().beats(0).t_ms() == 1500);

  f.link.leave(true);
  CHECK(f.t->sent.back().leave().end_session());
  f.link.close();
  CHECK(f.link.phase() == SeatLink::Phase::Closed);
}

TEST_CASE("resume: Hello with the resume token, then what the server did not apply", "[sim][seat]") {
  Fixture f;
  f.link.start();
  f.t->accept();
  f.t->reply(welcome(false, 0));
  for (int i = 0; i < 4; ++i) f.link.push_batch(batch(1000 + 500 * i));  // seq 2..5
  f.t->drop();
  CHECK(f.link.phase() == SeatLink::Phase::Disconnected);
  f.link.push_batch(batch(3000));  // made while away: kept unsent
  CHECK(f.t->sent.size() == 5);

  f.link.reconnect();
  CHECK(f.t->opens == 2);
  f.t->accept();
  const v1::ClientMessage& hello = f.t->sent.back();
  CHECK(hello.hello().resume_token() == "resume-1");
  CHECK(hello.hello().invite_token().empty());
  CHECK(hello.seq() == 6);

  f.t->reply(welcome(true, 3));  // batches seq 2, 3 were applied
  REQUIRE(f.t->sent.size() == 6 + 3);
  // t 2000, 2500 (old seq 4, 5) and 3000 (never sent), renumbered above the Hello.
  CHECK(f.t->sent[6].samples().beats(0).t_ms() == 2000);
  CHECK(f.t->sent[7].samples().beats(0).t_ms() == 2500);
  CHECK(f.t->sent[8].samples().beats(0).t_ms() == 3000);
  for (std::size_t i = 6; i < 9; ++i) CHECK(f.t->sent[i].seq() == i + 1);
  CHECK(f.link.resumes() == 1);
}

TEST_CASE("a refused first Hello fails the seat", "[sim][seat]") {
  Fixture f;
  f.link.start();
  f.t->accept();
  v1::ServerMessage err;
  err.mutable_error()->set_code(v1::ERROR_CODE_BAD_TOKEN);
  err.mutable_error()->set_message("unknown invite");
  f.t->reply(err);
  CHECK(f.link.phase() == SeatLink::Phase::Failed);
  CHECK(f.link.failure().find("BAD_TOKEN") != std::string::npos);
  CHECK_FALSE(f.link.connection_failed());
}

TEST_CASE("no server at all is a connection failure", "[sim][seat]") {
  Fixture f;
  f.link.start();
  f.t->handler->on_closed("connection refused", false);
  CHECK(f.link.phase() == SeatLink::Phase::Failed);
  CHECK(f.link.connection_failed());
}

TEST_CASE("a refused resume is retried, then the seat rejoins with its invite", "[sim][seat]") {
  Fixture f;
  f.link.start();
  f.t->accept();
  f.t->reply(welcome(false, 0));
  v1::ServerMessage taken;
  taken.mutable_error()->set_code(v1::ERROR_CODE_SEAT_TAKEN);
  for (int attempt = 0; attempt < 2; ++attempt) {
    f.t->drop();
    f.link.reconnect();
    f.t->accept();
    CHECK(f.t->sent.back().hello().resume_token() == "resume-1");
    f.t->reply(taken);
    CHECK(f.link.phase() == SeatLink::Phase::Disconnected);
  }
  f.link.reconnect();
  f.t->accept();
  CHECK(f.t->sent.back().hello().invite_token() == "invite-b");
}

TEST_CASE("JSON frames carry snake_case field names", "[sim][seat]") {
  v1::ClientMessage m;
  m.set_seq(3);
  m.mutable_samples()->add_waveforms()->set_t0_ms(5);
  m.mutable_samples()->mutable_waveforms(0)->set_rate_hz(25);
  const std::string json = encode_client_message(m, true);
  CHECK(json.find("\"t0_ms\"") != std::string::npos);
  CHECK(json.find("\"rate_hz\"") != std::string::npos);
  CHECK(encode_client_message(m, false) == m.SerializeAsString());

  v1::ServerMessage out;
  std::string err;
  REQUIRE(decode_server_message(R"({"seq":"4","room_state":{"data_time_ms":"12","future_field":1}})", true, out, err));
  CHECK(out.room_state().data_time_ms() == 12);
  CHECK_FALSE(decode_server_message("not json", true, out, err));
}
