"""PostgreSQL goes away mid-session: 50 sessions end during the outage, their
summaries go to the fsync'd spool (/metrics shows the depth, /readyz says not
ready), and when the database is back every summary is written exactly once
and the spool is empty."""
import asyncio
import os
import signal
import unittest

from harness import (Client, Heart, Postgres, Server, batch, create_room, http, metric, now_ms, pb,
                     wait_for)

SESSIONS = 50


class DatabaseOutage(unittest.TestCase):
    def test_summaries_spooled_then_written_once(self):
        pg = Postgres().start()
        server = None
        try:
            server = Server(database_url=pg.url, grace_s=60).start()

            async def scenario():
                # Rooms and joins need the database (room creation, invite
                # lookups), so everyone is in before it goes away.
                pairs = []
                for i in range(SESSIONS):
                    room = create_room(server, label=f"outage {i}")
                    a = await Client(server, room["invites"]["partner_a"]).connect()
                    b = await Client(server, room["invites"]["partner_b"], "json").connect()
                    await a.hello()
                    await b.hello()
                    clock = now_ms() - 20_000
                    pairs.append([a, b, Heart(clock, 800 + i), Heart(clock, 900, phase=0.1 * i), clock])
                sessions = [p[0].welcome.session_id for p in pairs]
                self.assertEqual(len(set(sessions)), SESSIONS)

                async def stream(seconds):
                    for p in pairs:
                        a, b, ha, hb, clock = p
                        for _ in range(seconds):
                            clock += 1000
                            await a.send(batch(a, ha.beats_until(clock)))
                            await b.send(batch(b, hb.beats_until(clock)))
                        p[4] = clock

                await stream(5)
                # Every session_started is in the database before it goes away.
                ids = ",".join(f"'{s}'" for s in sessions)
                wait_for(lambda: pg.psql(f"SELECT count(*) FROM sessions WHERE session_id IN ({ids})")[0][0]
                         == str(SESSIONS), 20, what="50 live session rows")

                pg.stop()
                await stream(5)
                for a, b, *_ in pairs:
                    leave = pb.ClientMessage(seq=a.next_seq())
                    leave.leave.end_session = True
                    await a.send(leave)
                for a, b, *_ in pairs:
                    summary = (await a.expect("summary", timeout=20)).summary
                    self.assertEqual(summary.end_reason, "ended_by_partner_a")
                    self.assertGreater(summary.participants[0].beats_received, 0)
                for a, b, *_ in pairs:
                    await a.close()
                    await b.close()
                return sessions

            sessions = asyncio.run(scenario())

            # During the outage: not ready, and every summary is in the spool.
            def not_ready():
                status, body = http("GET", server.http + "/readyz", key=None)
                return status == 503 and body["database_reachable"] is False and body
            wait_for(not_ready, 20, what="/readyz reporting the outage")
            wait_for(lambda: metric(server, "attune_store_spool_depth") == SESSIONS, 30,
                     what=f"spool depth {SESSIONS}")
            self.assertEqual(metric(server, "attune_database_reachable"), 0)
            spool_file = os.path.join(server.spool_dir, "summaries.spool")
            self.assertGreater(os.path.getsize(spool_file), 0)

            pg.start()
            wait_for(lambda: metric(server, "attune_store_spool_depth") == 0, 60, what="spool replayed")
            wait_for(lambda: http("GET", server.http + "/readyz", key=None)[0] == 200, 30, what="ready again")
            self.assertEqual(os.path.getsize(spool_file), 0)

            ids = ",".join(f"'{s}'" for s in sessions)
            rows = pg.psql("SELECT count(*), count(DISTINCT session_id) FROM session_summaries "
                           f"WHERE session_id IN ({ids})")
            self.assertEqual(rows[0], [str(SESSIONS), str(SESSIONS)])
            rows = pg.psql("SELECT status, end_reason, count(*) FROM sessions "
                           f"WHERE session_id IN ({ids}) GROUP BY 1, 2")
            self.assertEqual(rows, [["ended", "ended_by_partner_a", str(SESSIONS)]])
            # The stored summaries are the real ones (beats counted), once each in the audit trail.
            rows = pg.psql("SELECT count(*) FROM session_summaries WHERE "
                           f"session_id IN ({ids}) AND (summary->'participants'->0->>'beats_received')::int > 0")
            self.assertEqual(rows[0][0], str(SESSIONS))
            rows = pg.psql("SELECT count(*) FROM audit_log WHERE action = 'session.ended' AND "
                           f"session_id IN ({ids})")
            self.assertEqual(rows[0][0], str(SESSIONS))

            self.assertEqual(server.stop(signal.SIGTERM), 0)
            log = server.read_log()
            self.assertIn("kept in the spool", log)
            self.assertIn("written to the database", log)
        finally:
            if server:
                server.stop(signal.SIGKILL)
            pg.remove()


if __name__ == "__main__":
    unittest.main()
