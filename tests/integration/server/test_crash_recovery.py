"""SIGKILL mid-session: live sessions checkpoint their summary (here every 2 s);
the restarted server closes the session as interrupted with the last
checkpoint's summary."""
import asyncio
import os
import signal
import time
import unittest

from harness import Client, Heart, Server, batch, create_room, http, now_ms, psql, stored_session, wait_for


class CrashRecovery(unittest.TestCase):
    def test_sigkill_then_restart_closes_session_from_checkpoint(self):
        server = Server("--checkpoint-interval", "2", grace_s=60).start()
        try:
            async def scenario():
                room = create_room(server, label="crash")
                a = await Client(server, room["invites"]["partner_a"]).connect()
                b = await Client(server, room["invites"]["partner_b"], "json").connect()
                await a.hello()
                await b.hello()
                session_id = a.welcome.session_id
                clock = now_ms() - 60_000
                ha, hb = Heart(clock, 820), Heart(clock, 910, phase=0.4)
                checkpoints = []
                started = time.time()
                # Stream for at least two checkpoint intervals, with data in each.
                while time.time() - started < 6 or len(set(checkpoints)) < 2:
                    self.assertLess(time.time() - started, 30, "no two checkpoints within 30 s")
                    for _ in range(4):
                        clock += 1000
                        await a.send(batch(a, ha.beats_until(clock)))
                        await b.send(batch(b, hb.beats_until(clock)))
                    await asyncio.sleep(0.5)
                    rows = psql("SELECT checkpointed_at, checkpoint->'summary'->'participants'->0->>'beats_received'"
                                f" FROM sessions WHERE session_id = '{session_id}' AND checkpoint IS NOT NULL")
                    if rows and rows[0][1] and int(rows[0][1]) > 0:
                        checkpoints.append(rows[0][0])
                return a, b, session_id, ha.sent, room

            a, b, session_id, sent_a, room = asyncio.run(scenario())
            server.stop(signal.SIGKILL)
            self.assertEqual(psql(f"SELECT status FROM sessions WHERE session_id = '{session_id}'"), [["live"]])
            checkpoint_beats = int(psql("SELECT checkpoint->'summary'->'participants'->0->>'beats_received'"
                                        f" FROM sessions WHERE session_id = '{session_id}'")[0][0])

            os.remove(server.port_file)  # so start() waits for the new process to listen
            server.start()  # same node id, same spool, same database
            rows = psql("SELECT s.status, s.end_reason, m.summary->>'end_reason',"
                        " (m.summary->'participants'->0->>'beats_received')::int, s.ended_at IS NOT NULL"
                        " FROM sessions s JOIN session_summaries m USING (session_id)"
                        f" WHERE session_id = '{session_id}'")
            self.assertEqual(len(rows), 1)
            status, end_reason, summary_reason, beats, has_end = rows[0]
            self.assertEqual((status, end_reason, summary_reason, has_end), ("interrupted", "interrupted",
                                                                             "interrupted", "t"))
            self.assertGreater(int(beats), 0)
            self.assertLessEqual(int(beats), sent_a)
            self.assertEqual(int(beats), checkpoint_beats)
            self.assertIn("1 interrupted session(s) closed (1 from a checkpoint, 0 without a summary)",
                          server.read_log())
            # The owner reads it like any other summary.
            status, body = stored_session(server, session_id, key=room["room_key"])
            self.assertEqual(status, 200, body)
            self.assertEqual(body["status"], "interrupted")
            self.assertEqual(psql("SELECT count(*) FROM audit_log WHERE action = 'session.interrupted'"
                                  f" AND session_id = '{session_id}'"), [["1"]])
            self.assertEqual(server.stop(signal.SIGTERM), 0)
        finally:
            server.stop(signal.SIGKILL)


if __name__ == "__main__":
    unittest.main()
