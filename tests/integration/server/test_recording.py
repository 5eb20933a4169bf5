"""Recording: a room created with the recording consent writes its aligned
input streams in the replay format, and `attune replay` on that file gives
the same per-second values the room published live. A room without the
consent writes nothing."""
import asyncio
import glob
import json
import math
import os
import subprocess
import tempfile
import unittest

from harness import ADMIN_KEY, Client, Server, create_room, pb, require_env

PERSON = {pb.ROLE_PARTNER_A: "A", pb.ROLE_PARTNER_B: "B"}
PERSON_FIELDS = ["hr_bpm", "rmssd_ms", "ln_rmssd", "arousal", "sdnn_ms", "pnn50", "lf_ms2", "hf_ms2",
                 "breath_rate_bpm", "ie_ratio"]
PAIR_FIELDS = ["wcc_r0", "wcc_peak_r", "wcc_peak_lag_s", "plv", "arousal_r"]


async def live_session(server, room, duration=260):
    c = await Client(server, room["invites"]["clinician"]).connect()
    await c.hello()
    sim = await asyncio.create_subprocess_exec(
        require_env("ATTUNE_BIN"), "simulate", "--server", server.http,
        "--invite-a", room["invites"]["partner_a"], "--invite-b", room["invites"]["partner_b"],
        "--duration", str(duration), "--speed", "4", "--seed", "21",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(sim.communicate(), 200)
    assert sim.returncode == 0, err.decode()[-2000:]
    summary = (await c.expect("summary", 20)).summary
    return [m.room_state for m in c.of("room_state")], summary.session_id


def close_enough(live, replayed):
    if replayed is None:
        return False
    return math.isclose(live, replayed, rel_tol=1e-9, abs_tol=1e-12)


class Recording(unittest.TestCase):
    def test_replaying_a_recording_gives_the_live_values(self):
        folder = tempfile.mkdtemp(prefix="attune-recordings-")
        with Server("--recordings-dir", folder) as server:
            room = create_room(server, label="recorded", recording=True)
            states, session_id = asyncio.run(live_session(server, room))
            private = create_room(server, label="not recorded")
            asyncio.run(live_session(server, private, duration=30))
        files = glob.glob(os.path.join(folder, "*.csv"))
        self.assertEqual([os.path.basename(f) for f in files], [f"{session_id}.csv"], "only the consenting room records")

        replay = subprocess.run([require_env("ATTUNE_BIN"), "replay", files[0]], capture_output=True, text=True,
                                check=True)
        seconds = {}
        summary_line = None
        for line in replay.stdout.splitlines():
            obj = json.loads(line)
            if "t_s" in obj:
                seconds[int(obj["t_s"])] = obj
            else:
                summary_line = obj
        # The recording carries the room's own steps, so it was replayed as
        # recorded (the same calls in the same order), not re-sorted.
        self.assertTrue(summary_line["summary"]["input"]["as_recorded"])
        self.assertGreater(summary_line["summary"]["input"]["advance"], 200)

        compared = 0
        for state in states:
            t_s = state.data_time_ms // 1000
            if t_s not in seconds or not state.participants:
                continue
            line = seconds[t_s]
            for p in state.participants:
                if p.role not in PERSON:
                    continue  # the clinician watches without streaming here
                person = line[PERSON[p.role]]
                for field in PERSON_FIELDS:
                    if p.HasField(field):
                        self.assertTrue(close_enough(getattr(p, field), person.get(field)),
                                        (t_s, PERSON[p.role], field, getattr(p, field), person.get(field)))
                        compared += 1
                    else:
                        self.assertIsNone(person.get(field), (t_s, PERSON[p.role], field))
            for pair in state.pairs:
                replayed = line["pairs"]["AB"]
                for field in PAIR_FIELDS:
                    if pair.HasField(field):
                        self.assertTrue(close_enough(getattr(pair, field), replayed.get(field)),
                                        (t_s, field, getattr(pair, field), replayed.get(field)))
                        compared += 1
        self.assertGreater(compared, 500, "too few live values were compared")


if __name__ == "__main__":
    unittest.main()
