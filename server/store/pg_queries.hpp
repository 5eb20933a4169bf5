// The SQL behind each Store operation, one function each, run inside a
// transaction the caller owns (and commits). All values travel as parameters.
// Times cross the boundary as Unix milliseconds; 0 means "not set".
#pragma once

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace attune::store::sql {

// Highest applied migration, 0 when schema_migrations does not exist yet.
int read_schema_version(pqxx::transaction_base& tx);

// Room, its invites, and a "room.created" audit row.
void insert_room(pqxx::transaction_base& tx, const RoomRecord& room);

// nullopt for an unknown or expired token hash.
std::optional<InviteInfo> select_invite(pqxx::transaction_base& tx, const std::string& token_hash);

// A "live" session row run by `node_id` (empty: NULL); nothing if the session is already known.
void insert_session_start(pqxx::transaction_base& tx, const SessionStart& start, const std::string& node_id);

// Stores a live session's checkpoint (see schema/0002_checkpoints.sql); a
// session that is no longer live (or unknown) is left alone.
void update_checkpoint(pqxx::transaction_base& tx, const SummaryRecord& checkpoint);

struct InterruptedCounts {
  std::size_t with_checkpoint = 0;
  std::size_t without_checkpoint = 0;
};
// Closes every session of `node_id` still 'live' as 'interrupted' (end_reason
// too): with its checkpoint's summary (end_reason "interrupted" in the JSON)
// when it has one, without a summary otherwise; one "session.interrupted"
// audit row each. Sessions whose id is in `skip` are left alone.
InterruptedCounts close_interrupted(pqxx::transaction_base& tx, const std::string& node_id,
                                    const std::vector<std::string>& skip);

// Upserts the session as ended, inserts the summary and a "session.ended" audit
// row. Returns false when the summary was already there: the caller must then
// abort the transaction so a repeat changes nothing.
bool insert_summary(pqxx::transaction_base& tx, const SummaryRecord& summary);

// Derives the session's seat_baselines rows (schema/0003_baselines.sql) from
// its stored summary: one per participant with a session_baseline HR median
// or a resonance_rate_bpm; nothing if the rows are already there. Inside a
// savepoint: should the derivation ever fail on an odd summary, the summary
// is still stored (the failure is logged by SQLSTATE only).
void insert_seat_baselines(pqxx::transaction_base& tx, const std::string& session_id);

// The room's effective baselines per seat (store.hpp SeatBaseline); nullopt
// for an unknown room.
std::optional<RoomBaselines> select_baselines(pqxx::transaction_base& tx, const std::string& room_id);

// Deletes the room's seat_baselines rows; how many.
std::size_t delete_baselines(pqxx::transaction_base& tx, const std::string& room_id);

std::optional<SessionRow> select_session(pqxx::transaction_base& tx, const std::string& session_id);

// The room with its sessions newest first (no summaries).
std::optional<RoomRow> select_room(pqxx::transaction_base& tx, const std::string& room_id);

void insert_audit(pqxx::transaction_base& tx, const AuditEvent& event);

}  // namespace attune::store::sql
