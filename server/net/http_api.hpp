// The REST API and the operational endpoints (DESIGN.md, "Running it").
// Handlers are asynchronous because some ask the store; `respond` may be
// called from the store's thread.
#pragma once

#include <functional>

#include <utility>
#include <boost/beast/http.hpp>

#include "net/server_context.hpp"

namespace attune::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using Respond = std::function<void(HttpResponse)>;

void handle_http(const HttpRequest& request, ServerContext& context, Respond respond);

// A JSON error body {"error":{"code","message"}} with the given status.
HttpResponse http_error(boost::beast::http::status status, unsigned version, bool keep_alive,
                        const std::string& code, const std::string& message);

}  // namespace attune::net
