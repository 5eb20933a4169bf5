// The simulator's side of the intervention loop: clock replies and data on
// the seat's own clock, pacer commands, prompt acks, the new flags and the
// pacer and prompts in the status lines.
#include <catch2/catch.hpp>

#include <utility>  // before Asio: see TOOLCHAIN.md

#include <boost/asio/io_context.hpp>
#include <chrono>

#include "sim/batch_builder.hpp"
#include "sim/jitter_transport.hpp"
#include "sim/report_format.hpp"
#include "sim/seat_link.hpp"
#include "sim/simulate_options.hpp"
#include "sim/wire_codec.hpp"

using namespace attune::sim;
namespace v1 = attune::v1;

namespace {

constexpr std::int64_t kTrueUs = 1'700'000'000'000'000;  // "true" time of the test, us
constexpr std::int64_t kOffsetUs = 3'700'000;            // the seat's clock is 3.7 s ahead

struct FakeTransport : Transport {
  Handler* handler = nullptr;
  std::vector<v1::ClientMessage> sent;
  bool open_now = false;
  void open(Handler& h) override { handler = &h; }
  void send(std::string payload, bool) override {
    REQUIRE(open_now);
    v1::ClientMessage m;
    REQUIRE(m.ParseFromString(payload));
    sent.push_back(m);
  }
  void close() override {
    open_now = false;
    handler->on_closed("closed by client", true);
  }
  void accept() {
    open_now = true;
    handler->on_open();
  }
  void reply(const v1::ServerMessage& m) { handler->on_frame(m.SerializeAsString(), false); }
};

struct Seat3 {
  FakeTransport* t = new FakeTransport;
  std::vector<v1::ServerMessage> received;
  std::int64_t true_us = kTrueUs;  // advanced by the test
  SeatLink link{Seat::A, "invite-a", false, std::unique_ptr<Transport>(t),
                [this](Seat, const v1::ServerMessage& m) { received.push_back(m); }, "test"};
  Seat3() {
    link.set_clock([this] {
      const std::int64_t now = true_us + kOffsetUs;
      true_us += 150;  // each reading of the clock takes a little time
      return now;
    });
  }
  void join() {
    link.start();
    t->accept();
    v1::ServerMessage w;
    w.mutable_welcome()->set_session_id("s1");
    t->reply(w);
    REQUIRE(link.phase() == SeatLink::Phase::Live);
  }
};

v1::ServerMessage probe(std::int64_t t0_us) {
  v1::ServerMessage m;
  m.mutable_clock_probe()->set_t0_us(t0_us);
  return m;
}

}  // namespace

TEST_CASE("a seat answers clock probes at once on its own clock", "[sim][clock]") {
  Seat3 s;
  s.join();
  const std::size_t before = s.t->sent.size();
  s.true_us = kTrueUs + 5'000;
  s.t->reply(probe(kTrueUs + 4'000));  // the server's clock is true time here
  REQUIRE(s.t->sent.size() == before + 1);
  const v1::ClientMessage& m = s.t->sent.back();
  REQUIRE(m.has_clock_reply());
  CHECK(m.seq() == before + 1);  // numbered like every other message
  const v1::ClockReply& r = m.clock_reply();
  CHECK(r.t0_us() == kTrueUs + 4'000);                 // echoed
  CHECK(r.t1_us() == kTrueUs + 5'000 + kOffsetUs);     // received, on the seat's clock
  CHECK(r.t2_us() == kTrueUs + 5'150 + kOffsetUs);     // sent, after it
  CHECK(s.link.clock_replies() == 1);
  // What the server would compute from it (t3 = 1 ms after t2 in true time,
  // a symmetric 1 ms path): offset = ((t1 - t0) + (t2 - t3)) / 2.
  const std::int64_t t3 = kTrueUs + 5'150 + 1'000;
  CHECK(((r.t1_us() - r.t0_us()) + (r.t2_us() - t3)) / 2 == kOffsetUs);

  // The server's estimate is kept and passed on.
  v1::ServerMessage off;
  off.mutable_clock_offset()->set_offset_us(3'700'100);
  off.mutable_clock_offset()->set_uncertainty_us(400);
  s.t->reply(off);
  REQUIRE(s.link.clock_offset());
  CHECK(s.link.clock_offset()->offset_us() == 3'700'100);
  CHECK(s.received.back().has_clock_offset());
}

TEST_CASE("a probe before Welcome is not answered", "[sim][clock]") {
  Seat3 s;
  s.link.start();
  s.t->accept();
  s.t->reply(probe(1));
  CHECK(s.t->sent.size() == 1);  // only the Hello
}

TEST_CASE("a seat with a clock offset stamps its data on its own clock", "[sim][clock]") {
  ModelParams p;
  p.seed = 3;
  p.start_ms = 1'700'000'000'000;
  CoupleModel model(p);
  BatchBuilder plain, shifted;
  shifted.set_clock_offset_ms(Seat::A, 3700.4);  // whole ms on the wire
  shifted.set_clock_offset_ms(Seat::B, -250.0);
  struct Both : Sink {
    Sink *x, *y;
    void on_beat(Seat s, const SimBeat& b) override { x->on_beat(s, b); y->on_beat(s, b); }
    void on_respiration(Seat s, std::int64_t t, double v) override {
      x->on_respiration(s, t, v);
      y->on_respiration(s, t, v);
    }
  } both;
  both.x = &plain;
  both.y = &shifted;
  std::size_t beats = 0;
  for (int k = 1; k <= 20; ++k) {
    model.generate_until(p.start_ms + 500 * k, both);
    for (Seat seat : {Seat::A, Seat::B}) {
      const std::int64_t off = seat == Seat::A ? 3700 : -250;
      const v1::SampleBatch a = plain.take(seat), b = shifted.take(seat);
      REQUIRE(a.beats_size() == b.beats_size());
      for (int i = 0; i < a.beats_size(); ++i) {
        CHECK(b.beats(i).t_ms() == a.beats(i).t_ms() + off);
        CHECK(b.beats(i).rr_ms() == a.beats(i).rr_ms());
        ++beats;
      }
      REQUIRE(b.waveforms_size() == 1);
      CHECK(b.waveforms(0).t0_ms() == a.waveforms(0).t0_ms() + off);
      CHECK(b.waveforms(0).values_size() == a.waveforms(0).values_size());
    }
  }
  CHECK(beats > 15);
  CHECK(shifted.clock_offset_ms(Seat::Clinician) == 0);
}

TEST_CASE("pacer commands and prompt acks go out only while joined", "[sim][pacer]") {
  Seat3 s;
  CHECK_FALSE(s.link.send_pacer_command(v1::PacerCommand::ACTION_START));
  s.join();
  REQUIRE(s.link.send_pacer_command(v1::PacerCommand::ACTION_START));
  CHECK(s.t->sent.back().pacer().action() == v1::PacerCommand::ACTION_START);
  CHECK_FALSE(s.t->sent.back().pacer().has_pattern());  // partners send no pattern
  REQUIRE(s.link.ack_prompt("p7"));
  CHECK(s.t->sent.back().prompt_ack().prompt_id() == "p7");
  CHECK(s.t->sent.back().seq() > s.t->sent[s.t->sent.size() - 2].seq());
  s.link.close();
  CHECK_FALSE(s.link.ack_prompt("p8"));
}

TEST_CASE("jittered frames keep their order and all arrive", "[sim][clock]") {
  boost::asio::io_context io;
  auto* inner = new FakeTransport;
  auto jt = make_jitter_transport(io, std::unique_ptr<Transport>(inner), 20.0, 5);
  struct H : Transport::Handler {
    bool opened = false, closed = false;
    void on_open() override { opened = true; }
    void on_frame(std::string, bool) override {}
    void on_closed(const std::string&, bool) override { closed = true; }
  } h;
  jt->open(h);
  inner->accept();
  REQUIRE(h.opened);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 1; i <= 20; ++i) {
    v1::ClientMessage m;
    m.set_seq(static_cast<std::uint64_t>(i));
    jt->send(m.SerializeAsString(), false);
  }
  CHECK(inner->sent.empty());  // nothing leaves at once...
  jt->close();                 // ...and close waits for the queue
  io.run();
  const auto waited = std::chrono::steady_clock::now() - t0;
  REQUIRE(inner->sent.size() == 20);
  for (int i = 0; i < 20; ++i) CHECK(inner->sent[i].seq() == static_cast<std::uint64_t>(i + 1));
  CHECK(h.closed);
  CHECK(waited < std::chrono::milliseconds(200));
}

TEST_CASE("intervention flags", "[sim][options]") {
  auto parse = [](std::vector<std::string> a) {
    a.insert(a.begin(), {"--invite-a", "x", "--invite-b", "y"});
    return parse_simulate_options(a, nullptr);
  };
  const auto d = parse({});
  REQUIRE(d.ok);
  CHECK(d.options.follow_pacer[0] == 1.0);
  CHECK(d.options.follow_pacer[1] == 1.0);
  CHECK(d.options.ack_prompts);
  CHECK(d.options.clock_offset_ms[0] == 0.0);
  CHECK_FALSE(d.options.start_pacer_s);

  const auto r = parse({"--clock-offset-b", "-20", "--clock-offset-ms", "3700", "--reply-jitter-ms", "20",
                        "--ignore-pacer", "--follow-pacer-b", "0.5", "--start-pacer", "150", "--stop-pacer", "400",
                        "--no-ack"});
  REQUIRE(r.ok);
  const auto& o = r.options;
  CHECK(o.clock_offset_ms[0] == 3700.0);
  CHECK(o.clock_offset_ms[1] == -20.0);  // the seat's own flag wins, in any order
  CHECK(o.clock_offset_ms[2] == 3700.0);
  CHECK(o.reply_jitter_ms == 20.0);
  CHECK(o.follow_pacer[0] == 0.0);
  CHECK(o.follow_pacer[1] == 0.5);
  CHECK(*o.start_pacer_s == 150.0);
  CHECK(*o.stop_pacer_s == 400.0);
  CHECK_FALSE(o.ack_prompts);

  CHECK_FALSE(parse({"--follow-pacer-a", "1.5"}).ok);
  CHECK_FALSE(parse({"--reply-jitter-ms", "-1"}).ok);
  CHECK_FALSE(parse({"--start-pacer", "soon"}).ok);
  CHECK_FALSE(parse({"--clock-offset-ms"}).ok);
  CHECK(simulate_usage().find("--follow-pacer-a") != std::string::npos);
}

TEST_CASE("status lines show the pacer and the prompts", "[sim][report]") {
  StatusExtras x;
  CHECK(status_suffix_text(x) == " | pacer off | prompts 0");
  x.pacer.known = true;
  x.pacer.running = true;
  x.pacer.schedule.running = true;
  x.pacer.schedule.pattern = {4.0, 0.0, 6.0, 0.0};
  x.pacer.rate_bpm = 6.0;
  x.pacer.phase = 0.2;  // half way through the inhale
  CHECK(pacer_bar(x.pacer) == "[in ====    ]");
  x.pacer.phase = 0.4 + 0.6 * 0.25;  // a quarter into the exhale
  CHECK(pacer_bar(x.pacer) == "[out ======  ]");
  x.prompts_total = 2;
  x.clocks.push_back({Seat::A, 3700.12, 0.4});
  CHECK(status_suffix_text(x) == " | pacer 6.0/min [out ======  ] | prompts 2 | clock A +3700.1 (+-0.4) ms");

  v1::Prompt p;
  p.set_prompt_id("p1");
  p.set_catalogue_id("pause_co_escalation");
  p.set_text("Let's \"pause\"");
  p.set_audience(v1::AUDIENCE_BOTH);
  x.new_prompts.push_back({Seat::B, p});
  const std::string json = status_fields_json(x);
  CHECK(json.find(R"(,"pacer":{"running":true,"rate_bpm":6.000,"phase":0.5500})") == 0);
  CHECK(json.find(R"("prompts":[{"seat":"B","prompt_id":"p1","catalogue_id":"pause_co_escalation","text":"Let's \"pause\"","audience":"BOTH","from_clinician":false}])") !=
        std::string::npos);
  CHECK(json.find(R"("clock":{"A":{"offset_ms":3700.120,"uncertainty_ms":0.400}})") != std::string::npos);
  v1::RoomState rs;
  const std::string line = room_state_json(rs, 0, json);
  CHECK(line.back() == '}');
  CHECK(line.find("\"pacer\":{") != std::string::npos);
  CHECK(prompt_text(Seat::B, p) == "prompt for B [pause_co_escalation]: Let's \"pause\"");

  StatusExtras off;
  CHECK(status_fields_json(off).find(R"("pacer":{"running":false,"rate_bpm":null,"phase":null})") != std::string::npos);
}
