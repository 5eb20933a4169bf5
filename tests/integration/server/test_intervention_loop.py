"""The intervention loop, scripted through `attune simulate` against the real
server and PostgreSQL (issue 4's scenarios):
- co-escalation: both partners get the pause prompt within 15 s of the
  state's onset;
- one partner activated: the settled one gets the anchoring prompt, the
  activated one the breathing prompt;
- over a 10-minute scenario nobody gets more than one prompt per minute;
- partners who follow the pacer are stepped down toward 6/min, partners who
  ignore it are not;
- the clinician's own alert reaches only the clinician."""
import asyncio
import json
import re
import unittest

from harness import ADMIN_KEY, Server, require_env, stored_session


async def simulate(server, *args, timeout=400):
    proc = await asyncio.create_subprocess_exec(
        require_env("ATTUNE_BIN"), "simulate", "--server", server.http, "--admin-key", ADMIN_KEY, "--json", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    out = out.decode()
    assert proc.returncode == 0, (proc.returncode, out[-1500:], err.decode()[-1500:])
    session_id = re.search(r"^session_id=(\S+)$", out, re.M).group(1)
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return session_id, lines


def observed_states(lines):
    """(data_time_ms, shared_state, activated_role) as the printing seat saw them."""
    seen = []
    for line in lines:
        if line.get("type") == "room_state":
            s = line["room_state"]
            seen.append((int(s["data_time_ms"]), s.get("shared_state"), s.get("activated_role")))
    return seen


def onsets(states, shared, activated=None):
    """(previous observation time, first observation time) of each onset."""
    found = []
    for (t0, s0, a0), (t1, s1, a1) in zip(states, states[1:]):
        if s1 == shared and (activated is None or a1 == activated) and not (s0 == shared and a0 == a1):
            found.append((t0, t1))
    return found


def prompts_of(summary, catalogue_id=None, recipient=None):
    return [p for p in summary.get("prompts", [])
            if (catalogue_id is None or p.get("catalogue_id") == catalogue_id)
            and (recipient is None or p["recipient"] == recipient)]


class InterventionLoop(unittest.TestCase):
    def test_scenarios(self):
        with Server() as server:
            async def all_runs():
                return await asyncio.gather(
                    simulate(server, "--clinician", "--duration", "600", "--speed", "6", "--seed", "11",
                             "--episodes", "a:150-240,ab:330-420,b:480-560"),
                    simulate(server, "--duration", "420", "--speed", "10", "--seed", "12", "--episodes", "none",
                             "--start-pacer", "130"),
                    simulate(server, "--duration", "420", "--speed", "10", "--seed", "12", "--episodes", "none",
                             "--start-pacer", "130", "--ignore-pacer"),
                    simulate(server, "--clinician", "--duration", "420", "--speed", "10", "--seed", "13",
                             "--episodes", "c:150-300"))

            (episodes, ep_lines), (follow, _), (ignore, _), (alert, _) = asyncio.run(all_runs())
            summaries = {}
            for name, sid in (("episodes", episodes), ("follow", follow), ("ignore", ignore), ("alert", alert)):
                status, body = stored_session(server, sid)
                self.assertEqual(status, 200, body)
                summaries[name] = body["summary"]

        s = summaries["episodes"]
        states = observed_states(ep_lines)
        self.assertTrue(states, "the simulator printed no room states")

        # Co-escalation: the pause prompt reaches both partners within 15 s of onset.
        co = onsets(states, "SHARED_STATE_CO_ESCALATION")
        self.assertTrue(co, f"no co-escalation observed: {sorted(set(x[1] for x in states))}")
        before, seen = co[0]
        for who in ("ROLE_PARTNER_A", "ROLE_PARTNER_B"):
            times = [int(p["data_time_ms"]) for p in prompts_of(s, "pause_co_escalation", who)]
            self.assertTrue(any(before <= t <= seen + 15_000 for t in times),
                            f"{who}: pause prompts at {times}, co-escalation seen at {seen} (before {before})")

        # One partner activated: anchor to the settled one, breathing to the activated one.
        one = onsets(states, "SHARED_STATE_ONE_ACTIVATED", "ROLE_PARTNER_A")
        self.assertTrue(one, "partner A alone was never seen activated")
        before, seen = one[0]
        anchor = [int(p["data_time_ms"]) for p in prompts_of(s, "anchor_settled_partner", "ROLE_PARTNER_B")]
        breathe = [int(p["data_time_ms"]) for p in prompts_of(s, "breathe_together_activated", "ROLE_PARTNER_A")]
        self.assertTrue(any(before <= t <= seen + 20_000 for t in anchor), (anchor, seen))
        self.assertTrue(any(before <= t <= seen + 20_000 for t in breathe), (breathe, seen))

        # Nobody gets more than one prompt a minute (data time), and partners
        # never see the clinician's private prompts.
        for who in ("ROLE_PARTNER_A", "ROLE_PARTNER_B", "ROLE_CLINICIAN"):
            times = sorted(int(p["data_time_ms"]) for p in prompts_of(s, recipient=who))
            gaps = [b - a for a, b in zip(times, times[1:])]
            self.assertTrue(all(g >= 60_000 for g in gaps), (who, gaps))
        self.assertFalse([p for p in s.get("prompts", []) if p["catalogue_id"].startswith("clinician_")
                          and p["recipient"] != "ROLE_CLINICIAN"])
        # The simulated phones acknowledge what they are shown.
        self.assertTrue(all(int(p.get("acked_at_ms", 0)) > 0 for p in s["prompts"]
                            if p["recipient"] != "ROLE_CLINICIAN"), s["prompts"])

        # Following the pacer steps it down toward 6/min; ignoring it does not.
        # (The pacer starts near the slower partner's own breath rate, so for
        # its first breaths even people ignoring it breathe roughly in step;
        # once it moves away from them it holds.)
        f, i = summaries["follow"]["pacer"], summaries["ignore"]["pacer"]
        f_drop = f["first_rate_bpm"] - f["last_rate_bpm"]
        i_drop = i["first_rate_bpm"] - i["last_rate_bpm"]
        self.assertGreater(f_drop, 1.5, (f, i))
        self.assertGreaterEqual(f["last_rate_bpm"], 6.0)
        self.assertLess(i_drop, 1.0, (f, i))
        self.assertGreater(f_drop, 2 * i_drop, (f, i))
        follow_plv = {e["role"]: e["plv"] for e in f["mean_entrainment"]}
        ignore_plv = {e["role"]: e["plv"] for e in i["mean_entrainment"]}
        self.assertGreater(min(follow_plv.values()), 0.8, follow_plv)
        self.assertLess(max(ignore_plv.values()), min(follow_plv.values()), (ignore_plv, follow_plv))

        # The clinician's own activation: a private prompt to the clinician alone.
        a = summaries["alert"]
        own = prompts_of(a, "clinician_own_exhale")
        self.assertTrue(own, a.get("prompts"))
        self.assertTrue(all(p["recipient"] == "ROLE_CLINICIAN" for p in own))


if __name__ == "__main__":
    unittest.main()
