#include "sim/simulate_command.hpp"

#include <utility>  // before Asio: see TOOLCHAIN.md

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <vector>

#include <spdlog/spdlog.h>

#include "sim/batch_builder.hpp"
#include "sim/jitter_transport.hpp"
#include "sim/pacer_schedule.hpp"
#include "sim/physiology_model.hpp"
#include "sim/rng.hpp"
#include "sim/report_format.hpp"
#include "sim/room_api.hpp"
#include "sim/seat_link.hpp"
#include "sim/simulate_options.hpp"
#include "sim/transport.hpp"
#include "sim/wire_codec.hpp"

#ifndef ATTUNE_SIM_VERSION
#define ATTUNE_SIM_VERSION "dev"
#endif

namespace attune::sim {

namespace asio = boost::asio;
namespace v1 = attune::v1;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kBatchMs = 500;        // data per SampleBatch (DESIGN.md, "Batching")
constexpr auto kJoinTimeout = 10s;
constexpr auto kSummaryTimeout = 10s;
constexpr auto kCloseTimeout = 3s;
constexpr auto kReconnectDelay = 1s;
constexpr auto kPollInterval = 100ms;
constexpr int kMaxCatchUp = 50;                // batches per wake-up when the timer lags
constexpr double kAckDelayDataMs = 2000.0;     // a person reads a prompt for 2 s of data time
constexpr double kMinAckDelayMs = 50.0;        // ... but at least this much wall time

enum Exit { kOk = 0, kBadFlags = 1, kNoServer = 2, kRefused = 3, kNoSummary = 4 };

std::int64_t system_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string report_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

struct Invites {
  std::string a, b, c;
  std::string ws_path = "/v1/ws";
};

class Simulation {
 public:
  Simulation(asio::io_context& io, const SimulateOptions& opt, const Invites& inv)
      : io_(io), opt_(opt), poll_(io), tick_(io), print_(io), deadline_(io) {
    std::vector<std::pair<Seat, std::string>> seats = {{Seat::A, inv.a}, {Seat::B, inv.b}};
    if (opt.clinician) seats.emplace_back(Seat::Clinician, inv.c);
    display_ = opt.clinician ? Seat::Clinician : Seat::A;
    for (auto& [seat, token] : seats) {
      const int i = static_cast<int>(seat);
      std::unique_ptr<Transport> transport = make_websocket_transport(io, opt.url, inv.ws_path);
      if (opt.reply_jitter_ms > 0.0)
        transport = make_jitter_transport(io, std::move(transport), opt.reply_jitter_ms,
                                          derive_seed(opt.seed, 1000 + static_cast<std::uint64_t>(i)));
      links_.push_back(std::make_unique<SeatLink>(
          seat, token, opt.json_frames, std::move(transport),
          [this](Seat s, const v1::ServerMessage& m) { on_message(s, m); }, ATTUNE_SIM_VERSION));
      // The seat's own clock: true time + its offset.
      const std::int64_t offset_us = std::llround(opt.clock_offset_ms[i] * 1000.0);
      links_.back()->set_clock([offset_us] { return system_now_us() + offset_us; });
      builder_.set_clock_offset_ms(seat, opt.clock_offset_ms[i]);
      down_since_.emplace_back();
    }
  }

  int run() {
    for (auto& l : links_) l->start();
    join_deadline_ = Clock::now() + kJoinTimeout;
    schedule_poll();
    io_.run();
    return exit_code_;
  }

 private:
  enum class Stage { Joining, Streaming, Ending, Closing, Done };

  // ---- output
  void line(const std::string& s) { std::cout << s << '\n' << std::flush; }

  void on_message(Seat seat, const v1::ServerMessage& m) {
    const int i = static_cast<int>(seat);
    if (m.has_room_state() && seat == display_) latest_ = m.room_state();
    if (m.has_room_state() && m.room_state().has_pacer()) set_pacer_state(seat, m.room_state().pacer());
    if (m.has_pacer()) set_pacer_state(seat, m.pacer());
    if (m.has_clock_offset()) {
      if (!offset_seen_[i])
        spdlog::info("seat {}: server's clock offset estimate {:+.3f} ms (uncertainty {:.3f} ms; configured {:+.3f} ms)",
                     seat_name(seat), m.clock_offset().offset_us() / 1000.0, m.clock_offset().uncertainty_us() / 1000.0,
                     opt_.clock_offset_ms[i]);
      offset_seen_[i] = true;
      apply_pacer(seat);  // the conversion between the clocks changed
    }
    if (m.has_prompt()) on_prompt(seat, m.prompt());
    if (m.has_error()) line(opt_.json_output ? error_json(seat, m.error()) : error_text(seat, m.error()));
    if (m.has_welcome() && session_id_.empty()) session_id_ = m.welcome().session_id();
    // Each seat gets the summary its role may see; print the fullest one (the
    // clinician's when a clinician streams, else partner A's).
    const Seat summary_seat = opt_.clinician ? Seat::Clinician : Seat::A;
    if (m.has_summary() && !summary_ && seat == summary_seat) {
      summary_ = m.summary();
      if (stage_ == Stage::Ending) finish_with_summary();
    }
  }

  void print_status() {
    const std::int64_t data_now = start_ms_ + batches_sent_ * kBatchMs;
    const StatusExtras extras = status_extras(data_now);
    new_prompts_.clear();
    if (latest_) {
      line(opt_.json_output ? room_state_json(*latest_, start_ms_, status_fields_json(extras))
                            : room_state_text(*latest_, start_ms_) + status_suffix_text(extras));
    } else if (opt_.json_output) {
      line("{\"type\":\"waiting\",\"data_clock\":\"" + data_clock(data_now, start_ms_) + "\"" +
           status_fields_json(extras) + "}");
    } else {
      line(data_clock(data_now, start_ms_) + " (no room state yet)" + status_suffix_text(extras));
    }
  }

  // Prompts that arrived after the last status line (JSON mode), before the summary.
  void flush_prompts() {
    if (!opt_.json_output || new_prompts_.empty()) return;
    StatusExtras x = status_extras(start_ms_ + batches_sent_ * kBatchMs);
    std::string fields = status_fields_json(x);
    new_prompts_.clear();
    line("{\"type\":\"prompts\"" + fields + "}");
  }

  // ---- the intervention loop
  StatusExtras status_extras(std::int64_t data_now) const {
    StatusExtras x;
    // The pacer as the displayed seat sees it (else partner A), at the data
    // time just sent: the server runs the pacer on data time.
    Seat shown = display_;
    if (!pacer_[static_cast<int>(shown)]) shown = Seat::A;
    if (pacer_[static_cast<int>(shown)]) {
      const PacerSchedule sched = schedule_for(shown);
      x.pacer.known = true;
      x.pacer.running = sched.valid();
      x.pacer.rate_bpm = sched.rate_bpm();
      x.pacer.phase = sched.phase_at_ms(data_now);
      x.pacer.schedule = sched;
    }
    x.prompts_total = prompts_total_;
    x.new_prompts = new_prompts_;
    for (const auto& l : links_)
      if (l->clock_offset())
        x.clocks.push_back({l->seat(), l->clock_offset()->offset_us() / 1000.0,
                            l->clock_offset()->uncertainty_us() / 1000.0});
    return x;
  }

  const SeatLink* link(Seat seat) const {
    for (const auto& l : links_)
      if (l->seat() == seat) return l.get();
    return nullptr;
  }

  // The seat's pacer in model (true data) time. The server's epoch is on
  // the server clock; the seat stamps model time m as m + X (its clock
  // offset), which the server reads as server time m + X - offset (its
  // estimate, client = server + offset). So the model's epoch is
  // epoch_server - X + offset. Before any estimate, offset 0.
  PacerSchedule schedule_for(Seat seat) const {
    PacerSchedule out;
    const auto& ps = pacer_[static_cast<int>(seat)];
    if (!ps) return out;
    out.running = ps->running();
    const v1::PacerPattern& pat = ps->pattern();
    out.pattern = {pat.inhale_s(), pat.hold_in_s(), pat.exhale_s(), pat.hold_out_s()};
    if (!(out.pattern.period_s() > 0.0)) out.pattern = PacerSchedule::pattern_for_rate(ps->rate_bpm());
    const SeatLink* l = link(seat);
    const std::int64_t x_us = std::llround(opt_.clock_offset_ms[static_cast<int>(seat)] * 1000.0);
    const std::int64_t off_us = l && l->clock_offset() ? l->clock_offset()->offset_us() : 0;
    out.epoch_us = ps->epoch_us() - x_us + off_us;
    return out;
  }

  void set_pacer_state(Seat seat, const v1::PacerState& ps) {
    auto& slot = pacer_[static_cast<int>(seat)];
    const bool changed = !slot || slot->running() != ps.running() || slot->rate_bpm() != ps.rate_bpm();
    slot = ps;
    if (changed && seat == (pacer_[static_cast<int>(display_)] ? display_ : Seat::A) && stage_ == Stage::Streaming) {
      const std::int64_t data_now = start_ms_ + batches_sent_ * kBatchMs;
      if (opt_.json_output)
        line("{\"type\":\"pacer\",\"data_clock\":\"" + data_clock(data_now, start_ms_) + "\",\"pacer\":" +
             to_json_line(ps) + "}");
      else
        line(data_clock(data_now, start_ms_) + " pacer " +
             (ps.running() ? "running at " + report_number(ps.rate_bpm()) + "/min" : std::string("stopped")));
    }
    apply_pacer(seat);
  }

  void apply_pacer(Seat seat) {
    if (model_ && static_cast<int>(seat) < static_cast<int>(model_->seats().size())) model_->set_pacer(seat, schedule_for(seat));
  }

  void on_prompt(Seat seat, const v1::Prompt& p) {
    ++prompts_total_;
    if (opt_.json_output)
      new_prompts_.push_back({seat, p});
    else
      line(data_clock(start_ms_ + batches_sent_ * kBatchMs, start_ms_) + " " + prompt_text(seat, p));
    if (!opt_.ack_prompts || p.prompt_id().empty()) return;
    const double wall_ms = std::max(kMinAckDelayMs, kAckDelayDataMs / opt_.speed);
    auto timer = std::make_shared<asio::steady_timer>(
        io_, std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(wall_ms)));
    timer->async_wait([this, timer, seat, id = p.prompt_id()](const boost::system::error_code& ec) {
      if (ec || (stage_ != Stage::Streaming && stage_ != Stage::Ending)) return;
      for (auto& l : links_)
        if (l->seat() == seat && l->ack_prompt(id)) ++acks_sent_;
    });
  }

  // Partner A's scripted pacer commands, at their data seconds.
  void send_pacer_commands() {
    const double data_s = batches_sent_ * kBatchMs / 1000.0;
    auto fire = [&](const std::optional<double>& at, bool& done, v1::PacerCommand::Action action, const char* what) {
      if (!at || done || data_s < *at) return;
      done = true;
      const bool sent = links_.front()->send_pacer_command(action);
      const std::string clock = data_clock(start_ms_ + batches_sent_ * kBatchMs, start_ms_);
      if (opt_.json_output)
        line("{\"type\":\"pacer_command\",\"data_clock\":\"" + clock + "\",\"seat\":\"A\",\"action\":\"" +
             what + "\",\"sent\":" + (sent ? "true" : "false") + "}");
      else
        line(clock + " A " + (sent ? "sends" : "cannot send (not connected)") + " PacerCommand " + what);
    };
    fire(opt_.start_pacer_s, start_sent_, v1::PacerCommand::ACTION_START, "START");
    fire(opt_.stop_pacer_s, stop_sent_, v1::PacerCommand::ACTION_STOP, "STOP");
  }

  // ---- housekeeping: joining, reconnects, closing
  void schedule_poll() {
    poll_.expires_after(kPollInterval);
    poll_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) poll();
    });
  }

  void poll() {
    switch (stage_) {
      case Stage::Joining: check_joined(); break;
      case Stage::Streaming: reconnect_lost(); break;
      case Stage::Ending: reconnect_lost(); break;
      case Stage::Closing: check_closed(); break;
      case Stage::Done: return;
    }
    if (stage_ != Stage::Done) schedule_poll();
  }

  void check_joined() {
    for (auto& l : links_) {
      if (l->phase() != SeatLink::Phase::Failed) continue;
      spdlog::error("seat {}: {}", seat_name(l->seat()), l->failure());
      return shut_down(l->connection_failed() ? kNoServer : kRefused);
    }
    bool all = true;
    for (auto& l : links_) all = all && l->phase() == SeatLink::Phase::Live;
    if (all) return start_streaming();
    if (Clock::now() > join_deadline_) {
      for (auto& l : links_)
        if (l->phase() != SeatLink::Phase::Live) spdlog::error("seat {}: no Welcome within 10 s", seat_name(l->seat()));
      shut_down(kRefused);
    }
  }

  void reconnect_lost() {
    const auto now = Clock::now();
    for (std::size_t i = 0; i < links_.size(); ++i) {
      if (links_[i]->phase() != SeatLink::Phase::Disconnected) {
        down_since_[i].reset();
        continue;
      }
      if (!down_since_[i]) down_since_[i] = now;
      if (now - *down_since_[i] >= kReconnectDelay) {
        down_since_[i].reset();
        links_[i]->reconnect();
      }
    }
  }

  void check_closed() {
    bool all = true;
    for (auto& l : links_)
      all = all && (l->phase() == SeatLink::Phase::Closed || l->phase() == SeatLink::Phase::Failed ||
                    l->phase() == SeatLink::Phase::Disconnected || l->phase() == SeatLink::Phase::Idle);
    if (all || Clock::now() > close_deadline_) done();
  }

  // ---- streaming
  void start_streaming() {
    stage_ = Stage::Streaming;
    const auto& w = links_.front()->welcome();
    if (w.has_limits() && w.limits().max_batches_per_second() > 0 &&
        2.0 * opt_.speed > w.limits().max_batches_per_second())
      spdlog::warn("--speed {} sends {} batches/s per seat; the server allows {}", opt_.speed, 2.0 * opt_.speed,
                   w.limits().max_batches_per_second());
    // Data starts duration * (1 - 1/speed) before now, so it ends about at
    // real now: the server accepts data only near its own clock.
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    const auto lead_ms = std::llround(opt_.duration_s * (1.0 - 1.0 / opt_.speed) * 1000.0);
    start_ms_ = (now_ms - lead_ms) / 1000 * 1000;
    total_batches_ = static_cast<std::int64_t>(std::ceil(opt_.duration_s * 1000.0 / kBatchMs));

    ModelParams p;
    p.seed = opt_.seed;
    p.start_ms = start_ms_;
    p.clinician = opt_.clinician;
    p.coupling = opt_.coupling;
    p.breath_coupling = opt_.breath_coupling;
    p.lag_s = opt_.lag_s;
    p.ectopic_per_beat = opt_.ectopic_per_beat;
    p.dropouts_per_min = opt_.dropouts_per_min;
    p.episodes = opt_.episodes;
    for (int i = 0; i < kSeatCount; ++i) p.breathing[i].entrainment = opt_.follow_pacer[i];
    model_ = std::make_unique<CoupleModel>(p);
    for (auto& l : links_) apply_pacer(l->seat());  // a pacer already running

    if (opt_.json_output)
      line("{\"type\":\"start\",\"session_id\":\"" + session_id_ + "\",\"data_start_ms\":" +
           std::to_string(start_ms_) + ",\"seats\":" + std::to_string(links_.size()) + "}");
    else
      line("joined " + std::to_string(links_.size()) + " seats, session " + session_id_ + "; streaming " +
           std::to_string(static_cast<long long>(opt_.duration_s)) + " s of data at speed " + report_number(opt_.speed));

    t0_ = Clock::now();
    interval_ = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(kBatchMs / opt_.speed));
    schedule_tick();
    schedule_print();
  }

  void schedule_tick() {
    tick_.expires_at(t0_ + interval_ * (batches_sent_ + 1));
    tick_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) on_tick();
    });
  }

  void on_tick() {
    const auto now = Clock::now();
    for (int n = 0; n < kMaxCatchUp && batches_sent_ < total_batches_ &&
                    t0_ + interval_ * (batches_sent_ + 1) <= now;
         ++n)
      send_batch();
    if (batches_sent_ >= total_batches_) return end_data();
    schedule_tick();
  }

  void send_batch() {
    ++batches_sent_;
    model_->generate_until(start_ms_ + batches_sent_ * kBatchMs, builder_);
    for (auto& l : links_) l->push_batch(builder_.take(l->seat()));
    send_pacer_commands();
  }

  void schedule_print() {
    print_.expires_after(1s);
    print_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stage_ != Stage::Streaming) return;
      print_status();
      schedule_print();
    });
  }

  // ---- the end
  void end_data() {
    print_.cancel();
    print_status();
    if (opt_.no_end) return shut_down(kOk);
    stage_ = Stage::Ending;
    links_.front()->leave(true);  // partner A ends the session
    if (summary_) return finish_with_summary();
    deadline_.expires_after(kSummaryTimeout);
    deadline_.async_wait([this](const boost::system::error_code& ec) {
      if (ec || stage_ != Stage::Ending) return;
      spdlog::error("no session summary within 10 s");
      print_session_id();
      shut_down(kNoSummary);
    });
  }

  void finish_with_summary() {
    deadline_.cancel();
    flush_prompts();
    line(opt_.json_output ? summary_json(*summary_) : summary_text(*summary_));
    if (!summary_->session_id().empty()) session_id_ = summary_->session_id();
    print_session_id();
    shut_down(kOk);
  }

  void print_session_id() {
    if (!session_id_.empty()) line("session_id=" + session_id_);
  }

  void shut_down(int code) {
    flush_prompts();
    exit_code_ = code;
    stage_ = Stage::Closing;
    tick_.cancel();
    print_.cancel();
    deadline_.cancel();
    for (auto& l : links_) l->close();
    close_deadline_ = Clock::now() + kCloseTimeout;
  }

  void done() {
    stage_ = Stage::Done;
    poll_.cancel();
    links_.clear();  // detaches the transports
    io_.stop();
  }

  asio::io_context& io_;
  const SimulateOptions& opt_;
  asio::steady_timer poll_, tick_, print_, deadline_;
  std::vector<std::unique_ptr<SeatLink>> links_;
  std::vector<std::optional<Clock::time_point>> down_since_;
  Seat display_ = Seat::A;
  Stage stage_ = Stage::Joining;
  int exit_code_ = kOk;
  Clock::time_point join_deadline_, close_deadline_, t0_;
  Clock::duration interval_{};
  std::int64_t start_ms_ = 0;
  std::int64_t batches_sent_ = 0;
  std::int64_t total_batches_ = 0;
  std::unique_ptr<CoupleModel> model_;
  BatchBuilder builder_;
  std::optional<v1::RoomState> latest_;
  std::optional<v1::SessionSummary> summary_;
  std::string session_id_;
  // The intervention loop, per seat (index = Seat).
  std::array<std::optional<v1::PacerState>, kSeatCount> pacer_;
  std::array<bool, kSeatCount> offset_seen_{};
  std::vector<PromptSeen> new_prompts_;
  std::size_t prompts_total_ = 0;
  std::size_t acks_sent_ = 0;
  bool start_sent_ = false, stop_sent_ = false;
};

}  // namespace

int run_simulate(int argc, char** argv) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  ParseResult parsed = parse_simulate_options(args, std::getenv("ATTUNE_ADMIN_KEY"));
  if (parsed.help) {
    std::cout << simulate_usage();
    return kOk;
  }
  if (!parsed.ok) {
    std::cerr << "attune simulate: " << parsed.error << "\n";
    return kBadFlags;
  }
  for (const auto& note : parsed.notes) spdlog::warn("{}", note);
  const SimulateOptions& opt = parsed.options;

  Invites inv{opt.invite_a, opt.invite_b, opt.invite_c};
  if (opt.creates_room()) {
    v1::CreateRoomResponse room;
    std::string error;
    if (!create_room(opt.url, opt.admin_key, "simulated couple", room, error)) {
      std::cerr << "attune simulate: cannot create a room: " << error << "\n";
      return kNoServer;
    }
    inv = {room.invites().partner_a(), room.invites().partner_b(), room.invites().clinician(),
           room.ws_path().empty() ? "/v1/ws" : room.ws_path()};
    if (opt.clinician && inv.c.empty()) {
      std::cerr << "attune simulate: the new room has no clinician invite\n";
      return kNoServer;
    }
    // The room key is shown once by the server; keep it visible so the
    // sessions can be read back (GET /v1/rooms/{id}).
    if (opt.json_output)
      std::cout << "{\"type\":\"room\",\"room_id\":\"" << room.room_id() << "\",\"room_key\":\"" << room.room_key()
                << "\"}\n";
    else
      std::cout << "room_id=" << room.room_id() << "\nroom_key=" << room.room_key() << "\n";
  }

  boost::asio::io_context io;
  Simulation sim(io, opt, inv);
  return sim.run();
}

}  // namespace attune::sim
