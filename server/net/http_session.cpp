#include "net/http_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/websocket.hpp>

#include "net/websocket_session.hpp"

namespace attune::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

HttpSession::HttpSession(ServerContext& context, asio::ip::tcp::socket socket)
    : context_(context), stream_(std::move(socket)) {
  context_.metrics.tcp_connections.fetch_add(1);
}

HttpSession::~HttpSession() {
  if (counted_) context_.metrics.tcp_connections.fetch_sub(1);
}

void HttpSession::run() {
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
}

void HttpSession::read() {
  parser_.emplace();
  parser_->body_limit(context_.settings.http_body_limit);
  parser_->header_limit(8 * 1024);
  // Covers slow headers and slow bodies alike: the whole request must arrive in time.
  stream_.expires_after(context_.settings.http_header_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t n) { self->on_read(ec, n); });
}

void HttpSession::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream) return close();
  if (ec == http::error::body_limit) {
    write(http_error(http::status::payload_too_large, 11, false, "PAYLOAD_TOO_LARGE",
                     "The request body is larger than " + std::to_string(context_.settings.http_body_limit) +
                         " bytes."));
    return;
  }
  if (ec) return close();  // timeout, reset, malformed request: nothing useful to answer

  auto& request = parser_->get();
  if (context_.shutting_down) {
    write(http_error(http::status::service_unavailable, request.version(), false, "SHUTTING_DOWN",
                     "The server is shutting down."));
    return;
  }
  if (beast::websocket::is_upgrade(request)) {
    std::string_view target(request.target().data(), request.target().size());
    if (target.substr(0, target.find('?')) != "/v1/ws") {
      write(http_error(http::status::not_found, request.version(), false, "NOT_FOUND",
                       "WebSocket connections go to /v1/ws."));
      return;
    }
    stream_.expires_never();
    counted_ = false;  // the WebSocket session counts itself from here
    context_.metrics.tcp_connections.fetch_sub(1);
    std::make_shared<WebSocketSession>(context_, stream_.release_socket())->run(parser_->release());
    return;
  }
  // The handler may answer from the store's thread: hop back onto our strand.
  handle_http(request, context_, [self = shared_from_this()](HttpResponse response) {
    asio::dispatch(self->stream_.get_executor(),
                   [self, response = std::move(response)]() mutable { self->write(std::move(response)); });
  });
}

void HttpSession::write(HttpResponse response) {
  response_ = std::make_shared<HttpResponse>(std::move(response));
  bool close_after = response_->need_eof();
  stream_.expires_after(std::chrono::seconds(30));
  http::async_write(stream_, *response_, [self = shared_from_this(), close_after](beast::error_code ec, std::size_t n) {
    self->on_write(close_after, ec, n);
  });
}

void HttpSession::on_write(bool close_after, beast::error_code ec, std::size_t) {
  response_.reset();
  if (ec || close_after) return close();
  read();
}

void HttpSession::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
}

}  // namespace attune::net
