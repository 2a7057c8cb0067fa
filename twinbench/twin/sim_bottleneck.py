"""Roser's active-period method: which machine holds the line back, and when it shifts.

Roser, Nakano and Tanaka, "Shifting bottleneck detection", Proceedings of the 2002 Winter
Simulation Conference, 1079-1086. A machine is *active* while it processes, sets up or is
under repair (or paused inside an operation by maintenance), and inactive while it is
starved or blocked. A machine waiting for an operator (crews) is inactive too: its crew,
not the machine, holds it back (the simulation's ``operator_wait`` and per-crew
``operator_utilization`` show it; see :mod:`twinbench.twin.sim_crews`). An *active period*
is a stretch of uninterrupted activity. At any moment the bottleneck is the machine whose
active period covering that moment is the longest. Where the active period of one
bottleneck overlaps that of the bottleneck before or after it, the bottleneck is
*shifting* between the two; elsewhere it is the *sole* bottleneck.

The input is an event log (:func:`twinbench.twin.simulation.simulate` with
``event_log=True``): one row per operation with ``machine``, ``start`` and ``end``
(``end`` is when the machine lets the unit go; a unit blocked on the machine afterwards
does not count as active).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

__all__ = ["active_periods", "roser_bottlenecks"]


def _hours(x: pd.Series, t0: pd.Timestamp | None) -> np.ndarray:
    """Times as hours [h]: timestamps relative to ``t0``, numbers as they are."""
    if pd.api.types.is_datetime64_any_dtype(x):
        ref = t0 if t0 is not None else x.min()
        return ((x - ref) / pd.Timedelta(hours=1)).to_numpy(float)
    return x.to_numpy(float)


def active_periods(log: pd.DataFrame, t0: pd.Timestamp | None = None,
                   gap: float = 1e-6) -> pd.DataFrame:
    """The active periods of every machine.

    Parameters
    ----------
    log
        Operations: ``machine``, ``start``, ``end`` (timestamps or hours).
    t0
        Origin of the hours when the times are timestamps (default: the first start).
    gap
        Operations closer than this [h] join one period.

    Returns
    -------
    pandas.DataFrame
        ``machine, start, end, length`` [h], sorted by machine and start.
    """
    need = {"machine", "start", "end"} - set(log.columns)
    if need:
        raise ValueError(f"the event log lacks column(s) {sorted(need)!r}; expected machine, "
                         "start, end (simulate(..., event_log=True))")
    if t0 is None and len(log) and pd.api.types.is_datetime64_any_dtype(log["start"]):
        t0 = log["start"].min()
    df = pd.DataFrame({"machine": log["machine"].astype(str).to_numpy(),
                       "start": _hours(log["start"], t0), "end": _hours(log["end"], t0)})
    if (df["end"] < df["start"]).any():
        raise ValueError("an operation ends before it starts in the event log")
    rows = []
    for m, g in df.sort_values(["machine", "start"]).groupby("machine", sort=True):
        s, e = g["start"].to_numpy(), g["end"].to_numpy()
        cur_s, cur_e = s[0], e[0]
        for a, b in zip(s[1:], e[1:], strict=True):
            if a <= cur_e + gap:
                cur_e = max(cur_e, b)
            else:
                rows.append((m, cur_s, cur_e))
                cur_s, cur_e = a, b
        rows.append((m, cur_s, cur_e))
    out = pd.DataFrame(rows, columns=["machine", "start", "end"])
    out["length"] = out["end"] - out["start"]
    return out


def roser_bottlenecks(log: pd.DataFrame, t0: pd.Timestamp | None = None,
                      window: tuple[float, float] | None = None, gap: float = 1e-6,
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sole and shifting bottlenecks by Roser's active-period method.

    Parameters
    ----------
    log
        Operations: ``machine``, ``start``, ``end`` (see :func:`active_periods`).
    t0
        Origin of the hours when the times are timestamps (default: the first start).
    window
        ``(from, to)`` [h] the shares refer to (default: first start to last end).
    gap
        Operations closer than this [h] join one active period.

    Returns
    -------
    shares : pandas.DataFrame
        Per machine: ``sole`` and ``shifting``, shares of the window [1] (a shifting
        stretch counts for both machines it shifts between), sorted by ``sole``.
    timeline : pandas.DataFrame
        ``start, end`` [h], ``bottleneck`` (the momentary bottleneck), ``kind`` (``sole``,
        ``shifting`` or ``none`` when no machine is active) and ``with`` (the other machine
        of a shifting stretch).
    """
    per = active_periods(log, t0, gap)
    machines = sorted(per["machine"].unique())
    if not len(per):
        empty = pd.DataFrame(columns=["machine", "sole", "shifting"])
        return empty, pd.DataFrame(columns=["start", "end", "bottleneck", "kind", "with"])
    lo, hi = window if window is not None else (float(per["start"].min()),
                                                float(per["end"].max()))
    if not hi > lo:
        raise ValueError(f"window must have to > from, found {(lo, hi)!r}")
    cuts = np.unique(np.clip(np.concatenate([per["start"], per["end"], [lo, hi]]), lo, hi))
    mid = 0.5 * (cuts[:-1] + cuts[1:])
    n_seg = len(mid)
    # per segment: the longest active period covering it (its machine and period id)
    best_len = np.full(n_seg, -1.0)
    best_m = np.full(n_seg, -1, dtype=np.int64)
    best_p = np.full(n_seg, -1, dtype=np.int64)
    pid = np.arange(len(per))
    for k, m in enumerate(machines):
        mine = (per["machine"] == m).to_numpy()
        s, e = per["start"].to_numpy()[mine], per["end"].to_numpy()[mine]
        ln, ids = per["length"].to_numpy()[mine], pid[mine]
        j = np.searchsorted(s, mid, side="right") - 1
        ok = j >= 0
        ok[ok] = mid[ok] < e[j[ok]]
        longer = ok.copy()
        longer[ok] = ln[j[ok]] > best_len[ok]
        best_len[longer] = ln[j[longer]]
        best_m[longer] = k
        best_p[longer] = ids[j[longer]]
    kind = np.where(best_m >= 0, "sole", "none").astype(object)
    other = np.full(n_seg, "", dtype=object)
    # consecutive bottlenecks (runs of one period): their periods' overlap is shifting
    active = np.flatnonzero(best_p >= 0)
    runs = [int(best_p[i]) for k, i in enumerate(active)
            if k == 0 or best_p[i] != best_p[active[k - 1]]]
    ps, pe = per["start"].to_numpy(), per["end"].to_numpy()
    pm = per["machine"].to_numpy()
    for a, b in itertools.pairwise(runs):
        if pm[a] == pm[b]:
            continue
        o_s, o_e = max(ps[a], ps[b]), min(pe[a], pe[b])
        if o_e <= o_s:
            continue
        inside = (mid > o_s) & (mid < o_e)
        kind[inside] = "shifting"
        for i in np.flatnonzero(inside):
            other[i] = pm[b] if machines[best_m[i]] == pm[a] else pm[a]
    seg = np.diff(cuts)
    span = hi - lo
    names = np.array(machines, dtype=object)
    bott = np.where(best_m >= 0, names[np.maximum(best_m, 0)], "")
    sole = {m: 0.0 for m in machines}
    shifting = {m: 0.0 for m in machines}
    for i in range(n_seg):
        if kind[i] == "sole":
            sole[bott[i]] += seg[i]
        elif kind[i] == "shifting":
            shifting[bott[i]] += seg[i]
            shifting[other[i]] += seg[i]
    shares = pd.DataFrame({"machine": machines,
                           "sole": [sole[m] / span for m in machines],
                           "shifting": [shifting[m] / span for m in machines]})
    shares = shares.sort_values("sole", ascending=False, ignore_index=True)
    timeline = pd.DataFrame({"start": cuts[:-1], "end": cuts[1:], "bottleneck": bott,
                             "kind": kind, "with": other})
    # merge neighbouring segments of the same verdict
    key = timeline[["bottleneck", "kind", "with"]].astype(str).agg("|".join, axis=1)
    grp = (key != key.shift()).cumsum()
    timeline = timeline.groupby(grp, sort=False).agg(
        start=("start", "first"), end=("end", "last"), bottleneck=("bottleneck", "first"),
        kind=("kind", "first"), **{"with": ("with", "first")}).reset_index(drop=True)
    return shares, timeline
