-- 0002: checkpoints of live sessions and the node that runs them, for crash
-- recovery. A live session's accumulated summary is written every
-- --checkpoint-interval seconds into sessions.checkpoint, as
--   {"algorithm_version": text, "parameters": {...}, "summary": {...SessionSummary...}}
-- When `attune serve` starts, every session of its node (node_id) still 'live'
-- is closed as 'interrupted', with its checkpoint's summary if it has one.
-- Rows from before this migration have node_id NULL: no node recovers them.
ALTER TABLE sessions
  ADD COLUMN checkpoint      jsonb       NULL,
  ADD COLUMN checkpointed_at timestamptz NULL,
  ADD COLUMN node_id         text        NULL;
-- Recovery looks up one node's live sessions.
CREATE INDEX sessions_node_live_idx ON sessions (node_id) WHERE status = 'live';
