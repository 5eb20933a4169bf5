#include <utility>  // before Asio: see TOOLCHAIN.md ('exchange' with Boost 1.74)

#include "loadgen/echo_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>
#include <vector>

namespace attune::loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

class EchoSession : public std::enable_shared_from_this<EchoSession> {
 public:
  explicit EchoSession(tcp::socket socket) : ws_(std::move(socket)) {}

  void run() {
    asio::dispatch(ws_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().set_option(tcp::no_delay(true), ignored);
      self->ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
      self->ws_.read_message_max(64 * 1024);
      self->ws_.auto_fragment(false);
      self->ws_.async_accept([self](beast::error_code ec) {
        if (!ec) self->read();
      });
    });
  }

 private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      // Like the server: the frame becomes its own string, and the reply is a
      // shared, separately allocated frame in a write queue.
      auto frame = std::make_shared<const std::string>(beast::buffers_to_string(self->buffer_.data()));
      self->buffer_.consume(self->buffer_.size());
      const bool binary = !self->ws_.got_text();
      self->queue_.emplace_back(std::move(frame), binary);
      if (!self->writing_) self->write_next();
      self->read();
    });
  }

  void write_next() {
    if (queue_.empty()) {
      writing_ = false;
      return;
    }
    writing_ = true;
    ws_.binary(queue_.front().second);
    ws_.async_write(asio::buffer(*queue_.front().first), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        self->queue_.clear();
        self->writing_ = false;
        return;
      }
      self->queue_.pop_front();
      self->write_next();
    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::pair<std::shared_ptr<const std::string>, bool>> queue_;
  bool writing_ = false;
};

class EchoListener : public std::enable_shared_from_this<EchoListener> {
 public:
  // Sockets go onto a strand of ios[0] (one shared io_context), or, pinned,
  // onto ios[k] round robin (one io_context per thread: no strand needed).
  EchoListener(std::vector<std::unique_ptr<asio::io_context>>& ios, bool pinned, const tcp::endpoint& endpoint)
      : ios_(ios), pinned_(pinned), acceptor_(asio::make_strand(*ios[0])) {
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(asio::socket_base::max_listen_connections);
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  void accept() {
    auto on_accept = [self = shared_from_this()](beast::error_code ec, tcp::socket s) {
      if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
      if (!ec) std::make_shared<EchoSession>(std::move(s))->run();
      self->accept();
    };
    if (pinned_) acceptor_.async_accept(*ios_[next_++ % ios_.size()], std::move(on_accept));
    else acceptor_.async_accept(asio::make_strand(*ios_[0]), std::move(on_accept));
  }
  void stop() {
    asio::dispatch(acceptor_.get_executor(), [self = shared_from_this()] {
      beast::error_code ignored;
      self->acceptor_.close(ignored);
    });
  }

 private:
  std::vector<std::unique_ptr<asio::io_context>>& ios_;
  bool pinned_;
  std::size_t next_ = 0;
  tcp::acceptor acceptor_;
};

}  // namespace

int run_echo_server(const std::string& address, unsigned short port, int threads, const std::string& port_file,
                    bool pinned) {
  std::vector<std::unique_ptr<asio::io_context>> ios;
  if (pinned)
    for (int i = 0; i < threads; ++i) ios.push_back(std::make_unique<asio::io_context>(1));
  else
    ios.push_back(std::make_unique<asio::io_context>(threads));
  std::shared_ptr<EchoListener> listener;
  try {
    listener = std::make_shared<EchoListener>(ios, pinned, tcp::endpoint(asio::ip::make_address(address), port));
  } catch (const std::exception& e) {
    std::cerr << "loadgen: echo server cannot listen on " << address << ":" << port << ": " << e.what() << "\n";
    return 1;
  }
  listener->accept();
  asio::signal_set signals(*ios[0], SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) {
    listener->stop();
    for (auto& io : ios) io->stop();
  });
  std::cout << "echo-server listening on " << listener->port() << (pinned ? " (one io_context per thread)" : "")
            << std::endl;
  if (!port_file.empty()) std::ofstream(port_file) << listener->port() << "\n";
  // Pinned: an io_context has work of its own only once sockets arrive.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& io : ios) guards.push_back(asio::make_work_guard(*io));
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) {
    auto& io = *ios[pinned ? static_cast<std::size_t>(i) : 0];
    pool.emplace_back([&io] { io.run(); });
  }
  ios[0]->run();
  for (auto& io : ios) io->stop();
  for (auto& t : pool) t.join();
  return 0;
}

}  // namespace attune::loadgen
