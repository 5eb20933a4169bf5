#include "net/listener.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/spdlog.h>

#include "net/http_session.hpp"

namespace attune::net {

namespace asio = boost::asio;

Listener::Listener(ServerContext& context, const asio::ip::tcp::endpoint& endpoint)
    : context_(context), acceptor_(asio::make_strand(context.io)) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void Listener::run() { accept(); }

void Listener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
}

void Listener::accept() {
  // Each connection gets its own strand, so its handlers never run concurrently.
  acceptor_.async_accept(asio::make_strand(context_.io),
                         [self = shared_from_this()](const boost::system::error_code& ec, asio::ip::tcp::socket s) {
                           self->on_accept(ec, std::move(s));
                         });
}

void Listener::on_accept(const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // Typically EMFILE at the descriptor ceiling: log and keep accepting.
    spdlog::warn("accept failed: {}", ec.message());
  } else {
    std::make_shared<HttpSession>(context_, std::move(socket))->run();
  }
  accept();
}

}  // namespace attune::net
