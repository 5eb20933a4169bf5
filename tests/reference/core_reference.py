#!/usr/bin/python3
"""Independent numpy/scipy reference for the first slice of the synchrony core.

Written from docs/metrics.md, not from the C++ code: it recomputes, for every
whole second T of data time, each participant's HR, RMSSD, lnRMSSD and
artefact fraction, and each pair's heart-rate windowed cross-correlation
(r at lag 0, peak r, its lag, Fisher z), using only beats with t <= T.

Input CSV: participant,stream,t_ms,value (stream "rr"; value = RR in ms).
Run: /usr/bin/python3 core_reference.py beats.csv  -> one JSON line per second.
"""
import csv
import json
import math
import sys

import numpy as np
from scipy.interpolate import CubicSpline

CFG = dict(rr_min_ms=300.0, rr_max_ms=2000.0, malik_fraction=0.20, max_gap_ms=3000,
           max_artifact_fraction=0.10, hr_window_ms=5000, rmssd_window_ms=60000,
           rmssd_min_ms=30000, ln_rmssd_floor_ms=1.0, grid_hz=4.0, wcc_window_ms=30000,
           wcc_max_lag_ms=5000, wcc_spline_margin_ms=5000, wcc_max_knot_gap_ms=5000,
           wcc_min_sd_bpm=1e-6)
SEATS = ("A", "B", "C")


class Person:
    """One participant's beats after the online cleaning rules."""

    def __init__(self, beats, cfg):
        t, rr, art, seg = [], [], [], []
        last_t, seg_start, ref = None, None, None
        for bt, brr in beats:
            if last_t is not None and bt <= last_t:
                continue  # duplicate or backwards: ignored
            if last_t is None or bt - last_t > cfg["max_gap_ms"]:
                seg_start, ref = bt, None  # a gap: new segment, no Malik predecessor
            plausible = math.isfinite(brr) and cfg["rr_min_ms"] <= brr <= cfg["rr_max_ms"]
            if not plausible:
                artifact = True
            else:
                artifact = ref is not None and abs(brr - ref) > cfg["malik_fraction"] * ref
                ref = brr
            t.append(bt); rr.append(brr if math.isfinite(brr) else 0.0)
            art.append(artifact); seg.append(seg_start)
            last_t = bt
        self.t = np.array(t, dtype=np.int64)
        self.rr = np.array(rr, dtype=float)
        self.art = np.array(art, dtype=bool)
        self.seg = np.array(seg, dtype=np.int64)
        self.cfg = cfg

    def last_index(self, T):
        """Index of the last beat <= T if streaming at T, else None."""
        n = int(np.searchsorted(self.t, T, side="right"))
        if n == 0 or T - self.t[n - 1] > self.cfg["max_gap_ms"]:
            return None
        return n - 1

    def metrics(self, T):
        c = self.cfg
        out = dict(streaming=False, hr_bpm=None, rmssd_ms=None, ln_rmssd=None, artifact_fraction=None)
        last = self.last_index(T)
        if last is None:
            return out
        out["streaming"] = True
        seg = self.seg[last]
        sel = (self.t > T - c["rmssd_window_ms"]) & (self.t >= seg) & (self.t <= T)
        t, rr, art = self.t[sel], self.rr[sel], self.art[sel]
        corrected = rr.copy()
        if (~art).any():
            # np.interp holds the end values outside the clean beats: the
            # "nearest clean value at the edges" rule.
            corrected[art] = np.interp(t[art].astype(float), t[~art].astype(float), rr[~art])
        fraction = float(art.mean())
        out["artifact_fraction"] = fraction
        in_hr = t > T - c["hr_window_ms"]
        if (~art[in_hr]).any():
            out["hr_bpm"] = float(np.mean(60000.0 / corrected[in_hr]))
        if (T - seg >= c["rmssd_min_ms"] and len(t) >= 2 and (~art).any()
                and fraction <= c["max_artifact_fraction"]):
            rmssd = float(np.sqrt(np.mean(np.diff(corrected) ** 2)))
            out["rmssd_ms"] = rmssd
            out["ln_rmssd"] = math.log(max(rmssd, c["ln_rmssd_floor_ms"]))
        return out

    def last_clean(self, T):
        last = self.last_index(T)
        if last is None:
            return None
        clean = np.nonzero(~self.art[: last + 1])[0]
        return int(self.t[clean[-1]]) if len(clean) else None

    def resampled_hr(self, T, first_k, count, step_ms):
        """HR spline (natural) through the clean beats of the current segment
        in [t_lo - margin, T], sampled on the grid."""
        c = self.cfg
        last = self.last_index(T)
        if last is None:
            return None
        t_lo = first_k * step_ms
        lo = max(t_lo - c["wcc_spline_margin_ms"], self.seg[last])
        sel = (~self.art) & (self.t >= lo) & (self.t <= T)
        t, rr = self.t[sel], self.rr[sel]
        if len(t) < 2 or t[0] > t_lo or np.any(np.diff(t) > c["wcc_max_knot_gap_ms"]):
            return None
        x = (t - T) / 1000.0
        grid = (np.arange(first_k, first_k + count) * step_ms - T) / 1000.0
        return CubicSpline(x, 60000.0 / rr, bc_type="natural")(grid)


def pearson(x, y, min_sd):
    dx, dy = x - x.mean(), y - y.mean()
    if np.sqrt(np.mean(dx * dx)) <= min_sd or np.sqrt(np.mean(dy * dy)) <= min_sd:
        return None
    return float(np.clip(np.sum(dx * dy) / np.sqrt(np.sum(dx * dx) * np.sum(dy * dy)), -1, 1))


def wcc(p1, p2, T, cfg):
    """Boker et al. 2002 WCC of two partners' HR at snapshot T (docs/metrics.md)."""
    l1, l2 = p1.last_clean(T), p2.last_clean(T)
    if l1 is None or l2 is None:
        return None
    step = 1000.0 / cfg["grid_hz"]
    n = int(round(cfg["wcc_window_ms"] / step))
    L = int(round(cfg["wcc_max_lag_ms"] / step))
    e = int(math.floor(min(l1, l2) / step))
    if T - e * step > cfg["max_gap_ms"]:
        return None
    first_k = e - n - L + 1
    x = p1.resampled_hr(T, first_k, n + L, step)
    y = p2.resampled_hr(T, first_k, n + L, step)
    if x is None or y is None:
        return None
    rs = []
    for j in range(-L, L + 1):
        m, k = max(j, 0), max(-j, 0)
        r = pearson(x[L - m: L - m + n], y[L - k: L - k + n], cfg["wcc_min_sd_bpm"])
        if r is None:
            return None
        rs.append(r)
    rs = np.array(rs)
    i = int(np.argmax(np.abs(rs)))  # first maximum on ties, like the engine
    peak = float(rs[i])
    return dict(r0=float(rs[L]), peak_r=peak, peak_lag_s=(i - L) * step / 1000.0,
                peak_z=float(np.arctanh(np.clip(peak, -(1 - 1e-12), 1 - 1e-12))))


def load(path):
    beats = {s: [] for s in SEATS}
    with open(path) as f:
        for row in csv.DictReader(f):
            if row["stream"] == "rr" and row["participant"] in beats:
                beats[row["participant"]].append((int(row["t_ms"]), float(row["value"])))
    return beats


def compute(path, cfg=CFG):
    beats = load(path)
    people = {s: Person(sorted(b, key=lambda x: x[0]), cfg) for s, b in beats.items()}
    all_t = [t for b in beats.values() for t, _ in b]
    if not all_t:
        return []
    first = -(-min(all_t) // 1000) * 1000
    last = (max(all_t) // 1000) * 1000
    out = []
    for T in range(first, last + 1, 1000):
        snap = dict(t_ms=T, participants={s: people[s].metrics(T) for s in SEATS}, pairs=[])
        pairs = [("A", "B")]
        if snap["participants"]["C"]["streaming"]:
            pairs += [("A", "C"), ("B", "C")]
        for a, b in pairs:
            r = None
            if snap["participants"][a]["streaming"] and snap["participants"][b]["streaming"]:
                r = wcc(people[a], people[b], T, cfg)
            r = r or dict(r0=None, peak_r=None, peak_lag_s=None, peak_z=None)
            snap["pairs"].append(dict(first=a, second=b, **r))
        out.append(snap)
    return out


if __name__ == "__main__":
    for snap in compute(sys.argv[1]):
        print(json.dumps(snap))
