-- 0001: rooms, invites, sessions, summaries and the audit log.
-- Applied by attune::store::migrate() inside one transaction together with its
-- row in schema_migrations, so no BEGIN/COMMIT here (and nothing that cannot run
-- inside a transaction, such as CREATE INDEX CONCURRENTLY).
-- Never edit this file once released: add 0002_*.sql instead (migrate() refuses
-- to run when an applied migration's checksum no longer matches).

-- Secrets are stored only as lowercase hex SHA-256; the CHECKs make the database
-- itself refuse a raw token or key that reached it by mistake.
CREATE TABLE rooms (
  room_id                     text        PRIMARY KEY,
  owner_key_hash              text        NOT NULL CHECK (owner_key_hash ~ '^[0-9a-f]{64}$'),
  label                       text        NOT NULL DEFAULT '',
  share_metrics_with_partners boolean     NOT NULL DEFAULT false,
  recording                   boolean     NOT NULL DEFAULT false,
  created_at                  timestamptz NOT NULL DEFAULT now()
);
-- HTTP calls list "the rooms this key owns".
CREATE INDEX rooms_owner_key_hash_idx ON rooms (owner_key_hash);

CREATE TABLE invites (
  token_hash text        PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  room_id    text        NOT NULL REFERENCES rooms (room_id) ON DELETE CASCADE,
  -- attune::store::SeatRole: 1 partner A, 2 partner B, 3 clinician, 4 observer.
  role       smallint    NOT NULL CHECK (role BETWEEN 1 AND 4),
  expires_at timestamptz NULL,  -- NULL: never expires
  created_at timestamptz NOT NULL DEFAULT now()
);
-- Listing and cascading deletes by room; the token lookup uses the primary key.
CREATE INDEX invites_room_id_idx ON invites (room_id);

CREATE TABLE sessions (
  session_id text        PRIMARY KEY,
  room_id    text        NOT NULL REFERENCES rooms (room_id) ON DELETE CASCADE,
  started_at timestamptz NOT NULL,
  ended_at   timestamptz NULL,
  status     text        NOT NULL DEFAULT 'live'
                         CHECK (status IN ('live', 'ended', 'interrupted')),
  end_reason text        NULL,
  CHECK (ended_at IS NULL OR status <> 'live')
);
-- get_room lists a room's sessions newest first.
CREATE INDEX sessions_room_started_idx ON sessions (room_id, started_at DESC);
-- Finding sessions left 'live' by a node that died.
CREATE INDEX sessions_live_idx ON sessions (started_at) WHERE status = 'live';

-- One summary per session: the primary key is what makes save_summary idempotent.
CREATE TABLE session_summaries (
  session_id        text        PRIMARY KEY REFERENCES sessions (session_id) ON DELETE CASCADE,
  algorithm_version text        NOT NULL,
  parameters        jsonb       NOT NULL,
  summary           jsonb       NOT NULL,
  written_at        timestamptz NOT NULL DEFAULT now()
);

-- Who did what, when. No foreign keys on purpose: the trail must outlive the
-- rows it talks about. detail never holds tokens, keys or physiology.
CREATE TABLE audit_log (
  id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  actor      text        NOT NULL,
  action     text        NOT NULL,
  room_id    text        NULL,
  session_id text        NULL,
  detail     jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_room_at_idx ON audit_log (room_id, at) WHERE room_id IS NOT NULL;
CREATE INDEX audit_log_session_idx ON audit_log (session_id) WHERE session_id IS NOT NULL;
