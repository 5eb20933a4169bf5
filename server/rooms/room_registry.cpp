#include "rooms/room_registry.hpp"

#include <vector>

namespace attune::rooms {

RoomRegistry::RoomRegistry(boost::asio::io_context& io, RoomSettings settings, store::Store& store,
                           const Clock& clock, RoomCounters& counters)
    : io_(io), settings_(std::move(settings)), store_(store), clock_(clock), counters_(counters) {}

std::size_t RoomRegistry::room_count() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return rooms_.size();
}

std::shared_ptr<LiveRoom> RoomRegistry::find_or_create(const RoomIdentity& identity) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shutting_down_) return nullptr;
  auto& slot = rooms_[identity.room_id];
  if (!slot) {
    slot = std::make_shared<LiveRoom>(io_, *this, identity, settings_, store_, clock_, counters_);
    slot->start();
  }
  return slot;
}

void RoomRegistry::join(const RoomIdentity& identity, std::shared_ptr<Member> member, SeatKind kind,
                        v1::Hello hello, std::uint64_t seq,
                        std::function<void(std::shared_ptr<LiveRoom>)> on_joined) {
  auto live = find_or_create(identity);
  if (!live) {
    v1::ServerMessage m;
    m.mutable_error()->set_code(v1::ERROR_CODE_SHUTTING_DOWN);
    m.mutable_error()->set_message("The server is shutting down; connect again in a moment.");
    m.mutable_error()->set_in_reply_to(seq);
    const auto format = member->format();
    member->send(std::make_shared<const std::string>(codec::encode_server(m, format)), format, false);
    counters_.error_sent(v1::ERROR_CODE_SHUTTING_DOWN);
    member->close(CloseCode::GoingAway, "The server is shutting down.");
    on_joined(nullptr);
    return;
  }
  live->post([this, live, identity, member, kind, hello = std::move(hello), seq,
              on_joined = std::move(on_joined)](Room* room) mutable {
    if (!room) {  // closed between lookup and now: route to its successor
      join(identity, std::move(member), kind, std::move(hello), seq, std::move(on_joined));
      return;
    }
    room->join(member, kind, hello, seq);
    on_joined(live);
  });
}

void RoomRegistry::forget(const std::string& room_id, const LiveRoom* room) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = rooms_.find(room_id);
  if (it != rooms_.end() && it->second.get() == room) rooms_.erase(it);
}

void RoomRegistry::shutdown(std::function<void()> done) {
  std::vector<std::shared_ptr<LiveRoom>> rooms;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shutting_down_ = true;
    for (auto& [id, room] : rooms_) rooms.push_back(room);
  }
  if (rooms.empty()) {
    done();
    return;
  }
  auto remaining = std::make_shared<std::atomic<std::size_t>>(rooms.size());
  auto finish = std::make_shared<std::function<void()>>(std::move(done));
  for (auto& live : rooms) {
    live->post([remaining, finish](Room* room) {
      if (room) room->end_session("shutdown", CloseCode::GoingAway);
      if (remaining->fetch_sub(1) == 1) (*finish)();
    });
  }
}

}  // namespace attune::rooms
