// A small command-line reader: "--name value", "--name=value" and boolean
// "--name"; every flag has an environment variable (12-factor) and, for
// secrets, a *_FILE variant naming a file that holds the value.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace attune::app {

class Flags {
 public:
  // Parses argv[first..]; unknown flags and missing values are errors.
  Flags(int argc, char** argv, int first, const std::vector<std::string>& value_flags,
        const std::vector<std::string>& bool_flags);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  bool has(const std::string& name) const { return values_.count(name) > 0; }

  // Flag, else environment variable, else ENV_FILE's contents, else fallback.
  std::string get(const std::string& name, const std::string& env, const std::string& fallback = "") const;
  long get_int(const std::string& name, const std::string& env, long fallback) const;
  bool get_bool(const std::string& name) const { return has(name); }

 private:
  std::map<std::string, std::string> values_;
  std::string error_;
};

}  // namespace attune::app
