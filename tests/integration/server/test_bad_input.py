"""Bad input through the real server: every case of issue 2 (10) gets its
error code (and a close code where the connection must go), while a
neighbouring room keeps receiving its states and nothing invalid is counted."""
import asyncio
import json
import socket
import time
import unittest

import websockets

from harness import (Client, Heart, Server, batch, create_room, http, now_ms, pb, stored_session)


class Neighbour:
    """A room next door: two partners streaming in real time, recording when states arrive."""

    def __init__(self, server):
        self.server = server
        self.stop = asyncio.Event()
        self.ready = asyncio.Event()

    async def run(self):
        room = create_room(self.server, label="neighbour")
        self.a = await Client(self.server, room["invites"]["partner_a"]).connect()
        self.b = await Client(self.server, room["invites"]["partner_b"], "json").connect()
        await self.a.hello()
        await self.b.hello()
        clock = now_ms() - 150_000
        self.ha, self.hb = Heart(clock, 820), Heart(clock, 910, phase=1.0)
        # Catch up 140 s of data quickly, then stream in real time.
        for _ in range(140):
            clock += 1000
            await self.a.send(batch(self.a, self.ha.beats_until(clock)))
            await self.b.send(batch(self.b, self.hb.beats_until(clock)))
            await asyncio.sleep(0.03)
        self.streaming_since = time.time()
        self.ready.set()
        while not self.stop.is_set():
            clock += 500
            await self.a.send(batch(self.a, self.ha.beats_until(clock)))
            await self.b.send(batch(self.b, self.hb.beats_until(clock)))
            await asyncio.sleep(0.5)

    def state_gaps(self, client):
        times = [m.server_time_us / 1e6 for m in client.of("room_state")]
        return [b - a for a, b in zip(times, times[1:])]


async def joined(server, token, fmt="binary"):
    c = await Client(server, token, fmt).connect()
    await c.hello()
    return c


async def scenario(server):
    neighbour = Neighbour(server)
    task = asyncio.ensure_future(neighbour.run())
    await asyncio.wait_for(neighbour.ready.wait(), 60)
    room = create_room(server, label="offender")
    inv = room["invites"]
    t0 = now_ms() - 60_000

    # An undecodable binary frame: an error, and the connection carries on.
    a = await Client(server, inv["partner_a"]).connect()
    await a.send_raw(b"\xff\xfe\xfd not protobuf")
    await a.expect_error(pb.ERROR_CODE_BAD_FRAME)
    welcome = await a.hello()
    assert welcome.session_id

    # Samples before Hello: an error and a policy-violation close.
    early = await Client(server, inv["partner_b"]).connect()
    await early.send(batch(early, [(t0, 800.0)]))
    await early.expect_error(pb.ERROR_CODE_NOT_JOINED)
    assert await early.expect_close() == 1008

    # An unknown token, and a well-formed but guessed one.
    for token in ("nope", "A" * 43):
        stranger = await Client(server, token).connect()
        await stranger.hello(expect_welcome=False)
        await stranger.expect_error(pb.ERROR_CODE_BAD_TOKEN)
        assert await stranger.expect_close() == 4401

    # A taken seat.
    twin = await Client(server, inv["partner_a"]).connect()
    await twin.hello(expect_welcome=False)
    await twin.expect_error(pb.ERROR_CODE_SEAT_TAKEN)
    assert await twin.expect_close() == 4409

    # Valid beats: these, and only these, must be counted.
    heart = Heart(t0, 800)
    valid = heart.beats_until(t0 + 20_000)
    await a.send(batch(a, valid))
    last_t = valid[-1][0]

    # Values out of bounds, not finite, far from now, going backwards.
    await a.send(batch(a, [(last_t + 800, 5000.0)]))
    await a.expect_error(pb.ERROR_CODE_OUT_OF_BOUNDS)
    await a.send(batch(a, [(last_t + 800, 120.0)]))
    await a.expect_error(pb.ERROR_CODE_OUT_OF_BOUNDS)
    await a.send(batch(a, [(now_ms() + 3_600_000, 800.0)]))
    await a.expect_error(pb.ERROR_CODE_BAD_TIMESTAMP)
    await a.send(batch(a, [(now_ms() - 2 * 86_400_000, 800.0)]))
    await a.expect_error(pb.ERROR_CODE_BAD_TIMESTAMP)
    await a.send(batch(a, [(last_t - 5000, 800.0)]))
    await a.expect_error(pb.ERROR_CODE_TIMESTAMP_BACKWARDS)
    await a.send(batch(a, [(last_t + 800, 800.0), (last_t + 700, 800.0)]))
    await a.expect_error(pb.ERROR_CODE_TIMESTAMP_BACKWARDS)

    # NaN and infinity, malformed and deeply nested JSON, on a text-frame client.
    b = await joined(server, inv["partner_b"], "json")
    for value in ("NaN", "Infinity", "-Infinity"):
        await b.send_raw(json.dumps({"seq": str(b.next_seq()), "samples": {"beats": [
            {"t_ms": str(t0 + 1000), "rr_ms": value}]}}))
        err = await b.expect_error(pb.ERROR_CODE_NOT_FINITE)
    await b.send_raw('{"seq": 1, "samples": {"beats": [')
    await b.expect_error(pb.ERROR_CODE_BAD_FRAME)
    await b.send_raw("[" * 5000 + "]" * 5000)
    await b.expect_error(pb.ERROR_CODE_BAD_FRAME)
    assert b.frame_types == {"json"}, "errors to a text client come as text frames"

    # A frame over the size limit: the server closes with 1009 (message too big).
    big = await joined(server, inv["clinician"])
    await big.send_raw(b"\x00" * (80 * 1024))
    assert await big.expect_close() == 1009

    # No Hello in time: TIMEOUT and a close.
    idle = await Client(server, inv["partner_b"]).connect()
    await idle.expect_error(pb.ERROR_CODE_TIMEOUT, timeout=10)
    assert await idle.expect_close() == 1008

    # An HTTP body over its limit.
    status, body = http("POST", server.http + "/v1/rooms", raw=b"{" + b" " * (64 * 1024) + b"}")
    assert status == 413 and body["error"]["code"] == "PAYLOAD_TOO_LARGE", (status, body)

    # Slow HTTP headers: the server hangs up after its header timeout.
    s = socket.create_connection(("127.0.0.1", server.port))
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    s.settimeout(10)
    began = time.time()
    assert s.recv(100) == b"", "a half-sent request must be dropped"
    assert time.time() - began < 8
    s.close()

    # The offender's connection is still usable and nothing invalid was counted.
    more = heart.beats_until(t0 + 30_000)
    await a.send(batch(a, more))
    leave = pb.ClientMessage(seq=a.next_seq())
    leave.leave.end_session = True
    await a.send(leave)
    summary = (await a.expect("summary")).summary
    counts = {p.role: p.beats_received for p in summary.participants}
    assert counts.get(pb.ROLE_PARTNER_A) == len(valid) + len(more), (counts, len(valid) + len(more))
    assert counts.get(pb.ROLE_PARTNER_B, 0) == 0

    # Meanwhile the neighbour kept receiving states about once a second.
    await asyncio.sleep(1.5)
    neighbour.stop.set()
    await task
    for client in (neighbour.a, neighbour.b):
        recent = [m for m in client.of("room_state") if m.server_time_us / 1e6 >= neighbour.streaming_since]
        elapsed = time.time() - neighbour.streaming_since
        assert len(recent) >= int(elapsed) - 1, (len(recent), elapsed)
        gaps = [y.server_time_us / 1e6 - x.server_time_us / 1e6 for x, y in zip(recent, recent[1:])]
        assert max(gaps) < 2.5, gaps
        assert not client.of("error"), [m.error.message for m in client.of("error")]
    leave = pb.ClientMessage(seq=neighbour.a.next_seq())
    leave.leave.end_session = True
    await neighbour.a.send(leave)
    summary = (await neighbour.a.expect("summary")).summary
    status, stored = stored_session(server, summary.session_id)
    assert status == 200, stored
    counts = {p["role"]: int(p["beats_received"]) for p in stored["summary"]["participants"]}
    assert counts == {"ROLE_PARTNER_A": neighbour.ha.sent, "ROLE_PARTNER_B": neighbour.hb.sent}, counts


class BadInput(unittest.TestCase):
    def test_every_bad_input_gets_its_code_and_the_neighbour_carries_on(self):
        with Server("--hello-timeout", "2", "--http-timeout", "2") as server:
            asyncio.run(scenario(server))


if __name__ == "__main__":
    unittest.main()
