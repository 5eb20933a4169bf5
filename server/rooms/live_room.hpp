// A Room on its own strand with its once-a-second timer. Everything that
// touches the Room is posted here; nothing takes a mutex on the hot path.
#pragma once

#include <functional>
#include <memory>

#include <utility>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "rooms/room.hpp"

namespace attune::rooms {

class RoomRegistry;

class LiveRoom : public std::enable_shared_from_this<LiveRoom> {
 public:
  using Executor = boost::asio::strand<boost::asio::io_context::executor_type>;

  LiveRoom(boost::asio::io_context& io, RoomRegistry& registry, RoomIdentity identity,
           const RoomSettings& settings, store::Store& store, const Clock& clock, RoomCounters& counters);

  void start();  // arms the publish timer

  // Runs `work` (any callable taking Room*) on the room's strand. If the room
  // has already closed (it went idle and the registry forgot it), `work` gets
  // nullptr and must re-route. A template rather than std::function: the
  // callable (and whatever it carries, e.g. a decoded SampleBatch) is moved
  // straight into the strand's handler, with no type-erased copy or extra
  // allocation per message.
  template <class Work>
  void post(Work&& work) {
    boost::asio::post(strand_, [self = shared_from_this(), work = std::forward<Work>(work)]() mutable {
      work(self->closed_ ? nullptr : &self->room_);
    });
  }

  const std::string& room_id() const { return room_id_; }

 private:
  void arm_timer();
  void on_tick();

  Executor strand_;
  boost::asio::steady_timer timer_;
  RoomRegistry& registry_;
  std::string room_id_;
  Room room_;
  bool closed_ = false;
};

}  // namespace attune::rooms
