// `attune replay FILE`: recorded streams through the synchrony core, one
// JSON line per second of data time, the session summary last.
#pragma once

namespace attune::replay {

int run_replay(int argc, char** argv);

}  // namespace attune::replay
