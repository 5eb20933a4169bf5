// The store interface the rest of the server sees. Implementations run their
// I/O off the caller's thread: every call returns at once, and callbacks run on
// the store's own thread (callers post back to their own executor).
// Exception: a call refused at once (queue full, database away, store stopped)
// gets its false/nullopt inline, on the caller's thread, before the call
// returns; so do not hold a lock the callback needs while calling the store.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace attune::store {

enum class SeatRole : std::uint8_t { PartnerA = 1, PartnerB = 2, Clinician = 3, Observer = 4 };

struct InviteRecord {
  std::string token_hash;  // hex SHA-256 of the token; tokens are never stored
  SeatRole role = SeatRole::Observer;
  std::int64_t expires_at_ms = 0;  // 0: never
};

struct RoomRecord {
  std::string room_id;
  std::string owner_key_hash;   // hex SHA-256 of the room key
  std::string label;            // free text from the creator, may be empty
  bool share_metrics_with_partners = false;  // consent: partners see each other's raw values
  bool recording = false;       // consent: raw streams may be recorded
  std::int64_t created_at_ms = 0;
  std::vector<InviteRecord> invites;
};

// What an invite token resolves to.
struct InviteInfo {
  std::string room_id;
  SeatRole role = SeatRole::Observer;
  std::int64_t expires_at_ms = 0;
  bool share_metrics_with_partners = false;
  bool recording = false;
};

// The answer to an invite lookup. `answered` is false when the store could
// not ask the database at all (queue full, database away, stopping): the
// token may well be good, so the caller must not treat it as a bad token.
struct InviteLookup {
  bool answered = false;
  std::optional<InviteInfo> invite;  // set when answered and found
};

struct SessionStart {
  std::string session_id;
  std::string room_id;
  std::int64_t started_at_ms = 0;
};

struct SummaryRecord {
  std::string session_id;
  std::string room_id;
  std::int64_t started_at_ms = 0;
  std::int64_t ended_at_ms = 0;
  std::string end_reason;
  std::string algorithm_version;
  std::string parameters_json;  // engine configuration
  std::string summary_json;     // the SessionSummary in protobuf's JSON mapping
};

struct SessionRow {
  std::string session_id;
  std::string room_id;
  std::string owner_key_hash;    // of the room, for access checks
  std::int64_t started_at_ms = 0;
  std::optional<std::int64_t> ended_at_ms;
  std::string status;            // "live", "ended", "interrupted"
  std::optional<std::string> summary_json;
};

struct RoomRow {
  std::string room_id;
  std::string owner_key_hash;
  std::string label;
  std::int64_t created_at_ms = 0;
  std::vector<SessionRow> sessions;  // newest first, without summaries
};

// Something worth an audit row (e.g. "summary.read" by the HTTP API). Room
// creation and session end are audited by the store itself.
// detail_json must never carry tokens, keys or physiology.
struct AuditEvent {
  std::string actor;        // e.g. "owner", "system"
  std::string action;       // e.g. "summary.read"
  std::string room_id;      // may be empty
  std::string session_id;   // may be empty
  std::string detail_json = "{}";
};

// A seat's effective stored baseline (schema/0003_baselines.sql): the
// per-field median over its latest kBaselineSessions session rows that hold a
// baseline, and the median resonance rate over its latest kBaselineSessions
// rows that hold one. Medians of the scales too (docs/persistence.md).
inline constexpr int kBaselineSessions = 5;

struct BaselineStat {
  double median = 0.0;
  double scale = 0.0;
};

struct SeatBaseline {
  SeatRole seat = SeatRole::PartnerA;
  std::uint32_t sessions = 0;          // rows the HR / lnRMSSD medians rest on
  std::optional<BaselineStat> hr_bpm;
  std::optional<BaselineStat> ln_rmssd;
  std::optional<BaselineStat> breath_rate_bpm;
  std::uint32_t breath_sessions = 0;   // of those rows, how many had a breath baseline
  std::optional<double> resonance_rate_bpm;
  std::uint32_t resonance_sessions = 0;
};

struct RoomBaselines {
  std::string room_id;
  std::string owner_key_hash;       // of the room, for access checks
  std::vector<SeatBaseline> seats;  // seats with anything stored, in seat order
};

struct StoreStats {
  std::size_t queue_depth = 0;
  std::uint64_t writes_ok = 0;
  std::uint64_t writes_failed = 0;
  bool database_reachable = false;
  bool migrations_applied = false;
  // Added after the first version of this interface:
  std::size_t summaries_pending = 0;   // queued summaries (never dropped, not bounded)
  std::uint64_t requests_rejected = 0; // fail-fast answers: queue full or database away
  std::uint64_t reconnects = 0;        // successful (re)connections
  std::size_t spool_depth = 0;         // summaries in the spool file, waiting for the database
  std::uint64_t summaries_spooled = 0; // summaries ever written to the spool
  std::uint64_t checkpoints_ok = 0;    // checkpoints written
};

class Store {
 public:
  using Done = std::function<void(bool ok)>;
  virtual ~Store() = default;

  virtual void create_room(RoomRecord room, Done done) = 0;
  virtual void find_invite(std::string token_hash, std::function<void(InviteLookup)> done) = 0;
  virtual void session_started(SessionStart start) = 0;
  // Idempotent per session id: a second write of the same session changes nothing.
  virtual void save_summary(SummaryRecord summary, Done done) = 0;
  virtual void get_session(std::string session_id,
                           std::function<void(std::optional<SessionRow>)> done) = 0;
  virtual void get_room(std::string room_id,
                        std::function<void(std::optional<RoomRow>)> done) = 0;

  // Best effort: may be dropped (and counted) when the queue is full.
  virtual void record_audit(AuditEvent event) {}

  // The accumulated summary of a session still live (end_reason "checkpoint"),
  // kept with the session row so that a crash loses at most one interval.
  // Best effort: refused when the queue is full or the database is away (the
  // next checkpoint supersedes it). Ignored once the session has ended.
  virtual void checkpoint(SummaryRecord record) = 0;

  // The room's effective stored baselines; nullopt for an unknown room or
  // when the database cannot answer (interactive lane: fails fast). The
  // default (stores without baselines, test fakes) answers nullopt at once.
  virtual void get_baselines(std::string room_id, std::function<void(std::optional<RoomBaselines>)> done) {
    if (done) done(std::nullopt);
  }
  // Forgets every stored baseline row of the room and writes `audit` in the
  // same transaction; the number of rows deleted, or nullopt on failure.
  virtual void delete_baselines(std::string room_id, AuditEvent audit,
                                std::function<void(std::optional<std::size_t>)> done) {
    if (done) done(std::nullopt);
  }

  virtual StoreStats stats() const = 0;  // thread-safe
  // Blocks until every queued write is done (or the store gives up); then stops.
  virtual void drain_and_stop() = 0;
};

}  // namespace attune::store
