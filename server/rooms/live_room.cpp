#include "rooms/live_room.hpp"

#include <boost/asio/post.hpp>

#include "rooms/room_registry.hpp"

namespace attune::rooms {

LiveRoom::LiveRoom(boost::asio::io_context& io, RoomRegistry& registry, RoomIdentity identity,
                   const RoomSettings& settings, store::Store& store, const Clock& clock,
                   RoomCounters& counters)
    : strand_(boost::asio::make_strand(io)),
      timer_(strand_),
      registry_(registry),
      room_id_(identity.room_id),
      room_(std::move(identity), settings, store, clock, counters) {}

void LiveRoom::start() {
  // The room's way back onto its strand (store answers, e.g. stored baselines).
  room_.set_post([weak = weak_from_this()](std::function<void(Room*)> work) {
    if (auto self = weak.lock()) self->post(std::move(work));
  });
  boost::asio::post(strand_, [self = shared_from_this()] { self->arm_timer(); });
}

void LiveRoom::arm_timer() {
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->on_tick();
  });
}

void LiveRoom::on_tick() {
  if (closed_) return;
  room_.tick();
  if (room_.idle()) {
    // Nobody here and no session: close, so later joins build a fresh room.
    closed_ = true;
    registry_.forget(room_id_, this);
    return;
  }
  arm_timer();
}

}  // namespace attune::rooms
