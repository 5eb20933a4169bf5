// The summary spool on its own: append (on disk at once), read back, torn and
// corrupt tails, compaction, the one-process lock.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "store/spool.hpp"

using namespace attune::store;

namespace {

std::string temp_dir() {
  char pattern[] = "/tmp/attune-spool-test-XXXXXX";
  const char* dir = ::mkdtemp(pattern);
  REQUIRE(dir != nullptr);
  return std::string(dir) + "/spool";  // the spool creates its folder itself
}

SummaryRecord record(int i) {
  SummaryRecord r;
  r.session_id = "ses_" + std::to_string(i);
  r.room_id = "rm_" + std::to_string(i % 3);
  r.started_at_ms = 1'700'000'000'000 + i;
  r.ended_at_ms = 1'700'000'060'000 + i;
  r.end_reason = "ended_by_partner_a";
  r.algorithm_version = "attune-sync/1";
  r.parameters_json = R"({"window_s":30})";
  r.summary_json = R"({"session_id":"ses_)" + std::to_string(i) + R"(","note":"caf\u00e9 \n tab\t"})";
  return r;
}

bool same(const SummaryRecord& a, const SummaryRecord& b) {
  return a.session_id == b.session_id && a.room_id == b.room_id && a.started_at_ms == b.started_at_ms &&
         a.ended_at_ms == b.ended_at_ms && a.end_reason == b.end_reason &&
         a.algorithm_version == b.algorithm_version && a.parameters_json == b.parameters_json &&
         a.summary_json == b.summary_json;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_all(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

long file_size(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : -1;
}

}  // namespace

TEST_CASE("spool: crc32 known vector") {
  CHECK(crc32("123456789") == 0xCBF43926u);
  CHECK(crc32("") == 0u);
}

TEST_CASE("spool: encode and decode round-trip every field") {
  SummaryRecord r = record(7);
  r.summary_json += std::string("\0binary\xff", 8);
  std::size_t valid = 0;
  const std::string bytes = Spool::encode(r) + Spool::encode(record(8));
  auto back = Spool::decode(bytes, valid);
  REQUIRE(back.size() == 2);
  CHECK(valid == bytes.size());
  CHECK(same(back[0], r));
  CHECK(same(back[1], record(8)));
}

TEST_CASE("spool: an append is on disk before append() returns, and survives a reopen") {
  const auto dir = temp_dir();
  {
    Spool spool(dir);
    CHECK(spool.depth() == 0);
    REQUIRE(spool.append(record(1)));
    // Read by someone else while the spool is still open: already there.
    std::size_t valid = 0;
    auto on_disk = Spool::decode(read_all(spool.path()), valid);
    REQUIRE(on_disk.size() == 1);
    CHECK(same(on_disk[0], record(1)));
    REQUIRE(spool.append(record(2)));
    REQUIRE(spool.append(record(3)));
    CHECK(spool.depth() == 3);
  }
  Spool again(dir);
  auto records = again.records();
  REQUIRE(records.size() == 3);
  for (int i = 0; i < 3; ++i) CHECK(same(records[i], record(i + 1)));
  CHECK(again.dropped_tail_bytes() == 0);
}

TEST_CASE("spool: a torn last record (crash mid-append) is ignored and cut off") {
  const auto dir = temp_dir();
  std::string path;
  {
    Spool spool(dir);
    path = spool.path();
    for (int i = 1; i <= 3; ++i) REQUIRE(spool.append(record(i)));
  }
  const std::string full = read_all(path);
  const std::size_t third = Spool::encode(record(3)).size();
  for (std::size_t cut : {std::size_t{1}, std::size_t{5}, third - 12, third - 1}) {
    write_all(path, full.substr(0, full.size() - cut));
    Spool spool(dir);
    CHECK(spool.depth() == 2);
    CHECK(spool.dropped_tail_bytes() == third - cut);
    CHECK(file_size(path) == static_cast<long>(full.size() - third));
    // The next append follows the good records, not the garbage.
    REQUIRE(spool.append(record(4)));
    std::size_t valid = 0;
    auto records = Spool::decode(read_all(path), valid);
    REQUIRE(records.size() == 3);
    CHECK(same(records[2], record(4)));
  }
}

TEST_CASE("spool: a corrupt record (bad checksum) ends what is read") {
  const auto dir = temp_dir();
  std::string path;
  {
    Spool spool(dir);
    path = spool.path();
    for (int i = 1; i <= 2; ++i) REQUIRE(spool.append(record(i)));
  }
  std::string data = read_all(path);
  data[data.size() - 3] ^= 0x20;  // inside the last record's payload
  write_all(path, data);
  Spool spool(dir);
  REQUIRE(spool.depth() == 1);
  CHECK(same(spool.records()[0], record(1)));
  CHECK(spool.dropped_tail_bytes() > 0);
}

TEST_CASE("spool: compaction keeps what is left, atomically, and appends go on") {
  const auto dir = temp_dir();
  Spool spool(dir);
  for (int i = 1; i <= 5; ++i) REQUIRE(spool.append(record(i)));
  REQUIRE(spool.rewrite({record(4), record(5)}));
  CHECK(spool.depth() == 2);
  CHECK(::access((spool.path() + ".tmp").c_str(), F_OK) != 0);
  REQUIRE(spool.append(record(6)));
  REQUIRE(spool.rewrite({}));
  CHECK(spool.depth() == 0);
  CHECK(file_size(spool.path()) == 0);
  REQUIRE(spool.append(record(7)));
  std::size_t valid = 0;
  auto on_disk = Spool::decode(read_all(spool.path()), valid);
  REQUIRE(on_disk.size() == 1);
  CHECK(same(on_disk[0], record(7)));
}

TEST_CASE("spool: a temp file left by a crashed compaction is ignored") {
  const auto dir = temp_dir();
  std::string path;
  {
    Spool spool(dir);
    path = spool.path();
    REQUIRE(spool.append(record(1)));
  }
  write_all(path + ".tmp", Spool::encode(record(99)));  // a half-done compaction
  Spool spool(dir);
  REQUIRE(spool.depth() == 1);
  CHECK(same(spool.records()[0], record(1)));
  CHECK(::access((path + ".tmp").c_str(), F_OK) != 0);
}

TEST_CASE("spool: one process per folder") {
  const auto dir = temp_dir();
  Spool first(dir);
  CHECK_THROWS_AS(Spool(dir), std::runtime_error);
}
