#!/usr/bin/python3
"""ctest core.reference_comparison: simulated dyad -> engine vs numpy/scipy.

1. simulate_dyad.py writes a coupled dyad (B follows A by 1.5 s, RSA,
   artefacts, a dropout) plus a clinician to <workdir>/dyad.csv;
2. core_dump replays it through the engine, once with all beats up front and
   once live (a tick per second): the two outputs must be identical;
3. core_reference.py recomputes HR, RMSSD, lnRMSSD, artefact fraction and the
   WCC outputs; every value must agree to 1e-9 relative (presence exactly,
   peak lag exactly);
4. the recovered A-B peak lag (median over windows) must be 1.5 s +- 0.25.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import core_reference  # noqa: E402
import simulate_dyad  # noqa: E402

REL = 1e-9
PERSON_KEYS = ("hr_bpm", "rmssd_ms", "ln_rmssd", "artifact_fraction")
PAIR_KEYS = ("r0", "peak_r", "peak_z")


def close(a, b):
    # Relative to the larger magnitude; a correlation near 0 is compared
    # against a floor of 1e-3 so that "relative" does not blow up at 0.
    return abs(a - b) <= REL * max(abs(a), abs(b), 1e-3)


def run_dump(exe, csv_path, live):
    cmd = [exe, csv_path] + (["--live"] if live else [])
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return res.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    csv_path = os.path.join(args.workdir, "dyad.csv")
    simulate_dyad.write_csv(simulate_dyad.simulate(seed=7, duration_s=300, lag_s=1.5), csv_path)

    batch = run_dump(args.dump, csv_path, live=False)
    live = run_dump(args.dump, csv_path, live=True)
    problems = []
    if batch != live:
        problems.append("engine output differs between batch and live feeding")
    engine = [json.loads(line) for line in batch.splitlines()]
    ref = core_reference.compute(csv_path)
    if [s["t_ms"] for s in engine] != [s["t_ms"] for s in ref]:
        problems.append("different seconds: engine %d, reference %d" % (len(engine), len(ref)))

    compared, worst, lags = 0, 0.0, []

    def check(where, a, b):
        nonlocal compared, worst
        if (a is None) != (b is None):
            problems.append("%s: engine %r, reference %r" % (where, a, b))
            return
        if a is None:
            return
        compared += 1
        worst = max(worst, abs(a - b) / max(abs(a), abs(b), 1e-3))
        if not close(a, b):
            problems.append("%s: engine %.17g, reference %.17g" % (where, a, b))

    for e, r in zip(engine, ref):
        T = e["t_ms"]
        for seat in core_reference.SEATS:
            pe, pr = e["participants"][seat], r["participants"][seat]
            if pe["streaming"] != pr["streaming"]:
                problems.append("t=%d %s streaming differs" % (T, seat))
            for k in PERSON_KEYS:
                check("t=%d %s %s" % (T, seat, k), pe[k], pr[k])
        if len(e["pairs"]) != len(r["pairs"]):
            problems.append("t=%d: pair count differs" % T)
            continue
        for qe, qr in zip(e["pairs"], r["pairs"]):
            name = "t=%d %s%s" % (T, qe["first"], qe["second"])
            for k in PAIR_KEYS:
                check("%s %s" % (name, k), qe[k], qr[k])
            if qe["peak_lag_s"] != qr["peak_lag_s"]:
                problems.append("%s peak lag: engine %r, reference %r" % (name, qe["peak_lag_s"], qr["peak_lag_s"]))
            if qe["first"] == "A" and qe["second"] == "B" and qe["peak_lag_s"] is not None:
                lags.append(qe["peak_lag_s"])

    lag = float(np.median(lags)) if lags else float("nan")
    if not abs(lag - 1.5) <= 0.25:
        problems.append("A-B median peak lag %.3f s, expected 1.5 +- 0.25 s" % lag)
    if compared < 2000:
        problems.append("only %d values compared: the simulation exercises too little" % compared)

    print("seconds %d, values compared %d, worst relative difference %.3g, A-B windows %d, median lag %.2f s"
          % (len(engine), compared, worst, len(lags), lag))
    for p in problems[:40]:
        print("MISMATCH", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
