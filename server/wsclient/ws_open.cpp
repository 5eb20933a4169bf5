#include "wsclient/ws_open.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <memory>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace attune::wsclient {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

struct OpenState {
  Stream& ws;
  OpenOptions options;
  OpenHandler done;
};

void on_connected(const std::shared_ptr<OpenState>& state, beast::error_code ec) {
  if (ec) return state->done(ec, OpenStep::Connect);
  auto& ws = state->ws;
  beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true), ec);
  beast::get_lowest_layer(ws).expires_never();  // the WebSocket's own timeouts from here
  ws.set_option(state->options.timeouts);
  if (!state->options.user_agent.empty()) {
    ws.set_option(websocket::stream_base::decorator(
        [agent = state->options.user_agent](websocket::request_type& req) {
          req.set(beast::http::field::user_agent, agent);
        }));
  }
  ws.read_message_max(state->options.read_message_max);
  ws.async_handshake(state->options.host_header, state->options.path, [state](beast::error_code ec) {
    state->done(ec, ec ? OpenStep::Handshake : OpenStep::Done);
  });
}

}  // namespace

void async_open(Stream& ws, std::vector<tcp::endpoint> endpoints, OpenOptions options, OpenHandler done) {
  auto state = std::make_shared<OpenState>(OpenState{ws, std::move(options), std::move(done)});
  auto& layer = beast::get_lowest_layer(ws);
  if (endpoints.empty()) return state->done(asio::error::host_not_found, OpenStep::Connect);
  if (const auto& src = state->options.source) {
    beast::error_code ec;
    auto& sock = layer.socket();
    sock.open(src->is_v4() ? tcp::v4() : tcp::v6(), ec);
    if (!ec) {
      int one = 1;
      ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      sock.bind(tcp::endpoint(*src, 0), ec);
    }
    if (ec) return state->done(ec, OpenStep::Bind);
    layer.expires_after(state->options.connect_timeout);
    layer.async_connect(endpoints.front(), [state](beast::error_code ec) { on_connected(state, ec); });
    return;
  }
  layer.expires_after(state->options.connect_timeout);
  layer.async_connect(endpoints, [state](beast::error_code ec, const tcp::endpoint&) { on_connected(state, ec); });
}

}  // namespace attune::wsclient
