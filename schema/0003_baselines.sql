-- 0003: stored baselines (issue 3; docs/persistence.md "Baselines").
-- A person is a seat of a room (partner A, partner B, clinician): a couple
-- reuses its room across sessions. One row per (session, seat) holds the
-- baseline that session measured over its first 2 minutes (robust: median and
-- MAD-based scale per field, and how many one-second values it rests on) and
-- the person's resonance rate when that session estimated one.
-- Rows are derived from the stored summary (its participants'
-- session_baseline and resonance_rate_bpm) in the same transaction that
-- stores it, so every path that stores a summary (live, spool replay, crash
-- recovery from a checkpoint) stores them exactly once.
-- Deleting the room (or the session) deletes its rows: ON DELETE CASCADE.
CREATE TABLE seat_baselines (
  session_id         text             NOT NULL REFERENCES sessions (session_id) ON DELETE CASCADE,
  room_id            text             NOT NULL REFERENCES rooms (room_id) ON DELETE CASCADE,
  -- attune::store::SeatRole: 1 partner A, 2 partner B, 3 clinician.
  seat               smallint         NOT NULL CHECK (seat BETWEEN 1 AND 3),
  measured_at        timestamptz      NOT NULL,  -- the session's start: orders "most recent"
  hr_median          double precision NULL,
  hr_scale           double precision NULL,
  ln_rmssd_median    double precision NULL,
  ln_rmssd_scale     double precision NULL,
  breath_median      double precision NULL,
  breath_scale       double precision NULL,
  n_values           integer          NOT NULL DEFAULT 0,
  breath_values      integer          NOT NULL DEFAULT 0,
  resonance_rate_bpm double precision NULL,
  PRIMARY KEY (session_id, seat)
);
-- The effective baseline reads a room's latest rows per seat.
CREATE INDEX seat_baselines_room_seat_idx ON seat_baselines (room_id, seat, measured_at DESC);
