// Without libFuzzer: feeds every file under the directories (or files) given
// on the command line to LLVMFuzzerTestOneInput, so that ctest replays the
// seed corpus and the regressions on every run, with whatever sanitizers the
// build has. A crash or abort fails the test; the file being run is printed
// first so the culprit is named.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

static bool run_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::fprintf(stderr, "running %s (%zu bytes)\n", path.c_str(), bytes.size());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return true;
}

int main(int argc, char** argv) {
  std::size_t files = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const fs::path arg(argv[i]);
    if (!fs::exists(arg)) continue;  // an empty regressions/ folder is not kept by git
    if (fs::is_directory(arg)) {
      std::vector<fs::path> paths;
      for (const auto& e : fs::recursive_directory_iterator(arg))
        if (e.is_regular_file() && e.path().filename().string()[0] != '.') paths.push_back(e.path());
      std::sort(paths.begin(), paths.end());
      for (const auto& p : paths) { ok = run_file(p) && ok; ++files; }
    } else {
      ok = run_file(arg) && ok;
      ++files;
    }
  }
  std::printf("replayed %zu inputs\n", files);
  if (files == 0) {
    std::fprintf(stderr, "no inputs found: the seed corpus is missing\n");
    return 1;
  }
  return ok ? 0 : 1;
}
