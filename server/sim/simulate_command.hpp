// `attune simulate`: streams a simulated couple to a server over real
// WebSocket connections and prints what the server sends back.
// See docs/simulator.md and `attune simulate --help`.
#pragma once

namespace attune::sim {

// argv[0] is "simulate". Returns the process exit code (see --help).
int run_simulate(int argc, char** argv);

}  // namespace attune::sim
