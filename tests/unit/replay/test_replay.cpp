#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "replay/csv_reader.hpp"
#include "replay/replay_command.hpp"

using namespace attune::replay;

namespace {

// Runs `attune replay` on text, capturing stdout and stderr.
int run_on(const std::string& csv, std::string& out, std::string& err,
           const char* flag = nullptr) {
  // One file per process: ctest runs the test cases in parallel processes.
  const std::string path = "replay_test_input_" + std::to_string(::getpid()) + ".csv";
  std::ofstream(path) << csv;
  std::ostringstream o, e;
  auto* old_out = std::cout.rdbuf(o.rdbuf());
  auto* old_err = std::cerr.rdbuf(e.rdbuf());
  std::string a0 = "replay", a1 = flag ? flag : path, a2 = path;
  char* argv[] = {a0.data(), a1.data(), a2.data()};
  const int rc = run_replay(flag ? 3 : 2, argv);
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  std::remove(path.c_str());
  out = o.str();
  err = e.str();
  return rc;
}

std::string couple_csv(int seconds) {
  std::ostringstream s;
  s << "participant,stream,t_ms,value\n";
  const double pi = std::acos(-1.0);
  double ta = 0, tb = 300;
  for (int i = 0; ta < seconds * 1000.0; ++i) {
    const double rr = 900 + 40 * std::sin(2 * pi * 0.25 * ta / 1000.0);
    ta += rr;
    s << "A,rr," << static_cast<long long>(ta) << ',' << rr << '\n';
    const double rb = 800 + 30 * std::sin(2 * pi * 0.2 * tb / 1000.0);
    tb += rb;
    s << "B,rr," << static_cast<long long>(tb) << ',' << rb << '\n';
  }
  for (int t = 0; t <= seconds * 1000; t += 40) {
    s << "A,resp," << t << ',' << std::sin(2 * pi * 0.25 * t / 1000.0) << '\n';
    s << "B,resp," << t << ',' << std::sin(2 * pi * 0.2 * t / 1000.0 + 1) << '\n';
  }
  return s.str();
}

}  // namespace

TEST_CASE("CSV reader reports bad lines with their numbers and keeps the good ones", "[replay]") {
  std::istringstream in(
      "participant,stream,t_ms,value\n"
      "A,rr,1000,800\n"
      "\n# a comment\n"
      "D,rr,1800,800\n"
      "A,ecg,1900,1\n"
      "A,rr,12.5,800\n"
      "A,rr,2000,nan\n"
      "A,rr,2000\n"
      "B,resp,2000,0.25\r\n"
      "A,rr,2600,abc\n");
  const CsvResult r = read_replay_csv(in);
  CHECK(r.header_ok);
  REQUIRE(r.samples.size() == 2);
  CHECK(r.samples[1].stream == Stream::Resp);
  CHECK(r.samples[1].line == 10);
  CHECK(r.bad_lines == 6);
  REQUIRE(r.errors.size() == 6);
  CHECK(r.errors[0].rfind("line 5: participant", 0) == 0);
  CHECK(r.errors[1].rfind("line 6: stream", 0) == 0);
  CHECK(r.errors[2].rfind("line 7: t_ms", 0) == 0);
  CHECK(r.errors[3].rfind("line 8: value", 0) == 0);
  CHECK(r.errors[4].rfind("line 9: expected 4", 0) == 0);
}

TEST_CASE("CSV reader refuses a missing header", "[replay]") {
  std::istringstream in("A,rr,1000,800\n");
  const CsvResult r = read_replay_csv(in);
  CHECK_FALSE(r.header_ok);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].find("header") != std::string::npos);
}

TEST_CASE("replay prints one JSON line per data second and the summary last", "[replay]") {
  std::string out, err;
  REQUIRE(run_on(couple_csv(200), out, err) == 0);
  std::istringstream lines(out);
  std::string line, last;
  int n = 0;
  bool saw_values = false;
  while (std::getline(lines, line)) {
    if (line.rfind("{\"summary\"", 0) == 0) {
      last = line;
      continue;
    }
    ++n;
    CHECK(line.rfind("{\"t_s\":", 0) == 0);
    CHECK(line.find("nan") == std::string::npos);
    CHECK(line.find("\"C\"") == std::string::npos);  // no clinician in the file
    for (const char* k : {"\"hr_bpm\":", "\"sdnn_ms\":", "\"lf_ms2\":", "\"coherence\":",
                          "\"breath_rate_bpm\":", "\"ie_ratio\":", "\"state\":", "\"AB\":",
                          "\"wcc_peak_lag_s\":", "\"plv\":", "\"above_chance_z\":",
                          "\"shared_state\":"}) {
      CHECK(line.find(k) != std::string::npos);
    }
    if (line.find("\"lf_ms2\":null") == std::string::npos && line.find("\"plv\":null") == std::string::npos) {
      saw_values = true;
    }
  }
  CHECK(n >= 199);
  CHECK(saw_values);
  CHECK(last.find("\"algorithm_version\":\"attune-core/0.6.0\"") != std::string::npos);
  CHECK(last.find("\"bad_lines\":0") != std::string::npos);
}

TEST_CASE("replay: bad lines are skipped with a message, --strict fails", "[replay]") {
  std::string out, err;
  const std::string csv = "participant,stream,t_ms,value\nA,rr,1000,800\nA,rr,oops,800\nA,rr,1800,800\n";
  CHECK(run_on(csv, out, err) == 0);
  CHECK(err.find("line 3: t_ms") != std::string::npos);
  CHECK(out.find("\"bad_lines\":1") != std::string::npos);
  CHECK(run_on(csv, out, err, "--strict") == 1);
}
