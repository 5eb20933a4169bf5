// Reads one counter from the server's /metrics (Prometheus text), for the
// saturation benchmark: the server's own count of messages handled is the
// only honest throughput figure when clients write faster than it reads
// (frames then wait in socket buffers, and a client's "written" overcounts).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <optional>
#include <string>

namespace attune::loadgen {

// GET /metrics from `server` (blocking, up to 5 s); the value of the
// un-labelled metric `name`, or nothing on any failure.
std::optional<double> read_metric(const boost::asio::ip::tcp::endpoint& server, const std::string& host_header,
                                  const std::string& name);

}  // namespace attune::loadgen
