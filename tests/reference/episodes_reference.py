#!/usr/bin/python3
"""Independent check of the co-regulation episodes (docs/metrics.md
"Co-regulation episodes").

A dyad with activation episodes (A alone, then both with A first, then B
alone) and two signal losses (one bridged, one too long) is written as a replay CSV; `attune replay` computes the per-second
states and, on its last line, the summary. This script recomputes the
episodes from the per-second states of A and B with the documented rule,
written here from the text of metrics.md (not from the C++), and compares
every field of the summary's "coregulation" object exactly.

Usage: episodes_reference.py --attune build/attune --workdir DIR
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

MAX_SIGNAL_LOSS_S = 45  # episode_max_signal_loss_ms / 1000 (default)
LIST_MAX = 100          # episode_list_max (default)


# ------------------------------------------------------------------ input

def activation(t, episodes):
    """0..1: smooth rise (tau 8 s) at each start, fall (tau 25 s) after its end."""
    a = 0.0
    for start, end in episodes:
        if t < start:
            continue
        up = 1.0 - np.exp(-(min(t, end) - start) / 8.0)
        a = max(a, up if t <= end else up * np.exp(-(t - end) / 25.0))
    return a


def person_rows(who, rng, duration_s, hr0, breath_hz, rsa_ms, episodes):
    rows, t = [], 500.0
    slow_f = rng.uniform(0.01, 0.03, 3)
    slow_p = rng.uniform(0, 2 * np.pi, 3)
    while True:
        ts = t / 1000.0
        act = activation(ts, episodes)
        hr = hr0 + 1.5 * float(np.sum(np.sin(2 * np.pi * slow_f * ts + slow_p))) + 16.0 * act
        rsa = rsa_ms * (1.0 - 0.6 * act)
        rr = 60000.0 / hr - rsa * np.sin(2 * np.pi * breath_hz * ts) + 4.0 * rng.randn()
        rr = round(rr)
        t += rr
        if t > duration_s * 1000:
            return rows
        rows.append((who, "rr", int(t), float(rr)))


def write_input(path, duration_s=1100):
    rng = np.random.RandomState(5)
    # A alone at 200-300 s; both at 480-560 s with A 20 s ahead; B alone at 760-830 s.
    a = person_rows("A", rng, duration_s, 68.0, 0.22, 38.0, [(200, 300), (480, 560)])
    b = person_rows("B", rng, duration_s, 74.0, 0.25, 32.0, [(500, 560), (760, 830)])
    # Signal losses: B (the anchor) 5 s during A's first episode, bridged;
    # A (the anchor) 20 s during B's episode: about 50 s without a state,
    # more than the 45 s tolerance, so that episode is lost and the same
    # configuration resuming afterwards opens nothing.
    b = [r for r in b if not 300000 <= r[2] < 305000]
    a = [r for r in a if not 790000 <= r[2] < 810000]
    with open(path, "w") as f:
        f.write("participant,stream,t_ms,value\n")
        for row in sorted(a + b, key=lambda r: (r[2], r[0])):
            f.write("%s,%s,%d,%r\n" % row)


# -------------------------------------------------------------- the rule

def episodes_of(seconds):
    """seconds: list of (t_s, state_A, state_B) in order, one per data second."""
    done, current, last_known, loss = [], None, None, 0
    last_t = None
    for t, a, b in seconds:
        last_t = t
        known = a != "UNKNOWN" and b != "UNKNOWN"
        if current is not None:
            act = a if current["activated"] == "A" else b
            anc = a if current["anchor"] == "A" else b
            outcome = None
            if not known:
                loss += 1
                if loss > MAX_SIGNAL_LOSS_S:
                    outcome = "lost"
            elif anc != "SETTLED":
                outcome = "escalated" if (anc == "ACTIVATED" and act == "ACTIVATED") else "lost"
            elif act == "SETTLED":
                outcome = "recovered"
            elif act == "SHUT_DOWN":
                outcome = "lost"
            else:
                loss = 0
            if outcome:
                current.update(end_s=t, outcome=outcome)
                done.append(current)
                current, loss = None, 0
        if not known:
            continue
        now = (a, b)
        anchoring = now in (("ACTIVATED", "SETTLED"), ("SETTLED", "ACTIVATED"))
        if current is None and anchoring and last_known != now:
            act = "A" if a == "ACTIVATED" else "B"
            current = {"activated": act, "anchor": "B" if act == "A" else "A", "start_s": t}
            loss = 0
        last_known = now
    if current is not None:
        current.update(end_s=last_t, outcome="open")
        done.append(current)
    return done


def summary_of(eps):
    rec = [e["end_s"] - e["start_s"] for e in eps if e["outcome"] == "recovered"]
    seats = {}
    for s in "AB":
        seats[s] = {
            "activated": sum(e["activated"] == s for e in eps),
            "recovered": sum(e["activated"] == s and e["outcome"] == "recovered" for e in eps),
            "anchored": sum(e["anchor"] == s for e in eps),
            "anchored_recovered": sum(e["anchor"] == s and e["outcome"] == "recovered" for e in eps),
        }
    mean = None
    if rec:
        total = 0.0
        for r in rec:  # in order, as the engine adds them
            total += float(r)
        mean = total / len(rec)
    return {
        "total": len(eps),
        "recovered": len(rec),
        "escalated": sum(e["outcome"] == "escalated" for e in eps),
        "lost": sum(e["outcome"] == "lost" for e in eps),
        "open": sum(e["outcome"] == "open" for e in eps),
        "median_recovery_s": float(np.median(rec)) if rec else None,
        "mean_recovery_s": mean,
        "seats": seats,
        "episodes": [dict(e, duration_s=float(e["end_s"] - e["start_s"])) for e in eps[:LIST_MAX]],
    }


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--attune", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    csv = os.path.join(args.workdir, "episodes_dyad.csv")
    write_input(csv)
    out = subprocess.run([args.attune, "replay", "--strict", csv], check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    lines = [json.loads(x) for x in out.splitlines() if x.strip()]
    summary = lines[-1]["summary"]
    config = summary["config"]
    assert config["episode_max_signal_loss_ms"] == MAX_SIGNAL_LOSS_S * 1000, config
    assert config["episode_list_max"] == LIST_MAX, config
    seconds = [(x["t_s"], x["A"]["state"], x["B"]["state"]) for x in lines[:-1]]
    expected = summary_of(episodes_of(seconds))
    got = summary["coregulation"]

    print("engine:    %s" % json.dumps({k: v for k, v in got.items() if k != "episodes"}))
    print("reference: %s" % json.dumps({k: v for k, v in expected.items() if k != "episodes"}))
    for e in got["episodes"]:
        print("  episode %s activated, %s anchoring: %d-%d s (%.0f s) %s"
              % (e["activated"], e["anchor"], e["start_s"], e["end_s"], e["duration_s"], e["outcome"]))
    failures = []
    if got != expected:
        for k in expected:
            if got.get(k) != expected[k]:
                failures.append("%s: engine %r, reference %r" % (k, got.get(k), expected[k]))
    # The input must exercise the rule: A recovers beside B, the joint episode
    # escalates (or is handed over), B recovers beside A.
    outcomes = [(e["activated"], e["outcome"]) for e in expected["episodes"]]
    if ("A", "recovered") not in outcomes or ("B", "recovered") not in outcomes:
        failures.append("the input does not produce a recovered episode for both partners: %r" % outcomes)
    if expected["escalated"] < 1 or expected["lost"] < 1:
        failures.append("the input does not produce an escalated and a lost episode: %r" % outcomes)
    if failures:
        print("FAIL\n  " + "\n  ".join(failures))
        return 1
    print("OK: %d episodes agree exactly" % expected["total"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
