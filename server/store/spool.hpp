// The summary spool: an append-only, fsync'd file of SummaryRecords that could
// not reach the database (it was away, or drain_and_stop's deadline passed).
// PgStore replays it when the database is reachable again and at start-up;
// save_summary is idempotent per session id, so a record replayed twice (a
// crash between the write and the compaction) is still stored exactly once.
//
// File: <dir>/summaries.spool, a sequence of records
//   "ASP1" | u32 payload length | u32 CRC-32 of the payload | payload
// (little-endian), the payload being the record's fields in a fixed order,
// strings as u32 length + bytes and times as i64. A record is appended with one
// write() and fdatasync()ed before append() returns. A torn or corrupt tail
// (a crash mid-append) is ignored when the file is read and cut off before the
// next append. Compaction writes <dir>/summaries.spool.tmp, fsyncs it, renames
// it over the spool and fsyncs the directory, so a crash at any point leaves
// either the old or the new file, never a mix.
//
// One process per directory: the constructor takes an exclusive flock() on
// <dir>/lock and throws if another process holds it.
//
// Thread-safe (one mutex); depth() is lock-free for stats().
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace attune::store {

class Spool {
 public:
  // Creates the directory if needed, takes the lock, reads what is there.
  // Throws std::runtime_error when the directory cannot be used.
  explicit Spool(std::string dir);
  ~Spool();

  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends and fsyncs; false (and logged) if the record could not be made durable.
  bool append(const SummaryRecord& record);
  // Every record in the spool, oldest first.
  std::vector<SummaryRecord> records() const;
  // Replaces the spool with `keep` (crash-safe: temp file, fsync, rename).
  bool rewrite(const std::vector<SummaryRecord>& keep);
  std::size_t depth() const { return depth_.load(); }
  const std::string& path() const { return path_; }
  // Bytes of torn/corrupt tail dropped when the file was opened (for tests and logs).
  std::size_t dropped_tail_bytes() const { return dropped_tail_bytes_; }

  // The on-disk encoding of one record (exposed for tests).
  static std::string encode(const SummaryRecord& record);
  // Decodes records from `data`; stops at the first incomplete or corrupt one
  // and sets `valid_bytes` to the length of the good prefix.
  static std::vector<SummaryRecord> decode(const std::string& data, std::size_t& valid_bytes);

 private:
  bool open_for_append();

  const std::string dir_;
  const std::string path_;
  mutable std::mutex mutex_;
  std::vector<SummaryRecord> records_;
  int fd_ = -1;
  int lock_fd_ = -1;
  std::atomic<std::size_t> depth_{0};
  std::size_t dropped_tail_bytes_ = 0;
};

// CRC-32 (IEEE, as in zlib) of `data`.
std::uint32_t crc32(const std::string& data);

}  // namespace attune::store
