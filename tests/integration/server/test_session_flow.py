"""End to end through the real server and PostgreSQL: create a room, two
partners and a clinician join and stream several minutes of data time, every
member receives RoomState (each seeing only what its role may), a partner
drops and resumes without double counting, the session ends, and the summary
read back over HTTP matches what was streamed."""
import asyncio
import unittest

from harness import (ADMIN_KEY, Client, Heart, Server, batch, create_room, http, now_ms, pb, psql, stored_session)

DATA_SECONDS = 200  # more than the 2-minute calibration, so states and WCC publish


async def stream(clients_hearts, seconds, clock, pace_s=0.03):
    """Sends one batch per client per second of data time (all clients share
    the data clock, as phones measuring at the same moment do), paced so the
    rate limit is respected. Returns the data clock."""
    for _ in range(seconds):
        clock += 1000
        for client, heart in clients_hearts:
            await client.send(batch(client, heart.beats_until(clock)))
        await asyncio.sleep(pace_s)
    return clock


async def scenario(server):
    room = create_room(server, label="flow")
    inv = room["invites"]
    a = await Client(server, inv["partner_a"], "binary", "phone-a").connect()
    b = await Client(server, inv["partner_b"], "json", "phone-b").connect()
    c = await Client(server, inv["clinician"], "binary", "clinician").connect()
    wa = await a.hello()
    wb = await b.hello()
    wc = await c.hello()
    assert wa.role == pb.ROLE_PARTNER_A and wb.role == pb.ROLE_PARTNER_B and wc.role == pb.ROLE_CLINICIAN
    assert wa.session_id and wa.session_id == wb.session_id == wc.session_id
    assert wa.resume_token and wa.resume_token != wb.resume_token
    # JSON client got text frames, binary clients binary frames.
    assert b.frame_types == {"json"} and a.frame_types == {"binary"}

    start = now_ms() - (DATA_SECONDS + 60) * 1000
    ha, hb, hc = Heart(start, 850, phase=0.0), Heart(start, 950, phase=0.7), Heart(start, 1000, phase=2.0)
    clock = await stream([(a, ha), (b, hb), (c, hc)], DATA_SECONDS - 40, start)

    # Partner B drops and resumes with its resume token; it resends its last
    # batch (as a client does when unsure it arrived): it must not count twice.
    last_seq = b.seq
    clock += 1000
    await a.send(batch(a, ha.beats_until(clock)))
    await c.send(batch(c, hc.beats_until(clock)))
    last_batch_beats = hb.beats_until(clock)
    await b.send(batch(b, last_batch_beats))
    await asyncio.sleep(0.3)
    await b.ws.close()
    await asyncio.sleep(0.3)
    b2 = await Client(server, inv["partner_b"], "json", "phone-b").connect()
    b2.seq = b.seq
    w2 = await b2.hello(resume_token=wb.resume_token)
    assert w2.resumed, "resume token should continue the seat"
    assert w2.session_id == wa.session_id
    assert w2.last_applied_seq == last_seq + 1, (w2.last_applied_seq, last_seq)
    await b2.send(batch(b2, last_batch_beats, seq=last_seq + 1))  # the resend: ignored
    await stream([(a, ha), (b2, hb), (c, hc)], 40, clock)
    await asyncio.sleep(2.5)  # at least two publishes after the last data

    # Everyone receives RoomState; each sees what its role may.
    sa = a.of("room_state")[-1].room_state
    sb = b2.of("room_state")[-1].room_state
    sc = c.of("room_state")[-1].room_state
    assert sa.session_id == wa.session_id
    assert sa.shared_state != pb.SHARED_STATE_UNSPECIFIED
    roles_a = {p.role: p for p in sa.participants}
    assert pb.ROLE_CLINICIAN not in roles_a, "partners never see the clinician's state"
    assert roles_a[pb.ROLE_PARTNER_A].HasField("hr_bpm")
    assert not roles_a[pb.ROLE_PARTNER_B].HasField("hr_bpm"), "raw HR of the other partner is private by default"
    assert roles_a[pb.ROLE_PARTNER_B].state != pb.REGULATION_STATE_UNSPECIFIED
    assert [(p.first, p.second) for p in sa.pairs] == [(pb.ROLE_PARTNER_A, pb.ROLE_PARTNER_B)]
    assert sa.pairs[0].HasField("wcc_peak_r")
    roles_b = {p.role: p for p in sb.participants}
    assert roles_b[pb.ROLE_PARTNER_B].HasField("hr_bpm") and not roles_b[pb.ROLE_PARTNER_A].HasField("hr_bpm")
    roles_c = {p.role: p for p in sc.participants}
    assert set(roles_c) == {pb.ROLE_PARTNER_A, pb.ROLE_PARTNER_B, pb.ROLE_CLINICIAN}
    assert all(p.HasField("hr_bpm") for p in sc.participants)
    assert len(sc.pairs) == 3
    # HR is about 60000/850 for A (mean of the breathing-modulated intervals).
    assert abs(roles_c[pb.ROLE_PARTNER_A].hr_bpm - 60000 / 850) < 2.0, roles_c[pb.ROLE_PARTNER_A].hr_bpm
    assert abs(roles_c[pb.ROLE_PARTNER_B].hr_bpm - 60000 / 950) < 2.0
    assert len(a.of("room_state")) >= 3 and len(c.of("room_state")) >= 3
    assert any(m.presence.members for m in a.of("presence"))

    # Partner A ends the session: everyone gets the summary and a normal close.
    leave = pb.ClientMessage(seq=a.next_seq())
    leave.leave.end_session = True
    await a.send(leave)
    summaries = [(await x.expect("summary")).summary for x in (a, b2, c)]
    assert all(s.session_id == wa.session_id for s in summaries)
    for x in (a, b2, c):
        assert await x.expect_close() == 1000
    s = summaries[2]  # the clinician's: everyone's figures
    assert s.end_reason == "ended_by_partner_a"
    # Partner A's copy: its own figures, only the time in each state of B, nothing of the clinician.
    mine = {p.role: p for p in summaries[0].participants}
    assert set(mine) == {pb.ROLE_PARTNER_A, pb.ROLE_PARTNER_B}
    assert mine[pb.ROLE_PARTNER_A].beats_received == ha.sent
    assert not mine[pb.ROLE_PARTNER_B].HasField("mean_hr_bpm") and mine[pb.ROLE_PARTNER_B].beats_received == 0
    assert [(p.first, p.second) for p in summaries[0].pairs] == [(pb.ROLE_PARTNER_A, pb.ROLE_PARTNER_B)]
    assert s.algorithm_version
    counts = {p.role: p.beats_received for p in s.participants}
    assert counts[pb.ROLE_PARTNER_A] == ha.sent, (counts, ha.sent)
    assert counts[pb.ROLE_PARTNER_B] == hb.sent, (counts, hb.sent)
    assert counts[pb.ROLE_CLINICIAN] == hc.sent
    assert s.data_seconds >= DATA_SECONDS - 5

    # Read back over HTTP: the room key and the admin key may; another key may not.
    status, stored = stored_session(server, wa.session_id, key=room["room_key"])
    assert status == 200, stored
    assert stored["status"] == "ended"
    assert stored["summary"]["session_id"] == wa.session_id
    stored_counts = {p["role"]: int(p["beats_received"]) for p in stored["summary"]["participants"]}
    assert stored_counts == {"ROLE_PARTNER_A": ha.sent, "ROLE_PARTNER_B": hb.sent, "ROLE_CLINICIAN": hc.sent}
    assert stored["summary"]["parameters_json"]
    status, _ = http("GET", f"{server.http}/v1/sessions/{wa.session_id}", key=ADMIN_KEY)
    assert status == 200
    other = create_room(server, label="someone else")
    status, body = http("GET", f"{server.http}/v1/sessions/{wa.session_id}", key=other["room_key"])
    assert status == 404 and body["error"]["code"] == "NOT_FOUND"
    status, _ = http("GET", f"{server.http}/v1/sessions/{wa.session_id}", key=None)
    assert status == 404
    status, info = http("GET", f"{server.http}/v1/rooms/{room['room_id']}", key=room["room_key"])
    assert status == 200 and info["sessions"][0]["session_id"] == wa.session_id

    # In the database: one summary row, invites stored as hashes only.
    rows = psql(f"SELECT count(*) FROM session_summaries WHERE session_id = '{wa.session_id}'")
    assert rows == [["1"]]
    for token in inv.values():
        if isinstance(token, str):
            assert psql(f"SELECT count(*) FROM invites WHERE token_hash = '{token}'") == [["0"]]


class SessionFlow(unittest.TestCase):
    def test_full_session(self):
        with Server() as server:
            asyncio.run(scenario(server))
            log = server.read_log()
        # No tokens in the logs.
        self.assertNotIn("Bearer", log)


if __name__ == "__main__":
    unittest.main()
