#include "store/pg_errors.hpp"

#include <pqxx/except>

namespace attune::store {
namespace {

std::string first_line(const char* text) {
  std::string s(text);
  const auto nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  return s;
}

}  // namespace

bool is_connection_error(const std::exception& e) {
  return dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
         dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr;
}

bool is_transient_error(const std::exception& e) {
  if (is_connection_error(e)) return true;
  // Serialisation failure, deadlock, statement completion unknown.
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) return true;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    const std::string cls = state.substr(0, 2);
    // 08 connection, 40 rollback, 53 resources, 57 operator intervention
    // (admin shutdown, query cancelled by statement_timeout), 58 system error.
    return cls == "08" || cls == "40" || cls == "53" || cls == "57" || cls == "58";
  }
  return false;
}

std::string safe_error_text(const std::exception& e) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    return "SQL error, SQLSTATE " + (sql->sqlstate().empty() ? "unknown" : sql->sqlstate());
  }
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) {
    return "transaction rolled back (serialisation failure or deadlock)";
  }
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return "connection lost during commit, outcome unknown";
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    // libpq's connection messages name host and port, never the password.
    return "connection: " + first_line(e.what());
  }
  if (dynamic_cast<const pqxx::conversion_error*>(&e) != nullptr) {
    return "value conversion error";  // its message would quote the value
  }
  return first_line(e.what());
}

}  // namespace attune::store
