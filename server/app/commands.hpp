// The subcommands of the `attune` binary.
#pragma once

namespace attune::app {

int run_serve(int argc, char** argv);    // argv[0] == "serve"
int run_migrate(int argc, char** argv);  // argv[0] == "migrate"
void setup_logging(const char* level);

}  // namespace attune::app
