#include <utility>  // before Asio: see TOOLCHAIN.md ('exchange' with Boost 1.74)

#include "loadgen/metrics_probe.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <sstream>

namespace attune::loadgen {

namespace beast = boost::beast;
namespace http = beast::http;

std::optional<double> read_metric(const boost::asio::ip::tcp::endpoint& server, const std::string& host_header,
                                  const std::string& name) {
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(5));
    stream.connect(server);
    http::request<http::empty_body> req{http::verb::get, "/metrics", 11};
    req.set(http::field::host, host_header);
    req.set(http::field::user_agent, "attune-loadgen");
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ignored;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    if (res.result() != http::status::ok) return std::nullopt;
    std::istringstream in(res.body());
    std::string line;
    const std::string prefix = name + " ";
    while (std::getline(in, line))
      if (line.compare(0, prefix.size(), prefix) == 0) return std::stod(line.substr(prefix.size()));
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace attune::loadgen
