"""Abuse, table-driven: each hostile input gets its error code and close code,
a neighbouring room's state stream carries on, nothing is written for the
offender's room that should not be, and no token or physiology reaches the
server's log."""
import asyncio
import json
import time
import unittest

from harness import Client, Heart, Server, batch, create_room, http, now_ms, pb, psql, stored_session


async def fresh(server, token, fmt="binary", hello=True):
    c = await Client(server, token, fmt).connect()
    if hello:
        await c.hello()
    return c


async def guessed_tokens(server, room):
    """Guessing: every wrong token is BAD_TOKEN/4401 until the address is
    throttled, then RATE_LIMITED/4429 without a lookup."""
    codes = []
    for i in range(24):
        c = await fresh(server, f"guess-{i:02d}-" + "x" * 30, hello=False)
        await c.hello(expect_welcome=False)
        err = (await c.expect("error")).error
        codes.append((err.code, await c.expect_close()))
    assert codes[0] == (pb.ERROR_CODE_BAD_TOKEN, 4401), codes[0]
    assert codes[-1] == (pb.ERROR_CODE_RATE_LIMITED, 4429), codes[-1]
    assert all(c in ((pb.ERROR_CODE_BAD_TOKEN, 4401), (pb.ERROR_CODE_RATE_LIMITED, 4429)) for c in codes)
    return "guessed tokens"


FLOOD_SECONDS = [0.0]  # how long the flood lasted (bounds the markers it may leave)


async def flood(server, room):
    """A message rate far over what a sensor produces: RATE_LIMITED, then 1008."""
    c = await fresh(server, room["invites"]["clinician"])
    began = time.time()
    try:
        for i in range(2000):
            m = pb.ClientMessage(seq=c.next_seq())
            m.marker.t_ms = now_ms()
            m.marker.label = "x"
            await c.send(m)
    except Exception:
        pass  # the server may close mid-flood
    await c.expect_error(pb.ERROR_CODE_RATE_LIMITED)
    assert await c.expect_close() == 1008
    FLOOD_SECONDS[0] = time.time() - began
    return "flood"


async def other_seat(server, room):
    """A resume token is bound to its seat: B's resume token with A's invite
    does not give B's seat or resume A's."""
    b = await fresh(server, room["invites"]["partner_b"])
    a = await Client(server, room["invites"]["partner_a"]).connect()
    w = await a.hello(resume_token=b.welcome.resume_token)
    assert w.role == pb.ROLE_PARTNER_A and not w.resumed
    await b.close()
    await a.close()
    return "token for another seat"


async def text_abuse(server, room):
    """Malformed and deeply nested JSON, NaN/inf, far timestamps: errors, connection stays."""
    c = await fresh(server, room["invites"]["partner_b"], "json")
    table = [
        ('{"seq": 1, "samples": ', pb.ERROR_CODE_BAD_FRAME),
        ('{"a":' * 3000 + "1" + "}" * 3000, pb.ERROR_CODE_BAD_FRAME),
        (json.dumps({"seq": "90", "samples": {"beats": [{"t_ms": str(now_ms()), "rr_ms": "NaN"}]}}), pb.ERROR_CODE_NOT_FINITE),
        (json.dumps({"seq": "91", "samples": {"beats": [{"t_ms": str(now_ms()), "rr_ms": "-Infinity"}]}}), pb.ERROR_CODE_NOT_FINITE),
        (json.dumps({"seq": "92", "samples": {"beats": [{"t_ms": "9000000000000000", "rr_ms": 800}]}}), pb.ERROR_CODE_BAD_TIMESTAMP),
        (json.dumps({"seq": "93", "samples": {"beats": [{"t_ms": "-9000000000000000", "rr_ms": 800}]}}), pb.ERROR_CODE_BAD_TIMESTAMP),
    ]
    for text, code in table:
        await c.send_raw(text)
        await c.expect_error(code)
    assert c.close_code is None
    await c.close()
    return "text abuse"


async def oversize(server, room):
    c = await fresh(server, room["invites"]["partner_b"])
    # Just over the 64 KiB limit. A much larger frame (200 KiB) is still being
    # written by the client when the server answers 1009 and closes; on
    # loopback the peer's reset then sometimes overtakes the close frame and
    # the client sees 1006 (about half the runs under ASan), which says
    # nothing about the server.
    await c.send_raw(b"\x0a" * (64 * 1024 + 64))
    code = await c.expect_close()
    assert code == 1009, code
    return "oversize"


async def offender_summary(server, offender):
    """The offender's room. Nothing is stored while its session runs; then a
    partner ends it as a client would, and the one stored summary must show
    that none of the hostile input counted: no beat for anyone (only invalid
    samples were sent), and no marker beyond what the rate limit admitted
    from the flood (the clinician's markers are legitimate up to the rate)."""
    summary_rows = (f"SELECT count(*) FROM session_summaries m JOIN sessions s USING (session_id) "
                    f"WHERE s.room_id = '{offender['room_id']}'")
    assert psql(summary_rows) == [["0"]], psql(summary_rows)
    oa = await fresh(server, offender["invites"]["partner_a"])
    assert oa.welcome.session_id, "the offender's session should still be running"
    end = pb.ClientMessage(seq=oa.next_seq())
    end.leave.end_session = True
    await oa.send(end)
    await oa.expect("summary")
    status, stored = stored_session(server, oa.welcome.session_id)
    assert status == 200 and "summary" in stored, (status, stored)
    participants = stored["summary"].get("participants", [])
    beats = {p["role"]: int(p.get("beats_received", 0)) for p in participants}
    # A seat appears among the participants once a beat of it was applied.
    assert all(n == 0 for n in beats.values()), beats
    markers = stored["summary"].get("markers", [])
    assert all(m.get("role") == "ROLE_CLINICIAN" and m.get("label") == "x" for m in markers), markers[:3]
    admitted = 2 * 50 + 50 * FLOOD_SECONDS[0] + 50  # burst + rate over the flood, one second of slack
    assert len(markers) <= admitted, (len(markers), admitted)
    assert psql(summary_rows) == [["1"]], psql(summary_rows)


async def scenario(server):
    # The neighbour streams in real time and must not notice any of this.
    near = create_room(server, label="neighbour")
    na = await fresh(server, near["invites"]["partner_a"])
    nb = await fresh(server, near["invites"]["partner_b"])
    clock = now_ms() - 130_000
    ha, hb = Heart(clock, 800), Heart(clock, 900)
    for _ in range(125):
        clock += 1000
        await na.send(batch(na, ha.beats_until(clock)))
        await nb.send(batch(nb, hb.beats_until(clock)))
        await asyncio.sleep(0.02)
    stop = asyncio.Event()

    async def keep_streaming():
        nonlocal clock
        while not stop.is_set():
            clock += 500
            await na.send(batch(na, ha.beats_until(clock)))
            await nb.send(batch(nb, hb.beats_until(clock)))
            await asyncio.sleep(0.5)

    streaming = asyncio.ensure_future(keep_streaming())
    began = time.time()

    offender = create_room(server, label="offender")
    done = []
    for case in (other_seat, text_abuse, oversize, flood):
        done.append(await case(server, offender))
    # Before the guessing, which throttles this address for new Hellos.
    await offender_summary(server, offender)
    done.append(await guessed_tokens(server, offender))

    stop.set()
    await streaming
    elapsed = time.time() - began
    for c in (na, nb):
        recent = [m for m in c.of("room_state") if m.server_time_us / 1e6 >= began]
        assert len(recent) >= int(elapsed) - 1, (len(recent), elapsed)
        assert not c.of("error")
    leave = pb.ClientMessage(seq=na.next_seq())
    leave.leave.end_session = True
    await na.send(leave)
    await na.expect("summary")
    status, stored = stored_session(server, na.welcome.session_id)
    counts = {p["role"]: int(p["beats_received"]) for p in stored["summary"]["participants"]}
    assert counts == {"ROLE_PARTNER_A": ha.sent, "ROLE_PARTNER_B": hb.sent}, counts

    return done, near, offender


class Abuse(unittest.TestCase):
    def test_every_abuse_gets_its_code_and_the_neighbour_carries_on(self):
        with Server() as server:
            done, near, offender = asyncio.run(scenario(server))
            log = server.read_log()
        self.assertEqual(len(done), 5)
        # Neither tokens nor keys nor physiology in the log.
        for secret in [near["room_key"], offender["room_key"], *near["invites"].values(), *offender["invites"].values()]:
            if isinstance(secret, str) and secret:
                self.assertNotIn(secret, log)
        for word in ("rr_ms", "hr_bpm", "rmssd", "Bearer"):
            self.assertNotIn(word, log)


if __name__ == "__main__":
    unittest.main()
