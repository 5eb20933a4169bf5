// A server recording replays to exactly the values the live engine produced,
// whatever order the room's calls came in: one partner's data arriving after
// the room moved on without it, device-flagged beats, waveform chunks at a
// rate whose sample times are not whole milliseconds, a stored baseline
// handed over mid-calibration. The recorder (rooms/) writes what the room
// did; replay's as-recorded feed (replay/) must make the same calls.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/synchrony_engine.hpp"
#include "replay/csv_reader.hpp"
#include "replay/jsonl_writer.hpp"
#include "replay/replay_feed.hpp"
#include "rooms/session_recorder.hpp"

using namespace attune;

namespace {

constexpr double kPi = 3.14159265358979323846;

// One partner's sensor: beats and respiration of the next half second.
struct Sensor {
  double t_beat_ms;
  double rr_base, rr_swing, breath_hz, phase;
  std::int64_t t_resp_ms = 0;
  int beat_count = 0;

  v1::SampleBatch next(std::int64_t until_ms, double resp_rate_hz) {
    v1::SampleBatch batch;
    while (t_beat_ms + rr_base < until_ms) {
      const double rr = rr_base + rr_swing * std::sin(2 * kPi * breath_hz * t_beat_ms / 1000.0 + phase);
      t_beat_ms += rr;
      auto* b = batch.add_beats();
      b->set_t_ms(static_cast<std::int64_t>(t_beat_ms));
      b->set_rr_ms(rr);
      if (++beat_count % 97 == 0) b->set_flags(v1::BEAT_FLAG_ARTIFACT);  // a device-flagged beat now and then
    }
    auto* w = batch.add_waveforms();
    w->set_t0_ms(t_resp_ms);
    w->set_rate_hz(resp_rate_hz);
    const double step = 1000.0 / resp_rate_hz;
    int n = 0;
    for (; t_resp_ms + n * step < until_ms; ++n)
      w->add_values(std::sin(2 * kPi * breath_hz * (t_resp_ms + n * step) / 1000.0 + phase));
    t_resp_ms += static_cast<std::int64_t>(std::llround(n * step));
    return batch;
  }
};

// The live side: the engine a room would drive, and its recorder.
struct LiveSide {
  core::SynchronyEngine engine{core::EngineConfig{}};
  rooms::SessionRecorder recorder;
  std::vector<std::string> published;

  explicit LiveSide(const std::string& folder) : recorder(folder, "session-under-test") {}

  void apply(core::Seat seat, const v1::SampleBatch& batch) {
    for (const auto& b : batch.beats()) engine.add_beat(seat, core::Beat{b.t_ms(), b.rr_ms(), b.flags()});
    for (const auto& w : batch.waveforms())
      engine.add_respiration(seat, w.t0_ms(), w.rate_hz(), w.values().data(), static_cast<std::size_t>(w.values_size()));
    recorder.record(seat, batch);
  }
  void advance(std::int64_t t_ms) {
    recorder.advance(t_ms);
    engine.advance_to(t_ms, [this](const core::Snapshot& s) { published.push_back(replay::snapshot_json(s, false)); });
  }
};

std::vector<std::string> replay_file(const std::string& path, bool as_recorded, std::string& summary) {
  std::ifstream in(path);
  auto csv = replay::read_replay_csv(in);
  REQUIRE(csv.header_ok);
  REQUIRE(csv.bad_lines == 0);
  REQUIRE(replay::is_server_recording(csv.samples));
  core::SynchronyEngine engine{core::EngineConfig{}};
  std::vector<std::string> out;
  const auto sink = [&out](const core::Snapshot& s) { out.push_back(replay::snapshot_json(s, false)); };
  if (as_recorded) replay::feed_as_recorded(csv.samples, engine, sink);
  else replay::feed_in_time_order(csv.samples, engine, sink);
  summary = replay::summary_json(engine.summary(), engine.config(), "{}");
  return out;
}

}  // namespace

TEST_CASE("a server recording replays to the live values even when a partner's data came late", "[replay][recording]") {
  const auto folder = std::filesystem::temp_directory_path() / "attune-recording-replay-test";
  std::filesystem::create_directories(folder);
  std::string live_summary;
  std::vector<std::string> live;
  {
    LiveSide room(folder.string());
    Sensor a{0, 850, 45, 0.2, 0.0};
    Sensor b{200, 780, 35, 0.23, 1.0};
    std::vector<v1::SampleBatch> b_held;  // B's batches while its phone is "offline"
    for (std::int64_t t = 500; t <= 240000; t += 500) {
      // A at 25 Hz; B at 30 Hz, whose sample times fall between milliseconds.
      room.apply(core::Seat::A, a.next(t, 25.0));
      auto bb = b.next(t, 30.0);
      const bool b_late = t > 150000 && t <= 160000;  // 10 s late: longer than the gap limit
      if (b_late) {
        b_held.push_back(std::move(bb));
      } else {
        for (auto& held : b_held) room.apply(core::Seat::B, held);
        b_held.clear();
        room.apply(core::Seat::B, bb);
      }
      if (t == 20000) {
        // A stored baseline arrives during calibration, for A only.
        core::StoredBaseline stored{core::RobustBaseline{70.5, 4.25}, core::RobustBaseline{3.7, 0.3},
                                    std::nullopt};
        room.recorder.stored_baseline(core::Seat::A, stored, t);
        room.engine.set_stored_baseline(core::Seat::A, stored);
      }
      // The room's rule: time moves with A while B is away.
      room.advance(t - 200);
    }
    room.recorder.flush();
    live = room.published;
    live_summary = replay::summary_json(room.engine.summary(), room.engine.config(), "{}");
  }
  const auto path = (folder / "session-under-test.csv").string();
  REQUIRE(live.size() >= 230);

  std::string replay_summary;
  const auto replayed = replay_file(path, true, replay_summary);
  REQUIRE(replayed.size() == live.size());
  for (std::size_t i = 0; i < live.size(); ++i) REQUIRE(replayed[i] == live[i]);
  CHECK(replay_summary == live_summary);

  // Fed in time order instead, the same file gives other values: B's late
  // seconds would have had B's data. This is what the advance rows are for.
  std::string sorted_summary;
  const auto sorted = replay_file(path, false, sorted_summary);
  bool any_difference = sorted.size() != live.size();
  for (std::size_t i = 0; !any_difference && i < live.size(); ++i) any_difference = sorted[i] != live[i];
  CHECK(any_difference);
  std::filesystem::remove_all(folder);
}

TEST_CASE("recording rows: the room's advance needs participant *, others a seat", "[replay][recording]") {
  std::istringstream in(
      "participant,stream,t_ms,value\n"
      "*,advance,1000,0\n"
      "A,advance,1000,0\n"
      "*,rr,1000,800\n"
      "A,resp_rate,1000,25\n"
      "B,baseline_hr_median,1000,70\n");
  const auto csv = replay::read_replay_csv(in);
  REQUIRE(csv.header_ok);
  CHECK(csv.bad_lines == 2);
  REQUIRE(csv.samples.size() == 3);
  CHECK(csv.samples[0].stream == replay::Stream::Advance);
  CHECK(csv.samples[1].stream == replay::Stream::RespRate);
  CHECK(csv.samples[2].stream == replay::Stream::BaselineHrMedian);
  CHECK(csv.samples[2].seat == core::Seat::B);
}
