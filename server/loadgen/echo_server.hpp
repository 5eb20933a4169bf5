// A bare Beast WebSocket echo server in the server's networking style (one
// io_context run by N threads, a strand per connection, read -> copy ->
// queued write), for the transport baseline. Runs until SIGINT/SIGTERM.
#pragma once

#include <string>

namespace attune::loadgen {

// Listens on address:port (port 0: any free port; the port is printed on
// stdout as "echo-server listening on PORT" and written to port_file if given).
// pinned: one io_context per thread, each connection on one of them (round
// robin at accept) with no strand; otherwise one io_context run by `threads`
// threads with a strand per connection (the server's style). Issue 5 asks
// which of the two carries more frames per CPU second.
int run_echo_server(const std::string& address, unsigned short port, int threads, const std::string& port_file,
                    bool pinned = false);

}  // namespace attune::loadgen
