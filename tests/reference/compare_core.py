#!/usr/bin/python3
"""ctest core.reference_comparison: simulated dyad -> engine vs numpy/scipy.

1. simulate_dyad.py writes a coupled dyad (B follows A by 1.5 s, RSA,
   artefacts, a dropout) plus a clinician to <workdir>/dyad.csv;
2. core_dump replays it through the engine, once with all beats up front and
   once live (a tick per second): the two outputs must be identical;
3. core_reference.py recomputes HR, RMSSD, lnRMSSD, artefact fraction and the
   WCC outputs; every value must agree to 1e-9 relative (presence exactly,
   peak lag exactly; Fisher z also allows the rounding of r propagated
   through atanh, which matters only for |r| within ~1e-6 of 1);
4. the recovered A-B peak lag (median over windows) must be 1.5 s +- 0.25.
The same runs on real beats (R peaks of scipy's 5 min MIT-BIH ECG, with
ectopic beats) paired with themselves shifted 2 s: expected lag 2.0 s.
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
PAIR_KEYS = ("r0", "peak_r")


def close(a, b):
    # Relative to the larger magnitude; a correlation near 0 is compared
    # against a floor of 1e-3 so that "relative" does not blow up at 0.
    return abs(a - b) <= REL * max(abs(a), abs(b), 1e-3)


def run_dump(exe, csv_path, live):
    cmd = [exe, csv_path] + (["--live"] if live else [])
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return res.stdout


def compare(dump, csv_path, expect_lag, min_values):
    """Problems found comparing engine and reference on one CSV."""
    batch = run_dump(dump, csv_path, live=False)
    live = run_dump(dump, csv_path, live=True)
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

    def check_z(where, a, b, r):
        # atanh is ill-conditioned near |r| = 1 (dz/dr = 1 / (1 - r^2)): an
        # r that agrees to 1e-15 (as r does) moves z by 1e-15 / (1 - r^2).
        # So z gets 1e-9 relative plus that propagated rounding; on near-
        # identical series (r = 1 - 1e-10) this is what separates the two.
        if (a is None) != (b is None):
            problems.append("%s: engine %r, reference %r" % (where, a, b))
            return
        if a is None:
            return
        tol = REL * max(abs(a), abs(b)) + 1e-14 / max(1.0 - r * r, 1e-24)
        if abs(a - b) > tol:
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
            check_z("%s peak_z" % name, qe["peak_z"], qr["peak_z"], qr["peak_r"])
            if qe["peak_lag_s"] != qr["peak_lag_s"]:
                problems.append("%s peak lag: engine %r, reference %r" % (name, qe["peak_lag_s"], qr["peak_lag_s"]))
            if qe["first"] == "A" and qe["second"] == "B" and qe["peak_lag_s"] is not None:
                lags.append(qe["peak_lag_s"])

    lag = float(np.median(lags)) if lags else float("nan")
    if not abs(lag - expect_lag) <= 0.25:
        problems.append("A-B median peak lag %.3f s, expected %.2f +- 0.25 s" % (lag, expect_lag))
    if compared < min_values:
        problems.append("only %d values compared: the data exercises too little" % compared)

    print("%s: seconds %d, values compared %d, worst relative difference %.3g, A-B windows %d, "
          "median lag %.2f s" % (os.path.basename(csv_path), len(engine), compared, worst, len(lags), lag))
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dump", required=True)
    ap.add_argument("--workdir", required=True)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)

    dyad = os.path.join(args.workdir, "dyad.csv")
    simulate_dyad.write_csv(simulate_dyad.simulate(seed=7, duration_s=300, lag_s=1.5), dyad)
    problems = compare(args.dump, dyad, expect_lag=1.5, min_values=2000)

    ecg_rows = simulate_dyad.ecg_pair(shift_ms=2000)
    if ecg_rows is None:
        print("scipy.misc.electrocardiogram not available: real-ECG comparison skipped")
    else:
        ecg = os.path.join(args.workdir, "mitbih_ecg_pair.csv")
        simulate_dyad.write_csv(ecg_rows, ecg)
        problems += compare(args.dump, ecg, expect_lag=2.0, min_values=500)

    for p in problems[:40]:
        print("MISMATCH", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
