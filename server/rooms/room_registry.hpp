// The live rooms of this server, by room id. The map is touched only when a
// connection joins and when a room closes, never per message.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "rooms/live_room.hpp"

namespace attune::rooms {

class RoomRegistry {
 public:
  RoomRegistry(boost::asio::io_context& io, RoomSettings settings, store::Store& store, const Clock& clock,
               RoomCounters& counters);

  // Joins `member` to the room named by `identity` on the given seat; the room
  // answers the member (Welcome, or Error and close). `on_joined` runs on the
  // room's strand with the room the member now talks to (nullptr if refused).
  void join(const RoomIdentity& identity, std::shared_ptr<Member> member, SeatKind kind, v1::Hello hello,
            std::uint64_t seq, std::function<void(std::shared_ptr<LiveRoom>)> on_joined);

  // Ends every live session (summaries go to the store) and closes every
  // member with "going away". Calls `done` once all rooms have finished.
  void shutdown(std::function<void()> done);

  std::size_t room_count() const;
  const RoomSettings& settings() const { return settings_; }

  // Called by a LiveRoom on its strand when it has gone idle and closed.
  void forget(const std::string& room_id, const LiveRoom* room);

 private:
  std::shared_ptr<LiveRoom> find_or_create(const RoomIdentity& identity);

  boost::asio::io_context& io_;
  RoomSettings settings_;
  store::Store& store_;
  const Clock& clock_;
  RoomCounters& counters_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<LiveRoom>> rooms_;
  bool shutting_down_ = false;
};

}  // namespace attune::rooms
