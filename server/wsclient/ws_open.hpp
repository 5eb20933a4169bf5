// Opening a client WebSocket: optional source-address bind, TCP connect with a
// timeout, TCP_NODELAY, the stream's options, and the handshake. Both of our
// clients (attune simulate and attune loadgen) did this step by step with
// their own copies; this is the one place now.
#pragma once

#include <utility>  // before Asio: see TOOLCHAIN.md ('exchange' with Boost 1.74)

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace attune::wsclient {

using Stream = boost::beast::websocket::stream<boost::beast::tcp_stream>;

struct OpenOptions {
  std::string host_header;  // "host:port", for the handshake's Host field
  std::string path = "/";
  std::string user_agent;   // empty: Beast's default
  std::size_t read_message_max = 4 << 20;
  std::chrono::steady_clock::duration connect_timeout = std::chrono::seconds(10);
  boost::beast::websocket::stream_base::timeout timeouts =
      boost::beast::websocket::stream_base::timeout::suggested(boost::beast::role_type::client);
  // Bind the socket to this local address first (the port is chosen at
  // connect, per destination: many more ports per source address).
  std::optional<boost::asio::ip::address> source;
};

// Which step failed, for the caller's own error text.
enum class OpenStep { Done, Bind, Connect, Handshake };

using OpenHandler = std::function<void(boost::beast::error_code, OpenStep)>;

// Opens `ws` to the first endpoint that answers (only `endpoints.front()`
// when binding a source: a range connect would close the bound socket between
// attempts). `done` runs exactly once, on the stream's executor (inline for a
// failed bind). The caller keeps `ws` alive until then, e.g. by capturing its
// owner's shared_ptr in `done`.
void async_open(Stream& ws, std::vector<boost::asio::ip::tcp::endpoint> endpoints, OpenOptions options,
                OpenHandler done);

}  // namespace attune::wsclient
