#!/usr/bin/python3
"""Independent numpy/scipy reference for the synchrony core.

Written from docs/metrics.md, not from the C++ code: it recomputes, for every
whole second T of data time, from the beats and respiration samples with
t <= T: each participant's HR, RMSSD, lnRMSSD, SDNN, pNN50, artefact
fraction, LF/HF/RSA power (scipy CubicSpline + welch + numpy trapz),
coherence ratio (scipy periodogram), breath rate and I:E (scipy butter +
sosfiltfilt); each pair's heart-rate WCC (r at lag 0, peak r, its lag,
Fisher z), rolling leader shares, HRV linkage, the surrogate z-scores, and
breathing PLV (scipy hilbert). Cleaning is Lipponen & Tarvainen 2019 in the
online form of docs/metrics.md (numpy quantile/median), with the Malik
verdict for beats still undecided at T.

Input CSV: participant,stream,t_ms,value (stream "rr": value = RR in ms;
"resp": one respiration sample; other streams ignored).
Run: /usr/bin/python3 core_reference.py beats.csv  -> one JSON line per second.
"""
import csv
import json
import math
import sys

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.signal import butter, firwin, hilbert, periodogram, sosfiltfilt, welch

CFG = dict(rr_min_ms=300.0, rr_max_ms=2000.0, malik_fraction=0.20, max_gap_ms=3000,
           max_artifact_fraction=0.10, hr_window_ms=5000, rmssd_window_ms=60000,
           rmssd_min_ms=30000, ln_rmssd_floor_ms=1.0, grid_hz=4.0, wcc_window_ms=30000,
           wcc_max_lag_ms=5000, wcc_spline_margin_ms=5000, wcc_max_knot_gap_ms=5000,
           wcc_min_sd_bpm=1e-6, lt_c1=0.13, lt_c2=0.17, lt_alpha=5.2, lt_window_beats=91,
           lt_median_beats=11, lt_floor_fraction=0.05, long_window_ms=120000,
           long_window_min_ms=60000, coherence_window_ms=64000, coherence_update_ms=5000,
           spectral_update_ms=5000, resp_update_ms=5000,
           resp_grid_hz=25.0, resp_buffer_ms=60000, breath_window_ms=30000, resp_max_gap_ms=1000,
           plv_window_ms=30000, plv_edge_ms=5000, hrv_epoch_ms=30000, hrv_linkage_window_ms=300000,
           hrv_linkage_min_epochs=6, leader_window_ms=300000, leader_dead_zone_s=0.5,
           surrogate_span_ms=300000, surrogate_min_shift_ms=20000, surrogate_shift_step_ms=8000, plv_span_ms=180000,
           surrogate_window_step_ms=15000, surrogate_lowpass_ms=15000, surrogate_lowpass_hz=0.15,
           surrogate_grid_hz=1.0,
           surrogate_update_ms=15000)
SEATS = ("A", "B", "C")


def lt_classify(rr, c):
    """Online Lipponen & Tarvainen over one segment's candidate RRs.
    Returns (cls, final_seq): cls[k] in {0 normal, 1 ectopic, 2 missed,
    3 extra, 4 long/short}; final_seq[k] = index of the candidate whose
    arrival decided beat k (None while undecided at the end)."""
    n = len(rr)
    rr = np.asarray(rr, dtype=float)
    drr = np.zeros(n); med = np.zeros(n); mrr = np.zeros(n)
    dn = np.zeros(n); mn = np.zeros(n); th2 = np.zeros(n)
    W, M = c["lt_window_beats"], c["lt_median_beats"]
    for i in range(n):
        drr[i] = 0.0 if i == 0 else rr[i] - rr[i - 1]
        med[i] = np.median(rr[max(0, i - M + 1): i + 1])
        floor = c["lt_floor_fraction"] * med[i]
        q1, q3 = np.quantile(np.abs(drr[max(0, i - W + 1): i + 1]), [0.25, 0.75])
        dn[i] = drr[i] / max(c["lt_alpha"] * (q3 - q1) / 2, floor)
        mrr[i] = rr[i] - med[i]
        if mrr[i] < 0:
            mrr[i] *= 2
        q1, q3 = np.quantile(np.abs(mrr[max(0, i - W + 1): i + 1]), [0.25, 0.75])
        th2[i] = max(c["lt_alpha"] * (q3 - q1) / 2, floor)
        mn[i] = mrr[i] / th2[i]
    d = lambda i: dn[abs(i)]
    def s12(i):
        if dn[i] > 0: return max(d(i - 1), d(i + 1))
        if dn[i] < 0: return min(d(i - 1), d(i + 1))
        return 0.0
    def s22(i):
        if dn[i] >= 0: return min(d(i + 1), d(i + 2))
        return max(d(i + 1), d(i + 2))
    c1, c2 = c["lt_c1"], c["lt_c2"]
    cls = [0] * n
    final = [None] * n
    i = 0
    for m in range(n):  # candidate m arrives
        while i + 3 <= m:
            start, adv = i, 1
            if abs(dn[i]) > 1:
                if (dn[i] > 1 and s12(i) < -c1 * dn[i] - c2) or (dn[i] < -1 and s12(i) > -c1 * dn[i] + c2):
                    cls[i] = 1
                else:
                    cands = [i] + ([i + 1] if abs(dn[i + 1]) < abs(dn[i + 2]) else [])
                    adv = 0
                    for j in cands:
                        adv += 1
                        eq3 = dn[j] > 1 and s22(j) < -1
                        eq4 = abs(mn[j]) > 3
                        eq5 = dn[j] < -1 and s22(j) > 1
                        if not (eq3 or eq4 or eq5):
                            continue
                        eq6 = abs(rr[j] / 2 - med[j]) < th2[j]
                        eq7 = abs(rr[j] + rr[j + 1] - med[j]) < th2[j]
                        cls[j] = 3 if (eq5 and eq7) else (2 if (eq3 and eq6) else 4)
            i = start + adv
            for k in range(start, i):
                final[k] = m
    return cls, final


class Person:
    """One participant's beats after the online cleaning rules, and their
    respiration samples."""

    FINAL_NEVER = 2 ** 62

    def __init__(self, beats, cfg, resp=()):
        t, rr, prov, seg = [], [], [], []
        last_t, seg_start, ref = None, None, None
        cand_idx = []  # per segment: indices (into t) of candidate beats
        segments = []
        for bt, brr in beats:
            if last_t is not None and bt <= last_t:
                continue  # duplicate or backwards: ignored
            if last_t is None or bt - last_t > cfg["max_gap_ms"]:
                seg_start, ref = bt, None  # a gap: new segment, no Malik predecessor
                cand_idx = []
                segments.append(cand_idx)
            plausible = math.isfinite(brr) and cfg["rr_min_ms"] <= brr <= cfg["rr_max_ms"]
            if not plausible:
                p = True
            else:
                p = ref is not None and abs(brr - ref) > cfg["malik_fraction"] * ref
                ref = brr
                cand_idx.append(len(t))
            t.append(bt); rr.append(brr if math.isfinite(brr) else 0.0)
            prov.append(p); seg.append(seg_start)
            last_t = bt
        n = len(t)
        art = list(prov)
        final_at = [tt for tt in t]  # implausible beats: final on arrival
        for si, idx in enumerate(segments):
            if not idx:
                continue
            cls, fin = lt_classify([rr[k] for k in idx], cfg)
            next_seg_t = None
            if si + 1 < len(segments):
                # the first beat of the next segment (any beat) settles the rest
                last_k = max(idx)
                next_seg_t = t[last_k + 1] if last_k + 1 < n else None
                # the next segment starts at the first beat after the gap
                j = last_k + 1
                while j < n and seg[j] == seg[last_k]:
                    j += 1
                next_seg_t = t[j] if j < n else None
            for q, k in enumerate(idx):
                if fin[q] is not None:
                    art[k] = cls[q] != 0
                    final_at[k] = t[idx[fin[q]]]
                elif next_seg_t is not None:
                    art[k] = prov[k]
                    final_at[k] = next_seg_t
                else:
                    final_at[k] = self.FINAL_NEVER
        self.t = np.array(t, dtype=np.int64)
        self.rr = np.array(rr, dtype=float)
        self.art_final = np.array(art, dtype=bool)
        self.art_prov = np.array(prov, dtype=bool)
        self.final_at = np.array(final_at, dtype=np.int64)
        self.seg = np.array(seg, dtype=np.int64)
        self.cfg = cfg
        resp = sorted(resp)
        rt, rv, last = [], [], None
        for tt, v in resp:
            # The engine stores each value as float32 (docs/metrics.md
            # "Respiration"): quantise the same way; values beyond the float
            # range are ignored.
            if not (math.isfinite(v) and abs(v) <= float(np.finfo(np.float32).max)):
                continue
            v = float(np.float32(v))
            if last is not None and tt <= last:
                continue
            rt.append(float(tt)); rv.append(v); last = tt
        self.rt = np.array(rt, dtype=float)
        self.rv = np.array(rv, dtype=float)
        # Breathing phase series (docs/metrics.md "Respiration"): exact
        # phases on every PHASE_STRIDE-th grid point up to ph_last_k, and
        # the update second that last appended to it.
        self.ph, self.ph_last_k, self.ph_T = [], None, None

    def art_at(self, T):
        return np.where(self.final_at <= T, self.art_final, self.art_prov)

    def last_index(self, T):
        """Index of the last beat <= T if streaming at T, else None."""
        n = int(np.searchsorted(self.t, T, side="right"))
        if n == 0 or T - self.t[n - 1] > self.cfg["max_gap_ms"]:
            return None
        return n - 1

    def metrics(self, T):
        c = self.cfg
        out = dict(streaming=False, hr_bpm=None, rmssd_ms=None, ln_rmssd=None, artifact_fraction=None,
                   sdnn_ms=None, pnn50=None, lf_ms2=None, hf_ms2=None)
        last = self.last_index(T)
        if last is None:
            return out
        out["streaming"] = True
        seg = self.seg[last]
        art_T = self.art_at(T)
        t, rr, art, corrected = self.window(T, c["rmssd_window_ms"], art_T)
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
        # SDNN, pNN50 over the long window
        lt_, lrr, lart, lcorr = self.window(T, c["long_window_ms"], art_T)
        long_ok = (~lart).any() and float(lart.mean()) <= c["max_artifact_fraction"]
        if long_ok and T - seg >= c["long_window_min_ms"] and len(lcorr) >= 2:
            out["sdnn_ms"] = float(np.std(lcorr, ddof=1))
            out["pnn50"] = float(100.0 * np.sum(np.abs(np.diff(lcorr)) > 50.0) / (len(lcorr) - 1))
        long_x = None  # the 120 s of RR on the grid, when resampled at this T
        if long_ok and T % c["spectral_update_ms"] == 0:
            x = self.rr_on_grid(T, int(round(c["long_window_ms"] * c["grid_hz"] / 1000)), art_T)
            long_x = x
            if x is not None:
                f, p = welch(x - x.mean(), fs=c["grid_hz"], window="hann", nperseg=256, noverlap=128,
                             nfft=1024, detrend="constant", scaling="density")
                out["lf_ms2"] = band(f, p, 0.04, 0.15)
                out["hf_ms2"] = band(f, p, 0.15, 0.40)
                out["_psd"] = (f, p)
        if T % c["coherence_update_ms"] == 0:
            _, _, cart, _ = self.window(T, c["coherence_window_ms"], art_T)
            if (~cart).any() and float(cart.mean()) <= c["max_artifact_fraction"]:
                count = int(round(c["coherence_window_ms"] * c["grid_hz"] / 1000))
                # The same grid points end the 120 s grid (both end at the last
                # clean beat): its tail when it was resampled at this T, one
                # spline for both (docs/metrics.md "Coherence").
                if long_x is not None and len(long_x) >= count:
                    x = long_x[-count:]
                else:
                    x = self.rr_on_grid(T, count, art_T)
                if x is not None:
                    f, p = periodogram(x - x.mean(), fs=c["grid_hz"], window="hann", nfft=1024,
                                       detrend="constant", scaling="density")
                    out["_coherence"] = coherence_ratio(f, p)
        return out

    def window(self, T, W, art_T):
        last = self.last_index(T)
        seg = self.seg[last]
        sel = (self.t > T - W) & (self.t >= seg) & (self.t <= T)
        t, rr, art = self.t[sel], self.rr[sel], art_T[sel]
        corrected = rr.copy()
        if (~art).any():
            # np.interp holds the end values outside the clean beats: the
            # "nearest clean value at the edges" rule.
            corrected[art] = np.interp(t[art].astype(float), t[~art].astype(float), rr[~art])
        return t, rr, art, corrected

    def epoch_ln_rmssd(self, T):
        c = self.cfg
        last = self.last_index(T)
        if last is None or T - self.seg[last] < c["hrv_epoch_ms"]:
            return None
        _, _, art, corr = self.window(T, c["hrv_epoch_ms"], self.art_at(T))
        if not (~art).any() or float(art.mean()) > c["max_artifact_fraction"] or len(corr) < 2:
            return None
        return math.log(max(float(np.sqrt(np.mean(np.diff(corr) ** 2))), c["ln_rmssd_floor_ms"]))

    def rr_on_grid(self, T, count, art_T):
        lc = self.last_clean(T)
        if lc is None:
            return None
        step = 1000.0 / self.cfg["grid_hz"]
        e = int(math.floor(lc / step))
        if T - e * step > self.cfg["max_gap_ms"]:
            return None
        return self.resampled(T, e - count + 1, count, step, rr_values=True)

    # ---- respiration
    def resp_last(self, T):
        n = int(np.searchsorted(self.rt, T, side="right"))
        if n == 0 or T - self.rt[n - 1] > self.cfg["max_gap_ms"]:
            return None
        return self.rt[n - 1]

    def resp_grid(self, k_first, count, T):
        c = self.cfg
        step = 1000.0 / c["resp_grid_hz"]
        n = int(np.searchsorted(self.rt, T, side="right"))
        rt, rv = self.rt[:n], self.rv[:n]
        g = (k_first + np.arange(count)) * step
        if n == 0 or rt[0] > g[0] or rt[-1] < g[-1]:
            return None
        j = np.searchsorted(rt, g, side="right") - 1  # last sample <= g
        on = rt[j] == g
        jn = np.minimum(j + 1, n - 1)
        gap = rt[jn] - rt[j]
        if np.any(~on & ((j + 1 >= n) | (gap > c["resp_max_gap_ms"]))):
            return None
        return np.interp(g, rt, rv)

    def resp_filtered(self, e, T):
        c = self.cfg
        N = int(round(c["resp_buffer_ms"] * c["resp_grid_hz"] / 1000))
        raw = self.resp_grid(e - N + 1, N, T)
        if raw is None:
            return None
        return sosfiltfilt(SOS, raw)

    def breathing(self, T):
        c = self.cfg
        out = dict(breath_rate_bpm=None, ie_ratio=None)
        last = self.resp_last(T)
        if last is None:
            return out
        step = 1000.0 / c["resp_grid_hz"]
        f = self.resp_filtered(int(math.floor(last / step)), T)
        if f is None:
            return out
        w = int(round(c["breath_window_ms"] / step))
        out.update(breath_stats(f[-w:], step / 1000.0))
        N = len(f)
        self.append_phases(f, int(math.floor(last / step)) - N + 1)
        self.ph_T = T
        return out

    def append_phases(self, f, k0):
        """Decimated analytic-signal phases of one filtered buffer (grid
        points k0 ..), appended where they continue the history."""
        c, S = self.cfg, PHASE_STRIDE
        if len(f) < 2 * S + 4:
            return
        j_last = len(f) - 3
        while (k0 + j_last) % S != 0:
            j_last -= 1
        L = smooth_even_at_most((j_last - 2) // S + 1)
        edge = int(round(c["plv_edge_ms"] / (1000.0 / c["resp_grid_hz"] * S)))
        if L < 4 or 2 * edge >= L:
            return
        js = j_last - S * (L - 1 - np.arange(L))
        d = (f[js - 2] + f[js - 1] + f[js] + f[js + 1] + f[js + 2]) / 5.0
        z = hilbert(d)
        k_of = lambda m: k0 + j_last - S * (L - 1 - m)
        m_first, m_end = edge, L - edge
        if self.ph_last_k is not None and self.ph_last_k >= k_of(m_first) - S:
            if self.ph_last_k >= k_of(m_end - 1):
                return
            m_first = (self.ph_last_k - k_of(0)) // S + 1
        else:
            self.ph = []
        # Exact float64 phases: the engine keeps 16-bit codes (steps of
        # 9.6e-5 rad, docs/metrics.md); the reference does not, so the
        # comparison also checks that the quantisation is harmless.
        self.ph += list(np.angle(z[m_first:m_end]))
        self.ph = self.ph[-phase_capacity(c):]
        self.ph_last_k = k_of(m_end - 1)

    def phases(self, k_last, count):
        """The count phases ending at grid point k_last, or None."""
        if self.ph_last_k is None or k_last > self.ph_last_k or (self.ph_last_k - k_last) % PHASE_STRIDE:
            return None
        behind = (self.ph_last_k - k_last) // PHASE_STRIDE
        if behind + count > len(self.ph):
            return None
        n = len(self.ph)
        return np.array(self.ph[n - behind - count: n - behind], dtype=np.float64)

    def last_clean(self, T):
        last = self.last_index(T)
        if last is None:
            return None
        clean = np.nonzero(~self.art_at(T)[: last + 1])[0]
        return int(self.t[clean[-1]]) if len(clean) else None

    def resampled_hr(self, T, first_k, count, step_ms):
        return self.resampled(T, first_k, count, step_ms, rr_values=False)

    def resampled(self, T, first_k, count, step_ms, rr_values):
        """Spline (natural) through the clean beats of the current segment in
        [t_lo - margin, T] (HR or RR), sampled on the grid."""
        c = self.cfg
        last = self.last_index(T)
        if last is None:
            return None
        t_lo = first_k * step_ms
        lo = max(t_lo - c["wcc_spline_margin_ms"], self.seg[last])
        sel = (~self.art_at(T)) & (self.t >= lo) & (self.t <= T)
        t, rr = self.t[sel], self.rr[sel]
        if len(t) < 2 or t[0] > t_lo or np.any(np.diff(t) > c["wcc_max_knot_gap_ms"]):
            return None
        x = (t - T) / 1000.0
        grid = (np.arange(first_k, first_k + count) * step_ms - T) / 1000.0
        y = rr if rr_values else 60000.0 / rr
        return CubicSpline(x, y, bc_type="natural")(grid)


SOS = butter(2, [0.05, 3.0], btype="bandpass", fs=25.0, output="sos")


def band(f, p, lo, hi):
    m = (f >= lo) & (f <= hi)
    return float(np.trapz(p[m], f[m])) if m.sum() >= 2 else 0.0


def coherence_ratio(f, p):
    """McCraty et al. 2009 (docs/metrics.md)."""
    m = np.nonzero((f >= 0.04) & (f <= 0.26))[0]
    if len(m) == 0:
        return None
    fp = f[m[int(np.argmax(p[m]))]]
    peak = band(f, p, fp - 0.015, fp + 0.015)
    total = band(f, p, 0.0033, 0.4)
    return peak / (total - peak) if total - peak > 0 else None


def breath_stats(s, step_s):
    """Zero-crossing extrema (docs/metrics.md "Respiration")."""
    rising = np.nonzero((s[:-1] < 0) & (s[1:] > 0))[0]
    falling = np.nonzero((s[:-1] > 0) & (s[1:] < 0))[0]
    cross = sorted([(i, 1) for i in rising] + [(i, -1) for i in falling])
    ext = []
    for (i0, d0), (i1, d1) in zip(cross[:-1], cross[1:]):
        seg = s[i0 + 1: i1 + 1]
        if d0 == 1 and d1 == -1:
            ext.append((i0 + 1 + int(np.argmax(seg)), 1))
        elif d0 == -1 and d1 == 1:
            ext.append((i0 + 1 + int(np.argmin(seg)), -1))
    out = dict(breath_rate_bpm=None, ie_ratio=None)
    peaks = [i for i, k in ext if k == 1]
    if len(peaks) >= 2 and peaks[-1] > peaks[0]:
        out["breath_rate_bpm"] = 60.0 * (len(peaks) - 1) / ((peaks[-1] - peaks[0]) * step_s)
    inh = exh = 0.0
    cycles = 0
    for a, b, c in zip(ext[:-2], ext[1:-1], ext[2:]):
        if a[1] == -1 and b[1] == 1 and c[1] == -1:
            inh += (b[0] - a[0]) * step_s
            exh += (c[0] - b[0]) * step_s
            cycles += 1
    if cycles and exh > 0:
        out["ie_ratio"] = inh / exh
    return out


def surrogate_z(real, surr):
    surr = np.asarray(surr, dtype=float)
    if len(surr) < 2:
        return None
    sd = float(np.std(surr, ddof=1))
    if not sd > 1e-12:
        return None
    return float((real - surr.mean()) / sd)


PHASE_STRIDE = 5  # phase series: every 5th grid point (5 Hz)


def smooth_even_at_most(limit):
    """The largest even n <= limit with no prime factor but 2, 3 and 5."""
    for n in range(limit, 3, -1):
        m = n
        for p in (2, 3, 5):
            while m % p == 0:
                m //= p
        if n % 2 == 0 and m == 1:
            return n
    return 0


def phasor(phi):
    """exp(i phi) of exact phases."""
    return np.exp(1j * phi)


def phase_step_ms(cfg):
    return 1000.0 / cfg["resp_grid_hz"] * PHASE_STRIDE


def phase_capacity(cfg):
    return max(int(round(cfg["plv_span_ms"] / phase_step_ms(cfg))),
               int(round(cfg["plv_window_ms"] / phase_step_ms(cfg))))


def logit_plv(r):
    c = min(max(r, 1e-12), 1.0 - 1e-12)
    return math.log(c) - math.log1p(-c)


def breathing_span_test(a, b, smin, sstep):
    """logit of the span PLV against the same for b rotated by s >= smin."""
    u1, u2 = phasor(a), phasor(b)
    M = len(a)
    real = logit_plv(float(np.abs(np.mean(u1 * np.conj(u2)))))
    surr = [logit_plv(float(np.abs(np.mean(u1 * np.conj(np.roll(u2, s))))))
            for s in range(smin, M - smin + 1, sstep)]
    return surrogate_z(real, surr)


def plv(p1, p2, T, cfg, with_surrogates):
    if p1.ph_T != T or p2.ph_T != T or p1.ph_last_k is None or p2.ph_last_k is None:
        return None
    step = phase_step_ms(cfg)
    K = min(p1.ph_last_k, p2.ph_last_k)
    w = int(round(cfg["plv_window_ms"] / step))
    a, b = p1.phases(K, w), p2.phases(K, w)
    if a is None or b is None:
        return None
    m = np.mean(phasor(a) * np.conj(phasor(b)))
    out = dict(plv=float(np.abs(m)), rel_phase_rad=float(np.angle(m)), plv_z=None)
    M = int(round(cfg["plv_span_ms"] / step))
    if with_surrogates:
        a, b = p1.phases(K, M), p2.phases(K, M)
        if a is not None and b is not None:
            smin = int(round(cfg["surrogate_min_shift_ms"] / step))
            sstep = max(1, int(round(cfg["resp_update_ms"] / step)))
            out["plv_z"] = breathing_span_test(a, b, smin, sstep)
    return out


def pearson(x, y, min_sd):
    dx, dy = x - x.mean(), y - y.mean()
    if np.sqrt(np.mean(dx * dx)) <= min_sd or np.sqrt(np.mean(dy * dy)) <= min_sd:
        return None
    return float(np.clip(np.sum(dx * dy) / np.sqrt(np.sum(dx * dx) * np.sum(dy * dy)), -1, 1))


def span_statistic(x, y, n, L, ends, min_sd):
    """log of the peak |lag profile|: r per window and lag (two-pass), mean
    over the windows per lag, largest absolute value (docs/metrics.md).
    Vectorised over lags: row j of X, Y is the pair of windows at lag j."""
    lags = np.arange(-L, L + 1)
    xo = L - np.maximum(lags, 0)   # x window start within the n + L points
    yo = L - np.maximum(-lags, 0)
    idx = np.arange(n)
    prof = np.zeros(2 * L + 1)
    for E in ends:
        xw, yw = x[E - n - L + 1: E + 1], y[E - n - L + 1: E + 1]
        X = xw[xo[:, None] + idx]
        Y = yw[yo[:, None] + idx]
        dx = X - X.mean(axis=1, keepdims=True)
        dy = Y - Y.mean(axis=1, keepdims=True)
        sxx, syy = np.sum(dx * dx, axis=1), np.sum(dy * dy, axis=1)
        if np.any(np.sqrt(sxx / n) <= min_sd) or np.any(np.sqrt(syy / n) <= min_sd):
            return None
        prof += np.clip(np.sum(dx * dy, axis=1) / np.sqrt(sxx * syy), -1, 1)
    return math.log(max(float(np.max(np.abs(prof))) / len(ends), 1e-12))


def prewhiten(v, cfg, step):
    """Low-pass below the HF band (scipy firwin: Hamming-windowed sinc,
    cutoff surrogate_lowpass_hz, unit DC gain), the valid part of the
    convolution taken every grid_hz / surrogate_grid_hz points counting back
    from its last point, then the first difference (docs/metrics.md "Above
    chance")."""
    taps = 2 * int(round(cfg["surrogate_lowpass_ms"] / step / 2)) + 1
    h = firwin(taps, cfg["surrogate_lowpass_hz"], window="hamming", fs=1000.0 / step)
    dec = int(round(cfg["grid_hz"] / cfg["surrogate_grid_hz"]))
    return np.diff(np.convolve(v, h, mode="valid")[::-dec][::-1])


def span_test_z(xl, yl, cfg, step):
    """The heart-rate above-chance z on the prewhitened span, on the test's grid."""
    xl, yl = prewhiten(xl, cfg, step), prewhiten(yl, cfg, step)
    step = 1000.0 / cfg["surrogate_grid_hz"]
    n = int(round(cfg["wcc_window_ms"] / step))
    L = int(round(cfg["wcc_max_lag_ms"] / step))
    M = len(xl)
    wstep = max(1, int(round(cfg["surrogate_window_step_ms"] / step)))
    ends = [M - 1]
    while ends[-1] - wstep - n - L + 1 >= 0:
        ends.append(ends[-1] - wstep)
    real = span_statistic(xl, yl, n, L, ends, cfg["wcc_min_sd_bpm"])
    if real is None:
        return None
    smin = int(round(cfg["surrogate_min_shift_ms"] / step))
    sstep = max(1, int(round(cfg["surrogate_shift_step_ms"] / step)))
    surr = []
    for sh in range(smin, M - smin + 1, sstep):
        v = span_statistic(xl, np.roll(yl, sh), n, L, ends, cfg["wcc_min_sd_bpm"])
        if v is not None:
            surr.append(v)
    return surrogate_z(real, surr)


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
    out = dict(r0=float(rs[L]), peak_r=peak, peak_lag_s=(i - L) * step / 1000.0,
               peak_z=float(np.arctanh(np.clip(peak, -(1 - 1e-12), 1 - 1e-12))), above_chance_z=None)
    if T % cfg["surrogate_update_ms"] == 0:
        M = int(round(cfg["surrogate_span_ms"] / step))
        xl = p1.resampled_hr(T, e - M + 1, M, step)
        yl = p2.resampled_hr(T, e - M + 1, M, step)
        if xl is not None and yl is not None:
            out["above_chance_z"] = span_test_z(xl, yl, cfg, step)
    return out


def load(path):
    beats = {s: [] for s in SEATS}
    resp = {s: [] for s in SEATS}
    with open(path) as f:
        for row in csv.DictReader(f):
            if row["participant"] not in beats:
                continue
            if row["stream"] == "rr":
                beats[row["participant"]].append((int(row["t_ms"]), float(row["value"])))
            elif row["stream"] == "resp":
                resp[row["participant"]].append((int(row["t_ms"]), float(row["value"])))
    return beats, resp


def corr_rows(rows, min_n):
    if len(rows) < min_n:
        return None
    a = np.array([r[1] for r in rows]); b = np.array([r[2] for r in rows])
    return pearson(a, b, 1e-9)


def compute(path, cfg=CFG, on_second=None):
    """Snapshots for every whole second of data time. on_second(T), when
    given, is called after each second is computed (scripts/bench times the
    seconds past the warm-up with it)."""
    beats, resp = load(path)
    people = {s: Person(sorted(beats[s], key=lambda x: x[0]), cfg, resp[s]) for s in SEATS}
    all_t = [t for b in beats.values() for t, _ in b] + [t for r in resp.values() for t, _ in r]
    if not all_t:
        return []
    first = -(-min(all_t) // 1000) * 1000
    last = (max(all_t) // 1000) * 1000
    out = []
    held_coh = {s: None for s in SEATS}
    # Slow values are computed every spectral_update_ms / resp_update_ms and
    # held in between (docs/metrics.md "Update cadence").
    held_spec = {s: dict(lf_ms2=None, hf_ms2=None, rsa_ms2=None) for s in SEATS}
    held_br = {s: dict(breath_rate_bpm=None, ie_ratio=None) for s in SEATS}
    pair_state = {}
    for T in range(first, last + 1, 1000):
        parts = {}
        for s_ in SEATS:
            m = people[s_].metrics(T)
            breathing_now = people[s_].resp_last(T) is not None
            if not breathing_now:
                held_br[s_] = dict(breath_rate_bpm=None, ie_ratio=None)
            elif T % cfg["resp_update_ms"] == 0:
                held_br[s_] = people[s_].breathing(T)
            br = dict(held_br[s_])
            m.update(br)
            psd = m.pop("_psd", None)
            m["rsa_ms2"] = None
            if psd is not None and br["breath_rate_bpm"] is not None:
                hz = br["breath_rate_bpm"] / 60.0
                m["rsa_ms2"] = band(psd[0], psd[1], hz - 0.03, hz + 0.03)
            if not m["streaming"]:
                held_spec[s_] = dict(lf_ms2=None, hf_ms2=None, rsa_ms2=None)
            elif T % cfg["spectral_update_ms"] == 0:
                held_spec[s_] = dict(lf_ms2=m["lf_ms2"], hf_ms2=m["hf_ms2"], rsa_ms2=m["rsa_ms2"])
            m.update(held_spec[s_])
            if not m["streaming"]:
                held_coh[s_] = None
            elif T % cfg["coherence_update_ms"] == 0:
                held_coh[s_] = m.get("_coherence")
            m.pop("_coherence", None)
            m["coherence"] = held_coh[s_]
            m["breathing"] = people[s_].resp_last(T) is not None
            parts[s_] = m
        snap = dict(t_ms=T, participants=parts, pairs=[])
        pairs = [("A", "B")]
        if parts["C"]["streaming"] or parts["C"]["breathing"]:
            pairs += [("A", "C"), ("B", "C")]
        for a, b in pairs:
            st = pair_state.setdefault((a, b), dict(lags=[], epochs=[], z=None, plv_z=None, plv=None))
            due = T % cfg["surrogate_update_ms"] == 0
            r = None
            if parts[a]["streaming"] and parts[b]["streaming"]:
                r = wcc(people[a], people[b], T, cfg)
            if r is None:
                st["z"] = None
                r = dict(r0=None, peak_r=None, peak_lag_s=None, peak_z=None, above_chance_z=None)
            else:
                st["lags"].append((T, r["peak_lag_s"]))
                if due:
                    st["z"] = r["above_chance_z"]
                r["above_chance_z"] = st["z"]
            st["lags"] = [x for x in st["lags"] if x[0] > T - cfg["leader_window_ms"]]
            if st["lags"]:
                lg = np.array([x[1] for x in st["lags"]])
                r["leader_first_share"] = float(np.mean(lg > cfg["leader_dead_zone_s"]))
                r["leader_second_share"] = float(np.mean(lg < -cfg["leader_dead_zone_s"]))
            else:
                r["leader_first_share"] = r["leader_second_share"] = None
            if not (parts[a]["breathing"] and parts[b]["breathing"]):
                st["plv"] = st["plv_z"] = None
            elif T % cfg["resp_update_ms"] == 0 or due:
                b_ = plv(people[a], people[b], T, cfg, due)
                st["plv"] = b_
                if b_ is None:
                    st["plv_z"] = None
                elif due:
                    st["plv_z"] = b_["plv_z"]
            if st["plv"] is None:
                r.update(plv=None, rel_phase_rad=None, plv_above_chance_z=None)
            else:
                r.update(plv=st["plv"]["plv"], rel_phase_rad=st["plv"]["rel_phase_rad"],
                         plv_above_chance_z=st["plv_z"])
            ra, rb = parts[a]["breath_rate_bpm"], parts[b]["breath_rate_bpm"]
            r["breath_rate_diff_bpm"] = ra - rb if ra is not None and rb is not None else None
            st["epochs"] = [x for x in st["epochs"] if x[0] > T - cfg["hrv_linkage_window_ms"]]
            if T % cfg["hrv_epoch_ms"] == 0:
                ea, eb = people[a].epoch_ln_rmssd(T), people[b].epoch_ln_rmssd(T)
                if ea is not None and eb is not None:
                    st["epochs"].append((T, ea, eb))
            r["hrv_linkage_r"] = corr_rows(st["epochs"], cfg["hrv_linkage_min_epochs"])
            snap["pairs"].append(dict(first=a, second=b, **r))
        out.append(snap)
        if on_second is not None:
            on_second(T)
    return out


if __name__ == "__main__":
    for snap in compute(sys.argv[1]):
        for p in snap["participants"].values():
            p.pop("_psd", None)
        print(json.dumps(snap))
