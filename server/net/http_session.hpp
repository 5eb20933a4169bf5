// One TCP connection speaking HTTP/1.1: answers API requests, and hands the
// socket to a WebSocketSession when the client asks for an upgrade on /v1/ws.
#pragma once

#include <memory>
#include <optional>

#include <utility>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "net/http_api.hpp"
#include "net/server_context.hpp"

namespace attune::net {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(ServerContext& context, boost::asio::ip::tcp::socket socket);
  ~HttpSession();
  void run();

 private:
  void read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void write(HttpResponse response);
  void on_write(bool close, boost::beast::error_code ec, std::size_t bytes);
  void close();

  ServerContext& context_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<HttpResponse> response_;  // kept alive during the write
  bool counted_ = true;
};

}  // namespace attune::net
