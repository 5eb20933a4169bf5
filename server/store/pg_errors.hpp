// How the store reads database errors: which are worth a retry, and what may be
// logged about them. Server error messages can quote row values (a token hash,
// a summary), so only the SQLSTATE of an SQL error is ever logged.
#pragma once

#include <exception>
#include <string>

namespace attune::store {

// The connection is gone (or the commit's fate is unknown): reconnect, retry.
bool is_connection_error(const std::exception& e);

// Worth retrying as is: connection trouble, serialisation failures, deadlocks,
// the server shutting down or out of resources. Everything else (constraint
// violations, bad JSON, ...) would fail the same way again.
bool is_transient_error(const std::exception& e);

// A description with no row values in it, safe for logs and exceptions.
std::string safe_error_text(const std::exception& e);

}  // namespace attune::store
