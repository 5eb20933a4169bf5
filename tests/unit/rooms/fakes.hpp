// Fakes for room tests: members that record what they are sent, and a store
// that records what it is asked to write. (Fakes live in unit tests only.)
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "attune/v1/attune.pb.h"
#include "rooms/member.hpp"
#include "store/store.hpp"

namespace attune::test {

class FakeMember final : public rooms::Member {
 public:
  explicit FakeMember(codec::FrameFormat format = codec::FrameFormat::Binary) : format_(format) {}
  codec::FrameFormat format() const override { return format_; }
  void send(std::shared_ptr<const std::string> frame, codec::FrameFormat format, bool) override {
    if (format != format_) throw std::runtime_error("room encoded in a format the member did not ask for");
    v1::ServerMessage m;
    bool ok = format_ == codec::FrameFormat::Binary ? m.ParseFromString(*frame) : codec::from_json(*frame, m);
    if (!ok) throw std::runtime_error("room sent an undecodable frame");
    received.push_back(std::move(m));
  }
  void close(rooms::CloseCode code, std::string reason) override {
    if (!closed) closed = code;
    close_reason = std::move(reason);
  }

  // The newest message with this payload, if any.
  const v1::ServerMessage* last(v1::ServerMessage::PayloadCase which) const {
    for (auto it = received.rbegin(); it != received.rend(); ++it)
      if (it->payload_case() == which) return &*it;
    return nullptr;
  }
  std::size_t count(v1::ServerMessage::PayloadCase which) const {
    std::size_t n = 0;
    for (const auto& m : received) n += m.payload_case() == which;
    return n;
  }

  std::vector<v1::ServerMessage> received;
  std::optional<rooms::CloseCode> closed;
  std::string close_reason;

 private:
  codec::FrameFormat format_;
};

class FakeStore final : public store::Store {
 public:
  void create_room(store::RoomRecord, Done done) override { done(true); }
  void find_invite(std::string, std::function<void(store::InviteLookup)> done) override {
    done(store::InviteLookup{true, std::nullopt});
  }
  void session_started(store::SessionStart start) override { started.push_back(start); }
  void save_summary(store::SummaryRecord summary, Done done) override {
    summaries.push_back(summary);
    done(true);
  }
  void get_session(std::string, std::function<void(std::optional<store::SessionRow>)> done) override {
    done(std::nullopt);
  }
  void get_room(std::string, std::function<void(std::optional<store::RoomRow>)> done) override { done(std::nullopt); }
  void record_audit(store::AuditEvent) override {}
  void checkpoint(store::SummaryRecord record) override { checkpoints.push_back(std::move(record)); }
  void get_baselines(std::string, std::function<void(std::optional<store::RoomBaselines>)> done) override {
    ++baseline_reads;
    done(baselines);
  }
  store::StoreStats stats() const override { return {}; }
  void drain_and_stop() override {}

  std::vector<store::SessionStart> started;
  std::vector<store::SummaryRecord> summaries;
  std::vector<store::SummaryRecord> checkpoints;
  std::optional<store::RoomBaselines> baselines;  // what get_baselines answers
  int baseline_reads = 0;
};

}  // namespace attune::test
