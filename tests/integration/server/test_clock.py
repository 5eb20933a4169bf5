"""Clock alignment through the real server: a phone whose clock is 3.7 s off,
answering probes through a path that adds 0-20 ms of random delay, is
estimated within 5 ms; its data lands on the server's timeline; the
clinician sees each seat's clock uncertainty; a reconnect starts afresh."""
import asyncio
import unittest

from harness import Client, Heart, Server, batch, create_room, now_ms, pb

SKEW_US = 3_700_000


async def offsets(client, n, timeout=15):
    """Waits for n ClockOffset messages; returns them."""
    got = []
    while len(got) < n:
        got.append((await client.expect("clock_offset", timeout)).clock_offset)
    return got


async def scenario(server):
    room = create_room(server, label="clock")
    a = await Client(server, room["invites"]["partner_a"]).connect()
    a.clock_skew_us, a.reply_jitter_ms = SKEW_US, 20
    b = await Client(server, room["invites"]["partner_b"], "json").connect()
    b.clock_skew_us, b.reply_jitter_ms = -1_250_000, 20
    c = await Client(server, room["invites"]["clinician"]).connect()
    for x in (a, b, c):
        await x.hello()

    got_a = await offsets(a, 3)
    got_b = await offsets(b, 3)
    best_a, best_b = got_a[-1], got_b[-1]
    assert abs(best_a.offset_us - SKEW_US) < 5_000, best_a
    assert abs(best_b.offset_us - (-1_250_000)) < 5_000, best_b
    assert 0 <= best_a.uncertainty_us < 25_000, best_a

    # Two phones, clocks 4.95 s apart, each converting the same true instant
    # to server time with its own estimate, agree within 10 ms.
    true_us = now_ms() * 1000
    server_from_a = (true_us + SKEW_US) - best_a.offset_us
    server_from_b = (true_us - 1_250_000) - best_b.offset_us
    assert abs(server_from_a - server_from_b) < 10_000

    # A's beats are stamped on A's clock (3.7 s ahead); the server converts
    # them, so data stamped "now" on A's clock is not refused as future data
    # even with a 2-minute window, and lands on the shared timeline.
    start = now_ms() - 100_000
    ha = Heart(start + SKEW_US // 1000, 820)
    hb = Heart(start - 1_250, 900)
    clock = start
    for _ in range(95):
        clock += 1000
        await a.send(batch(a, ha.beats_until(clock + SKEW_US // 1000)))
        await b.send(batch(b, hb.beats_until(clock - 1_250)))
        await asyncio.sleep(0.02)
    await asyncio.sleep(2.5)
    assert not a.of("error") and not b.of("error"), [m.error.message for m in a.of("error") + b.of("error")]
    state = c.of("room_state")[-1].room_state
    seen = {p.role: p for p in state.participants}
    assert abs(seen[pb.ROLE_PARTNER_A].clock_offset_ms - SKEW_US / 1000) < 5, seen[pb.ROLE_PARTNER_A]
    assert seen[pb.ROLE_PARTNER_A].HasField("clock_uncertainty_ms")
    # Both partners' data sit on one timeline: the room's data time follows
    # real time, not A's clock 3.7 s ahead.
    assert abs(state.data_time_ms - clock) < 2_500, (state.data_time_ms - clock)
    # Partners do not see clock details.
    for p in a.of("room_state")[-1].room_state.participants:
        assert not p.HasField("clock_uncertainty_ms")

    # A reconnect on a new device clock starts a fresh estimate.
    await a.ws.close()
    a2 = await Client(server, room["invites"]["partner_a"]).connect()
    a2.clock_skew_us = -600_000
    await a2.hello(resume_token=a.welcome.resume_token)
    fresh = (await offsets(a2, 1))[0]
    assert abs(fresh.offset_us - (-600_000)) < 5_000, fresh


class Clock(unittest.TestCase):
    def test_offsets_are_estimated_and_applied(self):
        with Server() as server:
            asyncio.run(scenario(server))


if __name__ == "__main__":
    unittest.main()
