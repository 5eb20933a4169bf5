#include "net/server_metrics.hpp"

#include <sstream>

namespace attune::net {
namespace {

void metric(std::ostringstream& out, const char* name, const char* type, const char* help, double value) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
      << name << ' ' << value << '\n';
}

}  // namespace

std::string ServerMetrics::render(std::size_t live_rooms, const store::StoreStats& store) const {
  std::ostringstream out;
  out.precision(17);
  metric(out, "attune_tcp_connections", "gauge", "Open TCP connections (HTTP and WebSocket).", tcp_connections.load());
  metric(out, "attune_websocket_connections", "gauge", "Open WebSocket connections.", websocket_connections.load());
  metric(out, "attune_websocket_connections_total", "counter", "WebSocket connections accepted.",
         static_cast<double>(websocket_connections_total.load()));
  metric(out, "attune_rooms", "gauge", "Rooms live in memory.", static_cast<double>(live_rooms));
  metric(out, "attune_sessions_live", "gauge", "Sessions in progress.", static_cast<double>(live_sessions.load()));
  metric(out, "attune_sessions_started_total", "counter", "Sessions started.",
         static_cast<double>(sessions_started_total.load()));
  metric(out, "attune_sessions_ended_total", "counter", "Sessions ended.", static_cast<double>(sessions_ended_total.load()));
  metric(out, "attune_messages_in_total", "counter", "WebSocket messages received.", static_cast<double>(frames_in.load()));
  metric(out, "attune_messages_handled_total", "counter",
         "WebSocket messages of joined connections that their room has finished handling.",
         static_cast<double>(frames_handled.load()));
  metric(out, "attune_messages_out_total", "counter", "WebSocket messages queued for sending.",
         static_cast<double>(frames_out.load()));
  metric(out, "attune_bytes_in_total", "counter", "WebSocket payload bytes received.", static_cast<double>(bytes_in.load()));
  metric(out, "attune_http_requests_total", "counter", "HTTP requests handled.", static_cast<double>(http_requests.load()));
  metric(out, "attune_slow_consumers_closed_total", "counter", "Connections closed for not reading.",
         static_cast<double>(slow_consumers_closed.load()));
  metric(out, "attune_store_queue_depth", "gauge", "Store operations waiting.", static_cast<double>(store.queue_depth));
  metric(out, "attune_store_writes_ok_total", "counter", "Store writes that succeeded.", static_cast<double>(store.writes_ok));
  metric(out, "attune_store_writes_failed_total", "counter", "Store write attempts that failed.",
         static_cast<double>(store.writes_failed));
  metric(out, "attune_store_spool_depth", "gauge", "Summaries in the spool file, waiting for the database.",
         static_cast<double>(store.spool_depth));
  metric(out, "attune_database_reachable", "gauge", "1 when PostgreSQL answers.", store.database_reachable ? 1 : 0);
  out << "# HELP attune_errors_total Error messages sent to clients, by code.\n# TYPE attune_errors_total counter\n";
  for (std::size_t code = 1; code < kErrorCodes; ++code) {
    if (!v1::ErrorCode_IsValid(static_cast<int>(code))) continue;
    out << "attune_errors_total{code=\"" << v1::ErrorCode_Name(static_cast<v1::ErrorCode>(code)) << "\"} "
        << errors[code].load() << '\n';
  }
  return out.str();
}

}  // namespace attune::net
