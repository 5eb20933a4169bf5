#include <catch2/catch.hpp>

#include "sim/simulate_options.hpp"

using namespace attune::sim;

namespace {
ParseResult parse(std::vector<std::string> args, const char* env = nullptr) {
  return parse_simulate_options(args, env);
}
}  // namespace

TEST_CASE("defaults with an admin key", "[sim][options]") {
  const auto r = parse({"--admin-key", "k"});
  REQUIRE(r.ok);
  const auto& o = r.options;
  CHECK(o.creates_room());
  CHECK(o.url.host == "127.0.0.1");
  CHECK(o.url.port == "8080");
  CHECK(o.duration_s == 600.0);
  CHECK(o.speed == 1.0);
  CHECK_FALSE(o.clinician);
  CHECK_FALSE(o.json_frames);
  CHECK(o.episodes.size() == 2);  // the default scenario
}

TEST_CASE("the admin key may come from the environment but invites win over it", "[sim][options]") {
  CHECK(parse({}, "envkey").options.admin_key == "envkey");
  const auto r = parse({"--invite-a", "x", "--invite-b", "y"}, "envkey");
  REQUIRE(r.ok);
  CHECK_FALSE(r.options.creates_room());
  CHECK(r.options.invite_a == "x");
}

TEST_CASE("all flags", "[sim][options]") {
  const auto r = parse({"--server", "http://example.org:9000/attune/", "--invite-a", "a", "--invite-b", "b",
                        "--invite-c", "c", "--duration", "120", "--speed", "10", "--coupling", "0.9", "--lag",
                        "-1.5", "--seed", "77", "--json", "--no-end", "--format", "json", "--episodes",
                        "ab:10-20@0.5", "--ectopic-rate", "0.01", "--dropout-rate", "2",
                        "--breath-coupling", "0.1"});
  REQUIRE(r.ok);
  const auto& o = r.options;
  CHECK(o.url.host == "example.org");
  CHECK(o.url.port == "9000");
  CHECK(o.url.base_path == "/attune");
  CHECK(o.clinician);
  CHECK(o.duration_s == 120.0);
  CHECK(o.speed == 10.0);
  CHECK(o.coupling == 0.9);
  CHECK(o.lag_s == -1.5);
  CHECK(o.seed == 77);
  CHECK(o.json_output);
  CHECK(o.no_end);
  CHECK(o.json_frames);
  REQUIRE(o.episodes.size() == 1);
  CHECK(o.episodes[0].intensity == 0.5);
  CHECK(o.ectopic_per_beat == 0.01);
  CHECK(o.dropouts_per_min == 2.0);
  CHECK(o.breath_coupling == 0.1);
}

TEST_CASE("bad flags are refused with a reason", "[sim][options]") {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},                                          // no room
           {"--invite-a", "a"},                         // B missing
           {"--invite-a", "a", "--invite-b", "b", "--clinician"},  // C missing
           {"--admin-key", "k", "--coupling", "1.5"},
           {"--admin-key", "k", "--breath-coupling", "0.8"},
           {"--admin-key", "k", "--breath-coupling", "-0.1"},
           {"--admin-key", "k", "--speed", "0.5"},
           {"--admin-key", "k", "--duration"},
           {"--admin-key", "k", "--format", "xml"},
           {"--admin-key", "k", "--server", "https://x"},
           {"--admin-key", "k", "--server", "http://x:notaport"},
           {"--admin-key", "k", "--episodes", "z:1-2"},
           {"--admin-key", "k", "--frobnicate"},
       }) {
    const auto r = parse(args);
    INFO(r.error);
    CHECK_FALSE(r.ok);
    CHECK_FALSE(r.error.empty());
  }
}

TEST_CASE("--help", "[sim][options]") {
  const auto r = parse({"--invite-a", "a", "--help"});
  CHECK(r.help);
  for (const char* flag : {"--server", "--admin-key", "--invite-a", "--invite-b", "--invite-c", "--clinician",
                           "--duration", "--speed", "--coupling", "--breath-coupling", "--lag", "--seed", "--json", "--no-end",
                           "--format", "--episodes", "--ectopic-rate", "--dropout-rate"})
    CHECK(simulate_usage().find(flag) != std::string::npos);
}

TEST_CASE("duration is capped so that the data is never older than 12 h", "[sim][options]") {
  const auto r = parse({"--admin-key", "k", "--speed", "100", "--duration", "86400"});
  REQUIRE(r.ok);
  REQUIRE(r.notes.size() == 1);
  // The data starts duration * (1 - 1/speed) before now.
  CHECK(r.options.duration_s * (1.0 - 1.0 / 100.0) <= 11.5 * 3600.0 + 1e-6);
  CHECK(r.options.episodes.back().end_s <= r.options.duration_s);
  CHECK(parse({"--admin-key", "k", "--speed", "1", "--duration", "86400"}).notes.empty());
}

TEST_CASE("server URLs", "[sim][options]") {
  ServerUrl u;
  std::string err;
  REQUIRE(parse_server_url("http://localhost", u, err));
  CHECK(u.port == "80");
  REQUIRE(parse_server_url("http://[::1]:8081", u, err));
  CHECK(u.host == "::1");
  CHECK(u.port == "8081");
  CHECK_FALSE(parse_server_url("ws://x:1", u, err));
}
