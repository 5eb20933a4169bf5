// attune: one binary, several subcommands.
#include <cstring>
#include <iostream>
#include <string>

#include <google/protobuf/stubs/logging.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "app/commands.hpp"
#include "core/engine_config.hpp"
#include "loadgen/loadgen_command.hpp"
#include "replay/replay_command.hpp"
#include "sim/simulate_command.hpp"

namespace {

constexpr const char* kHelp = R"(attune: a server for remote co-regulation sessions

Usage: attune <command> [flags]

Commands:
  serve      run the server (HTTP API + WebSocket)
  migrate    apply database migrations
  simulate   play a simulated couple (and clinician) against a running server
  replay     recorded streams (CSV) through the synchrony core -> JSON Lines
  loadgen    capacity benchmark: many rooms streaming against a server, or a bare echo baseline
  version    print the version and the algorithm version

Run `attune <command> --help` for the flags of each command.
)";

}  // namespace

namespace attune::app {

void setup_logging(const char* level) {
  auto logger = spdlog::stderr_color_mt("attune");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level));
  // libprotobuf reports some decode problems (e.g. invalid UTF-8 in a client's
  // string field) on stderr by itself. A client can provoke those at will, so
  // they go through spdlog at debug level: the client already gets an Error.
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel lvl, const char*, int, const std::string& message) {
    if (lvl >= google::protobuf::LOGLEVEL_FATAL) spdlog::critical("protobuf: {}", message);
    else spdlog::debug("protobuf: {}", message);
  });
}

}  // namespace attune::app

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help") || !std::strcmp(argv[1], "-h")) {
    std::cout << kHelp;
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  if (command == "serve") return attune::app::run_serve(argc - 1, argv + 1);
  if (command == "migrate") return attune::app::run_migrate(argc - 1, argv + 1);
  if (command == "simulate") return attune::sim::run_simulate(argc - 1, argv + 1);
  if (command == "replay") return attune::replay::run_replay(argc - 1, argv + 1);
  if (command == "loadgen") return attune::loadgen::run_loadgen(argc - 1, argv + 1);
  if (command == "version" || command == "--version") {
    std::cout << "attune " << ATTUNE_VERSION << " (" << attune::core::kAlgorithmVersion << ")\n";
    return 0;
  }
  std::cerr << "attune: unknown command '" << command << "'\n\n" << kHelp;
  return 2;
}
