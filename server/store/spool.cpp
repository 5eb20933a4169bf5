#include "store/spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <spdlog/spdlog.h>

namespace attune::store {
namespace {

constexpr char kMagic[4] = {'A', 'S', 'P', '1'};
constexpr std::size_t kHeader = 12;                  // magic, length, crc
constexpr std::uint32_t kMaxPayload = 64u << 20;     // a summary is a few KiB; 64 MiB means garbage

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_i64(std::string& out, std::int64_t value) {
  auto v = static_cast<std::uint64_t>(value);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_str(std::string& out, const std::string& s) {
  put_u32(out, static_cast<std::uint32_t>(s.size()));
  out += s;
}

struct Reader {
  const std::string& data;
  std::size_t pos;
  std::size_t end;
  bool ok = true;
  std::uint64_t raw(int bytes) {
    if (end - pos < static_cast<std::size_t>(bytes)) {
      ok = false;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[pos + i])) << (8 * i);
    pos += static_cast<std::size_t>(bytes);
    return v;
  }
  std::string str() {
    auto n = static_cast<std::size_t>(raw(4));
    if (!ok || end - pos < n) {
      ok = false;
      return {};
    }
    std::string s = data.substr(pos, n);
    pos += n;
    return s;
  }
};

std::string errno_text() { return std::strerror(errno); }

bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

bool read_file(const std::string& path, std::string& out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT;  // no spool yet: empty
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return true;
}

void make_dirs(const std::string& dir) {
  std::string partial;
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    partial = dir.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST)
      throw std::runtime_error("spool: cannot create " + partial + ": " + errno_text());
  }
}

}  // namespace

std::uint32_t crc32(const std::string& data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) c = table[(c ^ b) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::string Spool::encode(const SummaryRecord& r) {
  std::string payload;
  put_str(payload, r.session_id);
  put_str(payload, r.room_id);
  put_i64(payload, r.started_at_ms);
  put_i64(payload, r.ended_at_ms);
  put_str(payload, r.end_reason);
  put_str(payload, r.algorithm_version);
  put_str(payload, r.parameters_json);
  put_str(payload, r.summary_json);
  std::string out(kMagic, sizeof kMagic);
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  put_u32(out, crc32(payload));
  out += payload;
  return out;
}

std::vector<SummaryRecord> Spool::decode(const std::string& data, std::size_t& valid_bytes) {
  std::vector<SummaryRecord> out;
  std::size_t pos = 0;
  for (;;) {
    valid_bytes = pos;
    if (data.size() - pos < kHeader) break;
    if (std::memcmp(data.data() + pos, kMagic, sizeof kMagic) != 0) break;
    Reader header{data, pos + 4, pos + kHeader};
    const auto length = static_cast<std::uint32_t>(header.raw(4));
    const auto crc = static_cast<std::uint32_t>(header.raw(4));
    if (length > kMaxPayload || data.size() - pos - kHeader < length) break;
    const std::string payload = data.substr(pos + kHeader, length);
    if (crc32(payload) != crc) break;
    Reader r{payload, 0, payload.size()};
    SummaryRecord rec;
    rec.session_id = r.str();
    rec.room_id = r.str();
    rec.started_at_ms = static_cast<std::int64_t>(r.raw(8));
    rec.ended_at_ms = static_cast<std::int64_t>(r.raw(8));
    rec.end_reason = r.str();
    rec.algorithm_version = r.str();
    rec.parameters_json = r.str();
    rec.summary_json = r.str();
    if (!r.ok || r.pos != r.end) break;
    out.push_back(std::move(rec));
    pos += kHeader + length;
  }
  return out;
}

Spool::Spool(std::string dir) : dir_(std::move(dir)), path_(dir_ + "/summaries.spool") {
  if (dir_.empty()) throw std::runtime_error("spool: no directory given");
  make_dirs(dir_);
  const std::string lock_path = dir_ + "/lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) throw std::runtime_error("spool: cannot open " + lock_path + ": " + errno_text());
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(lock_fd_);
    throw std::runtime_error("spool: " + dir_ + " is in use by another process");
  }
  // A temp file left by a compaction that crashed before its rename: the spool
  // itself is still the whole truth.
  ::unlink((path_ + ".tmp").c_str());
  std::string data;
  if (!read_file(path_, data)) {
    ::close(lock_fd_);
    throw std::runtime_error("spool: cannot read " + path_ + ": " + errno_text());
  }
  std::size_t valid = 0;
  records_ = decode(data, valid);
  if (valid < data.size()) {
    dropped_tail_bytes_ = data.size() - valid;
    spdlog::warn("spool: ignoring {} byte(s) of torn or corrupt tail in {}", dropped_tail_bytes_, path_);
    if (::truncate(path_.c_str(), static_cast<off_t>(valid)) != 0) {
      ::close(lock_fd_);
      throw std::runtime_error("spool: cannot cut the torn tail of " + path_ + ": " + errno_text());
    }
  }
  depth_ = records_.size();
  if (!open_for_append()) {
    ::close(lock_fd_);
    throw std::runtime_error("spool: cannot open " + path_ + ": " + errno_text());
  }
  if (!records_.empty()) spdlog::info("spool: {} summary(ies) waiting in {}", records_.size(), path_);
}

Spool::~Spool() {
  if (fd_ >= 0) ::close(fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

bool Spool::open_for_append() {
  const bool existed = ::access(path_.c_str(), F_OK) == 0;
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) return false;
  // A new file's directory entry must be durable too.
  if (!existed) fsync_dir(dir_);
  return true;
}

bool Spool::append(const SummaryRecord& record) {
  const std::string bytes = encode(record);
  std::lock_guard<std::mutex> lock(mutex_);
  if (fd_ < 0 && !open_for_append()) {
    spdlog::error("spool: cannot open {}: {}", path_, errno_text());
    return false;
  }
  const off_t before = ::lseek(fd_, 0, SEEK_END);
  if (!write_all(fd_, bytes) || ::fdatasync(fd_) != 0) {
    spdlog::error("spool: cannot append session={} to {}: {}", record.session_id, path_, errno_text());
    // Leave no half record behind for the next append to follow.
    if (before >= 0 && ::ftruncate(fd_, before) == 0) ::fdatasync(fd_);
    return false;
  }
  records_.push_back(record);
  depth_ = records_.size();
  return true;
}

std::vector<SummaryRecord> Spool::records() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return records_;
}

bool Spool::rewrite(const std::vector<SummaryRecord>& keep) {
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string tmp = path_ + ".tmp";
  std::string bytes;
  for (const auto& r : keep) bytes += encode(r);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    spdlog::error("spool: cannot create {}: {}", tmp, errno_text());
    return false;
  }
  const bool written = write_all(fd, bytes) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    spdlog::error("spool: cannot compact {}: {}", path_, errno_text());
    ::unlink(tmp.c_str());
    return false;
  }
  fsync_dir(dir_);
  // Appends go to the new file from now on.
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  open_for_append();
  records_ = keep;
  depth_ = records_.size();
  return true;
}

}  // namespace attune::store
