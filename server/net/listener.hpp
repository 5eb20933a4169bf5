// Accepts TCP connections and hands each to an HttpSession on its own strand.
#pragma once

#include <memory>

#include <utility>
#include <boost/asio/ip/tcp.hpp>

#include "net/server_context.hpp"

namespace attune::net {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Throws boost::system::system_error when the address cannot be bound.
  Listener(ServerContext& context, const boost::asio::ip::tcp::endpoint& endpoint);
  void run();
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void accept();
  void on_accept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);

  ServerContext& context_;
  boost::asio::ip::tcp::acceptor acceptor_;
};

}  // namespace attune::net
