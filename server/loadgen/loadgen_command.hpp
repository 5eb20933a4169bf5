// attune loadgen: many rooms x 2 partners streaming the default batched
// profile against a running server, or a bare echo baseline (see --help).
#pragma once

namespace attune::loadgen {

int run_loadgen(int argc, char** argv);  // argv[0] == "loadgen"

}  // namespace attune::loadgen
