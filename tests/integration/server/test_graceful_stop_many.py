"""SIGTERM with 200 live rooms (400 WebSocket clients): every session's summary
is written before the server exits, and it exits 0."""
import asyncio
import signal
import time
import unittest

from harness import Client, Heart, Server, batch, create_room, metric, now_ms, psql

ROOMS = 200
BATCHES = 4


class GracefulStopMany(unittest.TestCase):
    def test_sigterm_with_200_rooms_writes_every_summary(self):
        server = Server(grace_s=60).start()
        try:
            async def scenario():
                rooms = []
                for i in range(ROOMS):
                    room = create_room(server, label=f"many {i}")
                    a = await Client(server, room["invites"]["partner_a"]).connect()
                    b = await Client(server, room["invites"]["partner_b"], "json" if i % 2 else "binary").connect()
                    rooms.append([a, b])
                await asyncio.gather(*(c.hello() for pair in rooms for c in pair))
                clock = now_ms() - 30_000
                hearts = [(Heart(clock, 800 + i % 50), Heart(clock, 900, phase=0.01 * i)) for i in range(ROOMS)]
                for _ in range(BATCHES):
                    clock += 1000
                    sends = []
                    for (a, b), (ha, hb) in zip(rooms, hearts):
                        sends.append(a.send(batch(a, ha.beats_until(clock))))
                        sends.append(b.send(batch(b, hb.beats_until(clock))))
                    await asyncio.gather(*sends)
                    await asyncio.sleep(0.2)
                deadline = time.time() + 20
                while metric(server, "attune_sessions_live") != ROOMS and time.time() < deadline:
                    await asyncio.sleep(0.2)
                self.assertEqual(metric(server, "attune_sessions_live"), ROOMS)
                await asyncio.sleep(1.0)

                started = time.time()
                server.proc.send_signal(signal.SIGTERM)
                codes = await asyncio.gather(*(c.expect_close(60) for pair in rooms for c in pair))
                self.assertEqual(set(codes), {1001})
                summaries = sum(1 for a, _ in rooms if a.of("summary"))
                self.assertEqual(summaries, ROOMS)
                sessions = [a.welcome.session_id for a, _ in rooms]
                sent = [ha.sent for ha, _ in hearts]
                return sessions, sent, started

            sessions, sent, started = asyncio.run(scenario())
            self.assertEqual(server.proc.wait(60), 0)
            print(f"stop with {ROOMS} rooms took {time.time() - started:.2f} s", flush=True)
        finally:
            server.stop(signal.SIGKILL)
        ids = ",".join(f"'{s}'" for s in sessions)
        rows = psql("SELECT s.status, s.end_reason, count(*) FROM sessions s JOIN session_summaries m USING (session_id)"
                    f" WHERE session_id IN ({ids}) GROUP BY 1, 2")
        self.assertEqual(rows, [["ended", "shutdown", str(ROOMS)]])
        rows = psql("SELECT session_id, (summary->'participants'->0->>'beats_received')::int FROM session_summaries"
                    f" WHERE session_id IN ({ids})")
        beats = dict((r[0], int(r[1])) for r in rows)
        for session_id, n in zip(sessions, sent):
            self.assertTrue(0 < beats[session_id] <= n, (session_id, beats[session_id], n))
        log = server.read_log()
        self.assertIn("0 summary(ies) in the spool", log)


if __name__ == "__main__":
    unittest.main()
