// A Transport that delays every outgoing frame by a random 0..N ms (seeded),
// keeping their order, like a slow network path: --reply-jitter-ms. A frame's
// timestamps are taken when it is made (e.g. ClockReply.t2), so the delay
// lands between the seat's t2 and the server's t3, as network delay would.
#pragma once

#include <cstdint>
#include <memory>

#include "sim/transport.hpp"

namespace attune::sim {

std::unique_ptr<Transport> make_jitter_transport(boost::asio::io_context& io, std::unique_ptr<Transport> inner,
                                                 double max_delay_ms, std::uint64_t seed);

}  // namespace attune::sim
