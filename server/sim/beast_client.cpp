// Everything that instantiates Beast templates, in one translation unit:
// the WebSocket transport of each seat and the HTTP call that creates a room.
#include <utility>  // before Asio: see TOOLCHAIN.md ('exchange' with Boost 1.74)

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <deque>

#include "sim/room_api.hpp"
#include "sim/simulate_options.hpp"
#include "sim/transport.hpp"
#include "wsclient/ws_open.hpp"

namespace attune::sim {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

constexpr auto kConnectTimeout = std::chrono::seconds(10);
constexpr std::size_t kMaxServerFrame = 4 << 20;  // summaries can be large

std::string host_header(const ServerUrl& url) { return url.host + ":" + url.port; }

// One connection attempt. Shared with its pending handlers, so it lives until
// the last one returns; the handler is cut off when the transport moves on.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(asio::io_context& io, ServerUrl url, std::string path, Transport::Handler* handler)
      : resolver_(io), ws_(io), url_(std::move(url)), path_(std::move(path)), handler_(handler) {}

  void start() {
    resolver_.async_resolve(url_.host, url_.port,
                            [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
                              self->on_resolve(ec, r);
                            });
  }

  void send(std::string payload, bool text) {
    if (!open_ || closing_) return;
    queue_.emplace_back(std::move(payload), text);
    if (!writing_) write_next();
  }

  void close() {
    if (finished_) return;
    if (!open_) {  // still connecting: just drop it
      beast::get_lowest_layer(ws_).cancel();
      finish("closed by client");
      return;
    }
    closing_ = true;
    if (!writing_) close_now();
  }

  void detach() {
    handler_ = nullptr;
    if (!finished_) {
      finished_ = true;
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().close(ignored);
    }
  }

 private:
  void on_resolve(beast::error_code ec, const tcp::resolver::results_type& results) {
    if (ec) return finish("resolve " + url_.host + ": " + ec.message());
    wsclient::OpenOptions options;
    options.host_header = host_header(url_);
    options.path = path_;
    options.user_agent = "attune-simulate";
    options.read_message_max = kMaxServerFrame;
    options.connect_timeout = kConnectTimeout;
    options.timeouts.idle_timeout = std::chrono::seconds(20);  // notice a dead server: ping after 10 s of silence
    options.timeouts.keep_alive_pings = true;
    wsclient::async_open(ws_, {results.begin(), results.end()}, std::move(options),
                         [self = shared_from_this()](beast::error_code ec, wsclient::OpenStep step) {
                           self->on_open(ec, step);
                         });
  }

  void on_open(beast::error_code ec, wsclient::OpenStep step) {
    if (ec && step == wsclient::OpenStep::Handshake)
      return finish("WebSocket handshake on " + path_ + ": " + ec.message());
    if (ec) return finish("connect " + host_header(url_) + ": " + ec.message());
    open_ = true;
    if (handler_) handler_->on_open();
    read_next();
  }

  void read_next() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      if (ec == websocket::error::closed) {
        const auto& reason = ws_.reason();
        std::string why = "closed by server (" + std::to_string(reason.code);
        if (!reason.reason.empty()) why += " " + std::string(reason.reason.c_str());
        return finish(why + ")");
      }
      return finish(ec.message());
    }
    std::string payload = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    const bool text = ws_.got_text();
    if (handler_) handler_->on_frame(std::move(payload), text);
    if (!finished_) read_next();
  }

  void write_next() {
    if (queue_.empty()) {
      writing_ = false;
      if (closing_) close_now();
      return;
    }
    writing_ = true;
    ws_.text(queue_.front().second);
    ws_.async_write(asio::buffer(queue_.front().first),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) return self->finish("write: " + ec.message());
                      self->queue_.pop_front();
                      self->write_next();
                    });
  }

  void close_now() {
    if (close_sent_ || finished_) return;
    close_sent_ = true;
    // The read loop sees the server's close reply and finishes.
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code ec) {
      if (ec) self->finish("close: " + ec.message());
    });
  }

  void finish(const std::string& reason) {
    if (finished_) return;
    finished_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    if (auto* h = std::exchange(handler_, nullptr)) h->on_closed(reason, open_);
  }

  tcp::resolver resolver_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  ServerUrl url_;
  std::string path_;
  Transport::Handler* handler_;
  std::deque<std::pair<std::string, bool>> queue_;
  bool open_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  bool finished_ = false;
};

class BeastTransport : public Transport {
 public:
  BeastTransport(asio::io_context& io, ServerUrl url, std::string path)
      : io_(io), url_(std::move(url)), path_(std::move(path)) {}
  ~BeastTransport() override {
    if (conn_) conn_->detach();
  }

  void open(Handler& handler) override {
    if (conn_) conn_->detach();
    conn_ = std::make_shared<Connection>(io_, url_, path_, &handler);
    conn_->start();
  }
  void send(std::string payload, bool text) override {
    if (conn_) conn_->send(std::move(payload), text);
  }
  void close() override {
    if (conn_) conn_->close();
  }

 private:
  asio::io_context& io_;
  ServerUrl url_;
  std::string path_;
  std::shared_ptr<Connection> conn_;
};

}  // namespace

std::unique_ptr<Transport> make_websocket_transport(asio::io_context& io, const ServerUrl& url,
                                                    const std::string& path) {
  return std::make_unique<BeastTransport>(io, url, url.base_path + path);
}

bool create_room(const ServerUrl& url, const std::string& admin_key, const std::string& label,
                 attune::v1::CreateRoomResponse& out, std::string& error) {
  asio::io_context io;
  tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::string_body> req{http::verb::post, url.base_path + "/v1/rooms", 11};
  http::response<http::string_body> res;
  req.set(http::field::host, host_header(url));
  req.set(http::field::user_agent, "attune-simulate");
  req.set(http::field::authorization, "Bearer " + admin_key);
  req.set(http::field::content_type, "application/json");
  req.body() = create_room_body(label);
  req.prepare_payload();

  std::string failure;
  stream.expires_after(kConnectTimeout);  // covers the whole exchange
  resolver.async_resolve(url.host, url.port, [&](beast::error_code ec, tcp::resolver::results_type results) {
    if (ec) {
      failure = "resolve " + url.host + ": " + ec.message();
      return;
    }
    stream.async_connect(results, [&](beast::error_code ec, const tcp::endpoint&) {
      if (ec) {
        failure = "connect " + host_header(url) + ": " + ec.message();
        return;
      }
      http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
        if (ec) {
          failure = "POST /v1/rooms: " + ec.message();
          return;
        }
        http::async_read(stream, buffer, res, [&](beast::error_code ec, std::size_t) {
          if (ec) failure = "POST /v1/rooms response: " + ec.message();
          beast::error_code ignored;
          stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        });
      });
    });
  });
  io.run();
  if (!failure.empty()) {
    error = failure;
    return false;
  }
  return parse_create_room_response(static_cast<int>(res.result_int()), res.body(), out, error);
}

}  // namespace attune::sim
