#include "store/pg_queries.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "store/pg_errors.hpp"

namespace attune::store::sql {
namespace {

// Unix milliseconds <-> timestamptz, in integer arithmetic so values round-trip
// exactly. These are fragments of SQL text around a placeholder, never values.
#define ATTUNE_MS_TO_TS(p) "(timestamptz 'epoch' + (" p ")::bigint * interval '1 millisecond')"
#define ATTUNE_TS_TO_MS(c) "(extract(epoch FROM " c ") * 1000)::bigint"

std::int64_t optional_ms(const pqxx::field& f) { return f.is_null() ? 0 : f.as<std::int64_t>(); }

SeatRole to_role(int value) {
  if (value < 1 || value > 4) return SeatRole::Observer;  // the CHECK makes this unreachable
  return static_cast<SeatRole>(value);
}

SessionRow session_from(const pqxx::row& r) {
  // Columns: session_id, room_id, started_ms, ended_ms, status.
  SessionRow s;
  s.session_id = r[0].as<std::string>();
  s.room_id = r[1].as<std::string>();
  s.started_at_ms = r[2].as<std::int64_t>();
  if (!r[3].is_null()) s.ended_at_ms = r[3].as<std::int64_t>();
  s.status = r[4].as<std::string>();
  return s;
}

}  // namespace

int read_schema_version(pqxx::transaction_base& tx) {
  const auto exists = tx.exec1("SELECT to_regclass('schema_migrations') IS NOT NULL");
  if (!exists[0].as<bool>()) return 0;
  return tx.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int>();
}

void insert_room(pqxx::transaction_base& tx, const RoomRecord& room) {
  tx.exec_params0(
      "INSERT INTO rooms (room_id, owner_key_hash, label, share_metrics_with_partners,"
      " recording, created_at) VALUES ($1, $2, $3, $4, $5,"
      " CASE WHEN $6::bigint = 0 THEN now() ELSE " ATTUNE_MS_TO_TS("$6") " END)",
      room.room_id, room.owner_key_hash, room.label, room.share_metrics_with_partners,
      room.recording, room.created_at_ms);
  for (const auto& invite : room.invites) {
    tx.exec_params0(
        "INSERT INTO invites (token_hash, room_id, role, expires_at) VALUES ($1, $2, $3,"
        " CASE WHEN $4::bigint = 0 THEN NULL ELSE " ATTUNE_MS_TO_TS("$4") " END)",
        invite.token_hash, room.room_id, static_cast<int>(invite.role), invite.expires_at_ms);
  }
  // What was granted, not to whom: no label (free text), no hashes.
  tx.exec_params0(
      "INSERT INTO audit_log (actor, action, room_id, detail) VALUES ('owner', 'room.created', $1,"
      " jsonb_build_object('invites', $2::int, 'share_metrics_with_partners', $3::boolean,"
      " 'recording', $4::boolean))",
      room.room_id, static_cast<int>(room.invites.size()), room.share_metrics_with_partners,
      room.recording);
}

std::optional<InviteInfo> select_invite(pqxx::transaction_base& tx, const std::string& token_hash) {
  const auto r = tx.exec_params(
      "SELECT i.room_id, i.role, " ATTUNE_TS_TO_MS("i.expires_at") ","
      " r.share_metrics_with_partners, r.recording"
      " FROM invites i JOIN rooms r ON r.room_id = i.room_id"
      " WHERE i.token_hash = $1 AND (i.expires_at IS NULL OR i.expires_at > now())",
      token_hash);
  if (r.empty()) return std::nullopt;
  InviteInfo info;
  info.room_id = r[0][0].as<std::string>();
  info.role = to_role(r[0][1].as<int>());
  info.expires_at_ms = optional_ms(r[0][2]);
  info.share_metrics_with_partners = r[0][3].as<bool>();
  info.recording = r[0][4].as<bool>();
  return info;
}

void insert_session_start(pqxx::transaction_base& tx, const SessionStart& start, const std::string& node_id) {
  tx.exec_params0(
      "INSERT INTO sessions (session_id, room_id, started_at, status, node_id) VALUES ($1, $2,"
      " CASE WHEN $3::bigint = 0 THEN now() ELSE " ATTUNE_MS_TO_TS("$3") " END, 'live', nullif($4, ''))"
      " ON CONFLICT (session_id) DO NOTHING",
      start.session_id, start.room_id, start.started_at_ms, node_id);
}

void update_checkpoint(pqxx::transaction_base& tx, const SummaryRecord& c) {
  tx.exec_params0(
      "UPDATE sessions SET checkpoint = jsonb_build_object('algorithm_version', $2::text,"
      "  'parameters', $3::jsonb, 'summary', $4::jsonb), checkpointed_at = now()"
      " WHERE session_id = $1 AND status = 'live'",
      c.session_id, c.algorithm_version, c.parameters_json.empty() ? std::string("{}") : c.parameters_json,
      c.summary_json.empty() ? std::string("{}") : c.summary_json);
}

InterruptedCounts close_interrupted(pqxx::transaction_base& tx, const std::string& node_id,
                                    const std::vector<std::string>& skip) {
  InterruptedCounts counts;
  const auto live = tx.exec_params(
      "SELECT session_id, room_id, checkpoint IS NOT NULL FROM sessions"
      " WHERE node_id = $1 AND status = 'live' ORDER BY started_at FOR UPDATE",
      node_id);
  for (const auto& row : live) {
    const auto session_id = row[0].as<std::string>();
    const auto room_id = row[1].as<std::string>();
    if (std::find(skip.begin(), skip.end(), session_id) != skip.end()) continue;
    const bool has_checkpoint = row[2].as<bool>();
    if (has_checkpoint) {
      tx.exec_params0(
          "INSERT INTO session_summaries (session_id, algorithm_version, parameters, summary)"
          " SELECT session_id, coalesce(checkpoint->>'algorithm_version', ''),"
          "  coalesce(checkpoint->'parameters', '{}'::jsonb),"
          "  jsonb_set(coalesce(checkpoint->'summary', '{}'::jsonb), '{end_reason}', '\"interrupted\"'::jsonb)"
          " FROM sessions WHERE session_id = $1 ON CONFLICT (session_id) DO NOTHING",
          session_id);
      insert_seat_baselines(tx, session_id);
      counts.with_checkpoint++;
    } else {
      counts.without_checkpoint++;
    }
    // The last moment the session is known to have run: its checkpoint, else its start.
    tx.exec_params0(
        "UPDATE sessions SET status = 'interrupted', end_reason = 'interrupted',"
        " ended_at = coalesce(checkpointed_at, started_at) WHERE session_id = $1",
        session_id);
    tx.exec_params0(
        "INSERT INTO audit_log (actor, action, room_id, session_id, detail)"
        " VALUES ('system', 'session.interrupted', $1, $2, jsonb_build_object('checkpoint', $3::boolean,"
        " 'node_id', $4::text))",
        room_id, session_id, has_checkpoint, node_id);
  }
  return counts;
}

bool insert_summary(pqxx::transaction_base& tx, const SummaryRecord& s) {
  // The session row may be missing if session_started was lost; create it
  // ended. If present, keep the first ended_at/end_reason ever recorded.
  tx.exec_params0(
      "INSERT INTO sessions (session_id, room_id, started_at, ended_at, status, end_reason)"
      " VALUES ($1, $2,"
      "  CASE WHEN $3::bigint = 0 THEN now() ELSE " ATTUNE_MS_TO_TS("$3") " END,"
      "  CASE WHEN $4::bigint = 0 THEN now() ELSE " ATTUNE_MS_TO_TS("$4") " END,"
      "  'ended', $5)"
      " ON CONFLICT (session_id) DO UPDATE SET"
      "  ended_at = coalesce(sessions.ended_at, EXCLUDED.ended_at),"
      "  end_reason = coalesce(sessions.end_reason, EXCLUDED.end_reason),"
      "  status = 'ended'",
      s.session_id, s.room_id, s.started_at_ms, s.ended_at_ms, s.end_reason);
  const auto inserted = tx.exec_params(
      "INSERT INTO session_summaries (session_id, algorithm_version, parameters, summary)"
      " VALUES ($1, $2, $3::jsonb, $4::jsonb) ON CONFLICT (session_id) DO NOTHING"
      " RETURNING session_id",
      s.session_id, s.algorithm_version,
      s.parameters_json.empty() ? std::string("{}") : s.parameters_json,
      s.summary_json.empty() ? std::string("{}") : s.summary_json);
  if (inserted.empty()) return false;
  insert_seat_baselines(tx, s.session_id);
  tx.exec_params0(
      "INSERT INTO audit_log (actor, action, room_id, session_id, detail)"
      " VALUES ('system', 'session.ended', $1, $2,"
      " jsonb_build_object('end_reason', $3::text, 'algorithm_version', $4::text))",
      s.room_id, s.session_id, s.end_reason, s.algorithm_version);
  return true;
}

void insert_seat_baselines(pqxx::transaction_base& tx, const std::string& session_id) {
  // Field names are those of the SessionSummary's JSON (proto field names);
  // role names those of the Role enum.
  tx.exec0("SAVEPOINT seat_baselines");
  try {
    tx.exec_params0(
        "INSERT INTO seat_baselines (session_id, room_id, seat, measured_at, hr_median, hr_scale,"
        " ln_rmssd_median, ln_rmssd_scale, breath_median, breath_scale, n_values, breath_values,"
        " resonance_rate_bpm)"
        " SELECT s.session_id, s.room_id,"
        "  CASE p->>'role' WHEN 'ROLE_PARTNER_A' THEN 1 WHEN 'ROLE_PARTNER_B' THEN 2 ELSE 3 END,"
        "  s.started_at,"
        "  (p->'session_baseline'->>'hr_median_bpm')::float8,"
        "  (p->'session_baseline'->>'hr_scale_bpm')::float8,"
        "  (p->'session_baseline'->>'ln_rmssd_median')::float8,"
        "  (p->'session_baseline'->>'ln_rmssd_scale')::float8,"
        "  (p->'session_baseline'->>'breath_median_bpm')::float8,"
        "  (p->'session_baseline'->>'breath_scale_bpm')::float8,"
        "  coalesce((p->'session_baseline'->>'values')::bigint, 0)::int,"
        "  coalesce((p->'session_baseline'->>'breath_values')::bigint, 0)::int,"
        "  (p->>'resonance_rate_bpm')::float8"
        " FROM session_summaries ss JOIN sessions s ON s.session_id = ss.session_id"
        " CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(ss.summary->'participants') = 'array'"
        "   THEN ss.summary->'participants' ELSE '[]'::jsonb END) AS p"
        " WHERE ss.session_id = $1 AND jsonb_typeof(p) = 'object'"
        "  AND p->>'role' IN ('ROLE_PARTNER_A', 'ROLE_PARTNER_B', 'ROLE_CLINICIAN')"
        "  AND ((p->'session_baseline'->>'hr_median_bpm') IS NOT NULL"
        "       OR (p->>'resonance_rate_bpm') IS NOT NULL)"
        " ON CONFLICT (session_id, seat) DO NOTHING",
        session_id);
    tx.exec0("RELEASE SAVEPOINT seat_baselines");
  } catch (const pqxx::sql_error& e) {
    if (is_connection_error(e)) throw;
    spdlog::error("store: baselines of session {} not derived: {}", session_id, safe_error_text(e));
    tx.exec0("ROLLBACK TO SAVEPOINT seat_baselines");
  }
}

std::optional<RoomBaselines> select_baselines(pqxx::transaction_base& tx, const std::string& room_id) {
  const auto room = tx.exec_params("SELECT owner_key_hash FROM rooms WHERE room_id = $1", room_id);
  if (room.empty()) return std::nullopt;
  RoomBaselines out;
  out.room_id = room_id;
  out.owner_key_hash = room[0][0].as<std::string>();
  // percentile_cont(0.5) is the median (the mean of the middle two for an
  // even count, as core::median) and skips NULLs (breath fields).
  const auto base = tx.exec_params(
      "WITH ranked AS (SELECT seat, hr_median, hr_scale, ln_rmssd_median, ln_rmssd_scale,"
      "  breath_median, breath_scale,"
      "  row_number() OVER (PARTITION BY seat ORDER BY measured_at DESC, session_id DESC) AS rn"
      "  FROM seat_baselines WHERE room_id = $1"
      "  AND hr_median IS NOT NULL AND hr_scale IS NOT NULL"
      "  AND ln_rmssd_median IS NOT NULL AND ln_rmssd_scale IS NOT NULL)"
      " SELECT seat, count(*)::int,"
      "  percentile_cont(0.5) WITHIN GROUP (ORDER BY hr_median),"
      "  percentile_cont(0.5) WITHIN GROUP (ORDER BY hr_scale),"
      "  percentile_cont(0.5) WITHIN GROUP (ORDER BY ln_rmssd_median),"
      "  percentile_cont(0.5) WITHIN GROUP (ORDER BY ln_rmssd_scale),"
      "  percentile_cont(0.5) WITHIN GROUP (ORDER BY breath_median),"
      "  percentile_cont(0.5) WITHIN GROUP (ORDER BY breath_scale),"
      "  count(breath_median)::int"
      " FROM ranked WHERE rn <= $2 GROUP BY seat ORDER BY seat",
      room_id, kBaselineSessions);
  const auto resonance = tx.exec_params(
      "WITH ranked AS (SELECT seat, resonance_rate_bpm,"
      "  row_number() OVER (PARTITION BY seat ORDER BY measured_at DESC, session_id DESC) AS rn"
      "  FROM seat_baselines WHERE room_id = $1 AND resonance_rate_bpm IS NOT NULL)"
      " SELECT seat, count(*)::int, percentile_cont(0.5) WITHIN GROUP (ORDER BY resonance_rate_bpm)"
      " FROM ranked WHERE rn <= $2 GROUP BY seat ORDER BY seat",
      room_id, kBaselineSessions);
  auto seat_entry = [&out](int seat) -> SeatBaseline& {
    for (auto& s : out.seats)
      if (static_cast<int>(s.seat) == seat) return s;
    SeatBaseline s;
    s.seat = to_role(seat);
    out.seats.push_back(s);
    return out.seats.back();
  };
  auto stat = [](const pqxx::field& m, const pqxx::field& sc) -> std::optional<BaselineStat> {
    if (m.is_null() || sc.is_null()) return std::nullopt;
    return BaselineStat{m.as<double>(), sc.as<double>()};
  };
  for (const auto& r : base) {
    SeatBaseline& s = seat_entry(r[0].as<int>());
    s.sessions = r[1].as<std::uint32_t>();
    s.hr_bpm = stat(r[2], r[3]);
    s.ln_rmssd = stat(r[4], r[5]);
    s.breath_rate_bpm = stat(r[6], r[7]);
    s.breath_sessions = r[8].as<std::uint32_t>();
  }
  for (const auto& r : resonance) {
    SeatBaseline& s = seat_entry(r[0].as<int>());
    s.resonance_sessions = r[1].as<std::uint32_t>();
    if (!r[2].is_null()) s.resonance_rate_bpm = r[2].as<double>();
  }
  std::sort(out.seats.begin(), out.seats.end(),
            [](const SeatBaseline& a, const SeatBaseline& b) { return a.seat < b.seat; });
  return out;
}

std::size_t delete_baselines(pqxx::transaction_base& tx, const std::string& room_id) {
  const auto r = tx.exec_params("DELETE FROM seat_baselines WHERE room_id = $1", room_id);
  return static_cast<std::size_t>(r.affected_rows());
}

std::optional<SessionRow> select_session(pqxx::transaction_base& tx, const std::string& session_id) {
  const auto r = tx.exec_params(
      "SELECT s.session_id, s.room_id, " ATTUNE_TS_TO_MS("s.started_at") ", "
      ATTUNE_TS_TO_MS("s.ended_at") ", s.status, r.owner_key_hash, ss.summary::text"
      " FROM sessions s JOIN rooms r ON r.room_id = s.room_id"
      " LEFT JOIN session_summaries ss ON ss.session_id = s.session_id"
      " WHERE s.session_id = $1",
      session_id);
  if (r.empty()) return std::nullopt;
  SessionRow row = session_from(r[0]);
  row.owner_key_hash = r[0][5].as<std::string>();
  if (!r[0][6].is_null()) row.summary_json = r[0][6].as<std::string>();
  return row;
}

std::optional<RoomRow> select_room(pqxx::transaction_base& tx, const std::string& room_id) {
  const auto room = tx.exec_params(
      "SELECT room_id, owner_key_hash, label, " ATTUNE_TS_TO_MS("created_at")
      " FROM rooms WHERE room_id = $1",
      room_id);
  if (room.empty()) return std::nullopt;
  RoomRow out;
  out.room_id = room[0][0].as<std::string>();
  out.owner_key_hash = room[0][1].as<std::string>();
  out.label = room[0][2].as<std::string>();
  out.created_at_ms = room[0][3].as<std::int64_t>();
  const auto sessions = tx.exec_params(
      "SELECT session_id, room_id, " ATTUNE_TS_TO_MS("started_at") ", "
      ATTUNE_TS_TO_MS("ended_at") ", status"
      " FROM sessions WHERE room_id = $1 ORDER BY started_at DESC, session_id DESC",
      room_id);
  for (const auto& r : sessions) {
    SessionRow s = session_from(r);
    s.owner_key_hash = out.owner_key_hash;
    out.sessions.push_back(std::move(s));
  }
  return out;
}

void insert_audit(pqxx::transaction_base& tx, const AuditEvent& e) {
  tx.exec_params0(
      "INSERT INTO audit_log (actor, action, room_id, session_id, detail)"
      " VALUES ($1, $2, nullif($3, ''), nullif($4, ''), $5::jsonb)",
      e.actor, e.action, e.room_id, e.session_id,
      e.detail_json.empty() ? std::string("{}") : e.detail_json);
}

#undef ATTUNE_MS_TO_TS
#undef ATTUNE_TS_TO_MS

}  // namespace attune::store::sql
