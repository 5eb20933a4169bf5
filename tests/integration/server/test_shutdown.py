"""SIGTERM with live sessions: every session's summary is in the database,
the clients get a going-away close, and the server exits 0."""
import asyncio
import signal
import unittest

from harness import Client, Heart, Server, batch, create_room, now_ms, pb, psql

ROOMS = 5


async def live_rooms(server):
    rooms = []
    for i in range(ROOMS):
        room = create_room(server, label=f"shutdown {i}")
        a = await Client(server, room["invites"]["partner_a"]).connect()
        b = await Client(server, room["invites"]["partner_b"], "json").connect()
        await a.hello()
        await b.hello()
        clock = now_ms() - 90_000
        ha, hb = Heart(clock, 800 + 10 * i), Heart(clock, 900, phase=0.3 * i)
        for _ in range(30):
            clock += 1000
            await a.send(batch(a, ha.beats_until(clock)))
            await b.send(batch(b, hb.beats_until(clock)))
        rooms.append((a, b, ha, hb))
    await asyncio.sleep(1.5)
    return rooms


class Shutdown(unittest.TestCase):
    def test_sigterm_writes_every_summary(self):
        server = Server().start()
        try:
            async def scenario():
                rooms = await live_rooms(server)
                server.proc.send_signal(signal.SIGTERM)
                results = []
                for a, b, ha, hb in rooms:
                    summary = (await a.expect("summary", timeout=20)).summary
                    self.assertEqual(await a.expect_close(20), 1001)
                    self.assertEqual(await b.expect_close(20), 1001)
                    results.append((a.welcome.session_id, summary, ha.sent, hb.sent))
                return results

            results = asyncio.run(scenario())
            self.assertEqual(server.proc.wait(30), 0)
        finally:
            server.stop(signal.SIGKILL)
        for session_id, summary, sent_a, sent_b in results:
            self.assertEqual(summary.end_reason, "shutdown")
            rows = psql("SELECT s.status, s.end_reason, (m.summary->'participants'->0->>'beats_received')::int "
                        "FROM sessions s JOIN session_summaries m USING (session_id) "
                        f"WHERE session_id = '{session_id}'")
            self.assertEqual(len(rows), 1, session_id)
            self.assertEqual(rows[0][:2], ["ended", "shutdown"])
            self.assertEqual(int(rows[0][2]), sent_a)


if __name__ == "__main__":
    unittest.main()
