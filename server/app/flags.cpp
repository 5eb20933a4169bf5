#include "app/flags.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace attune::app {

Flags::Flags(int argc, char** argv, int first, const std::vector<std::string>& value_flags,
             const std::vector<std::string>& bool_flags) {
  auto known = [](const std::vector<std::string>& list, const std::string& name) {
    return std::find(list.begin(), list.end(), name) != list.end();
  };
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      error_ = "unexpected argument '" + arg + "'";
      return;
    }
    std::string name = arg.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    if (known(bool_flags, name)) {
      values_[name] = "1";
    } else if (known(value_flags, name)) {
      if (!inline_value) {
        if (i + 1 >= argc) {
          error_ = "--" + name + " needs a value";
          return;
        }
        value = argv[++i];
      }
      values_[name] = value;
    } else {
      error_ = "unknown flag --" + name;
      return;
    }
  }
}

std::string Flags::get(const std::string& name, const std::string& env, const std::string& fallback) const {
  if (auto it = values_.find(name); it != values_.end()) return it->second;
  if (!env.empty()) {
    if (const char* v = std::getenv(env.c_str()); v && *v) return v;
    if (const char* path = std::getenv((env + "_FILE").c_str()); path && *path) {
      std::ifstream in(path);
      std::stringstream ss;
      ss << in.rdbuf();
      std::string s = ss.str();
      while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
      return s;
    }
  }
  return fallback;
}

long Flags::get_int(const std::string& name, const std::string& env, long fallback) const {
  std::string v = get(name, env);
  if (v.empty()) return fallback;
  char* end = nullptr;
  long n = std::strtol(v.c_str(), &end, 10);
  return (end && *end == '\0') ? n : fallback;
}

}  // namespace attune::app
