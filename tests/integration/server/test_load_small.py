"""Correctness under load, not speed: `attune loadgen` runs 200 rooms x 2
partners streaming the default batched profile for 30 s against the real
server, then partner A of every room ends the session. No errors, every
room received states, and all 200 sessions have their summary stored."""
import json
import os
import subprocess
import tempfile
import time
import unittest
import uuid

from harness import ADMIN_KEY, Server, psql, require_env

ROOMS = 200


class LoadSmall(unittest.TestCase):
    def test_200_rooms_stream_and_end_with_summaries(self):
        label = f"it-load-{uuid.uuid4().hex[:12]}"
        out_path = os.path.join(tempfile.mkdtemp(prefix="attune-load-"), "load.json")
        with Server() as server:
            run = subprocess.run(
                [require_env("ATTUNE_BIN"), "loadgen", "--server", server.http, "--admin-key", ADMIN_KEY,
                 "--rooms", str(ROOMS), "--duration", "30", "--end", "--label", label,
                 "--server-pid", str(server.proc.pid), "--out", out_path, "--ramp-timeout", "60"],
                capture_output=True, text=True, timeout=240)
            self.assertEqual(run.returncode, 0, run.stdout[-3000:] + run.stderr[-3000:])
            with open(out_path) as f:
                result = json.load(f)
            report = run.stdout[-3000:] + run.stderr[-1500:]
            self.assertEqual(result["connections_target"], 2 * ROOMS, report)
            self.assertEqual(result["join_failures"], 0, report)
            self.assertEqual(result["connections_held"], 2 * ROOMS, report)
            self.assertEqual(result["errors"], {}, report)
            self.assertEqual(result["client_errors"], {}, report)
            self.assertEqual(result["errors_total"], 0, report)
            self.assertEqual(result["rooms_with_states"], ROOMS, report)
            self.assertGreater(result["latency_us"]["count"], 0, report)
            # Every member got its summary, then the normal close.
            self.assertEqual(result["rooms_with_summary"], ROOMS, report)
            self.assertEqual(result["closes"], {"1000": 2 * ROOMS}, report)
            # Frames flowed both ways at about the profile's rate (2 batches/s per client).
            self.assertGreater(result["frames_out_per_s"], 0.8 * 2 * 2 * ROOMS, report)

            # Every session's summary is stored (the store writes asynchronously).
            query = ("SELECT count(*) FROM session_summaries s JOIN sessions x USING (session_id) "
                     f"JOIN rooms r USING (room_id) WHERE r.label LIKE '{label} %'")
            deadline = time.time() + 30
            while True:
                stored = int(psql(query)[0][0])
                if stored >= ROOMS or time.time() > deadline:
                    break
                time.sleep(0.5)
            self.assertEqual(stored, ROOMS, report)
            sessions = int(psql("SELECT count(*) FROM sessions x JOIN rooms r USING (room_id) "
                                f"WHERE r.label LIKE '{label} %'")[0][0])
            self.assertEqual(sessions, ROOMS, report)


if __name__ == "__main__":
    unittest.main()
