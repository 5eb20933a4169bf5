"""Stored baselines end to end (issue 3): a session in a room stores each
partner's baseline with its summary; the next session of the same room loads
it, so its participants are not calibrating well before the 2-minute
calibration would end and its summary says "stored"; GET
/v1/rooms/{id}/baselines answers the room key and refuses another room's key
exactly like an unknown room; DELETE forgets them (audited, no physiology in
the audit detail) and the session after that calibrates again; the server log
holds no physiology."""
import asyncio
import json
import unittest

from harness import (ADMIN_KEY, Client, Heart, Server, batch, create_room, http, now_ms, pb, psql,
                     stored_session, wait_for)

FIRST_SECONDS = 150   # past the 120 s calibration: a session baseline is measured
SECOND_SECONDS = 60   # well before 120 s


async def stream(pairs, seconds, clock, pace_s=0.03):
    for _ in range(seconds):
        clock += 1000
        for client, heart in pairs:
            await client.send(batch(client, heart.beats_until(clock)))
        await asyncio.sleep(pace_s)
    return clock


async def end_session(client):
    leave = pb.ClientMessage(seq=client.next_seq())
    leave.leave.end_session = True
    await client.send(leave)
    return (await client.expect("summary")).summary


async def session(server, inv, seconds, start_ms):
    a = await Client(server, inv["partner_a"], "binary", "phone-a").connect()
    b = await Client(server, inv["partner_b"], "json", "phone-b").connect()
    wa = await a.hello()
    await b.hello()
    await asyncio.sleep(1.0)  # clock estimates; the stored baselines arrive meanwhile
    ha, hb = Heart(start_ms, 850, phase=0.0), Heart(start_ms, 950, phase=0.7)
    await stream([(a, ha), (b, hb)], seconds, start_ms)
    await asyncio.sleep(2.5)  # at least two publishes after the last data
    state = a.of("room_state")[-1].room_state
    summary = await end_session(a)
    await b.expect("summary")
    await a.close()
    await b.close()
    return wa.session_id, state, summary


def baselines(server, room_id, key):
    return http("GET", f"{server.http}/v1/rooms/{room_id}/baselines", key=key)


async def scenario(server):
    room = create_room(server, label="baselines")
    other = create_room(server, label="someone else")
    inv, key = room["invites"], room["room_key"]

    # Session 1: nothing stored yet, so it calibrates and measures a baseline.
    status, body = baselines(server, room["room_id"], key)
    assert status == 200 and body.get("seats", []) == [], body
    sid1, state1, summary1 = await session(server, inv, FIRST_SECONDS, now_ms() - 400_000)
    assert summary1.stored_baselines == "none", summary1.stored_baselines
    own1 = {p.role: p for p in summary1.participants}[pb.ROLE_PARTNER_A]
    assert own1.baseline_source == "session", own1.baseline_source
    assert own1.session_baseline.HasField("hr_median_bpm")
    assert abs(own1.session_baseline.hr_median_bpm - 60000 / 850) < 2.0, own1.session_baseline
    assert own1.session_baseline.values >= 20
    status, _ = stored_session(server, sid1, key=key)
    assert status == 200
    rows = psql(f"SELECT seat, n_values > 0 FROM seat_baselines WHERE session_id = '{sid1}' ORDER BY seat")
    assert rows == [["1", "t"], ["2", "t"]], rows

    # GET: the room key and the admin key may; another room's key, or none, may not.
    status, body = baselines(server, room["room_id"], key)
    assert status == 200, body
    seats = {s["role"]: s for s in body["seats"]}
    assert set(seats) == {"ROLE_PARTNER_A", "ROLE_PARTNER_B"}, body
    assert seats["ROLE_PARTNER_A"]["sessions"] == 1
    assert abs(seats["ROLE_PARTNER_A"]["baseline"]["hr_median_bpm"] - own1.session_baseline.hr_median_bpm) < 1e-9
    assert abs(seats["ROLE_PARTNER_B"]["baseline"]["hr_median_bpm"] - 60000 / 950) < 2.0
    status, _ = baselines(server, room["room_id"], ADMIN_KEY)
    assert status == 200
    status, refused = baselines(server, room["room_id"], other["room_key"])
    status_unknown, unknown = baselines(server, "rm_doesnotexist", key)
    assert status == 404 and refused["error"]["code"] == "NOT_FOUND", refused
    assert (status_unknown, unknown) == (status, refused), "another room's key looks like an unknown room"
    status, _ = baselines(server, room["room_id"], None)
    assert status == 404
    status, _ = http("DELETE", f"{server.http}/v1/rooms/{room['room_id']}/baselines", key=other["room_key"])
    assert status == 404
    assert psql(f"SELECT count(*) FROM seat_baselines WHERE room_id = '{room['room_id']}'") == [["2"]]

    # Session 2 of the same room: seeded, not calibrating within 60 s of data.
    sid2, state2, summary2 = await session(server, inv, SECOND_SECONDS, now_ms() - 200_000)
    mine = {p.role: p for p in state2.participants}
    assert not mine[pb.ROLE_PARTNER_A].calibrating and not mine[pb.ROLE_PARTNER_B].calibrating, state2
    assert mine[pb.ROLE_PARTNER_A].baseline_source == "stored"
    assert mine[pb.ROLE_PARTNER_A].HasField("arousal"), "arousal from the first valid windows"
    assert state2.shared_state != pb.SHARED_STATE_CALIBRATING
    assert summary2.stored_baselines == "loaded", summary2.stored_baselines
    assert {p.role: p.baseline_source for p in summary2.participants} == {
        pb.ROLE_PARTNER_A: "stored", pb.ROLE_PARTNER_B: "stored"}
    assert summary2.time_in_shared_state.calibrating_s == 0, summary2.time_in_shared_state
    # Too short to measure a baseline of its own: nothing new stored.
    stored_session(server, sid2, key=key)
    assert psql(f"SELECT count(*) FROM seat_baselines WHERE session_id = '{sid2}'") == [["0"]]

    # DELETE with the room key forgets them; audited without physiology.
    status, body = http("DELETE", f"{server.http}/v1/rooms/{room['room_id']}/baselines", key=key)
    assert status == 200 and body["rows_deleted"] == 2, body
    status, body = baselines(server, room["room_id"], key)
    assert status == 200 and body.get("seats", []) == [], body
    audit = psql(f"SELECT actor, detail::text FROM audit_log WHERE room_id = '{room['room_id']}'"
                 " AND action = 'baselines.deleted'")
    assert len(audit) == 1 and audit[0][0] == "room_key", audit
    assert set(json.loads(audit[0][1])) == {"rows"}, audit

    # Session 3: calibrates again.
    _, state3, summary3 = await session(server, inv, 20, now_ms() - 100_000)
    assert {p.role: p for p in state3.participants}[pb.ROLE_PARTNER_A].calibrating
    assert summary3.stored_baselines == "none"
    return own1.session_baseline, key


class StoredBaselines(unittest.TestCase):
    def test_stored_baselines(self):
        with Server() as server:
            baseline, key = asyncio.run(scenario(server))
            log = server.read_log()
        self.assertNotIn("Bearer", log)
        self.assertNotIn(key, log)
        # No physiology in the log: neither field names nor the measured values.
        for word in ("hr_median", "session_baseline", "ln_rmssd_median"):
            self.assertNotIn(word, log)
        for value in (baseline.hr_median_bpm, baseline.ln_rmssd_median):
            self.assertNotIn(f"{value:.4f}", log)
            self.assertNotIn(repr(value), log)


if __name__ == "__main__":
    unittest.main()
