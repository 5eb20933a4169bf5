// One WebSocket connection as the seat logic sees it: open, frames in and
// out, closed. The Beast implementation is in beast_transport.cpp; tests use
// a fake. All calls and callbacks happen on one thread (the io_context's).
#pragma once

#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace attune::sim {

struct ServerUrl;

class Transport {
 public:
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void on_open() = 0;
    virtual void on_frame(std::string payload, bool text) = 0;
    // The connection failed or ended. `opened` says whether on_open came first.
    virtual void on_closed(const std::string& reason, bool opened) = 0;
  };

  virtual ~Transport() = default;
  // Connects (again); on_open or on_closed follows.
  virtual void open(Handler& handler) = 0;
  // Queued behind earlier frames; dropped when not open.
  virtual void send(std::string payload, bool text) = 0;
  // Sends a normal close after the queued frames; on_closed follows.
  virtual void close() = 0;
};

// ws://host:port/path, a fresh TCP connection per open().
std::unique_ptr<Transport> make_websocket_transport(boost::asio::io_context& io, const ServerUrl& url,
                                                    const std::string& path);

}  // namespace attune::sim
