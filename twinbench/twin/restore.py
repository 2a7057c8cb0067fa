"""The share of wear that maintenance and repairs remove, as the calibrated twin estimates it.

The calibration model leaves every segment's wear level free, so the latent wear just
before and just after each event of the history is estimated; ``event_restore`` is
``1 - after / before`` per event (:mod:`twinbench.twin.calibrate`). This module
summarises it per machine type and kind of event, and draws the effect of a *future*
event for forecasts: per posterior draw, the estimated effect of a randomly chosen past
event of the same type and kind, so that both the estimation uncertainty and the
event-to-event variation are carried.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twinbench.twin.calibrate import CalibratedTwin

__all__ = ["restore_draws", "restore_summary"]

KINDS = {"maintenance": "maintenance_restore", "failure": "repair_restore"}


def _events(twin: CalibratedTwin) -> pd.DataFrame:
    """The history's events whose effect the data identify (readings on both sides)."""
    ev = twin.data.hazard.events
    if "event_restore" not in twin.posterior or not len(ev):
        return ev.iloc[0:0]
    return ev[ev["identified"]]


def _samples(twin: CalibratedTwin) -> np.ndarray:
    """Posterior draws of every event's restore fraction, shaped (event, sample)."""
    return twin.posterior["event_restore"].stack(sample=("chain", "draw")).values


def restore_summary(twin: CalibratedTwin, prob: float = 0.9) -> pd.DataFrame:
    """Estimated restore fraction per machine type and kind of event.

    Returns
    -------
    DataFrame ``machine_type, kind, events, mean, lower, upper, spec``: the posterior
    mean and central ``prob`` interval of the average restore fraction [1] over the
    type's events of that kind in the history, and the spec's assumed value [1]. Events
    with no day of readings before or after them are left out (their effect is the
    prior's); ``attrs['left_out']`` counts them.
    """
    ev = _events(twin)
    draws = _samples(twin) if len(ev) else np.zeros((0, 0))
    rows = []
    for (k, kind), g in ev.groupby(["type", "kind"], sort=True):
        if kind not in KINDS:
            continue
        avg = draws[g.index.to_numpy()].mean(0)
        name = twin.data.type_names[int(k)]
        mt = twin.spec.machine_type_map[name]
        lo, hi = np.quantile(avg, [(1 - prob) / 2, (1 + prob) / 2])
        rows.append((name, kind, len(g), float(avg.mean()), float(lo), float(hi),
                     float(getattr(mt, KINDS[kind]))))
    out = pd.DataFrame(rows, columns=["machine_type", "kind", "events", "mean", "lower",
                                      "upper", "spec"])
    out.attrs["left_out"] = int(len(twin.data.hazard.events) - len(ev))
    return out


def restore_draws(twin: CalibratedTwin, machine: str, kind: str, n: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Restore fractions [1] of a future event on ``machine``, one per forecast draw.

    Each of the ``n`` values is the estimated restore of a past event of the machine's
    type and of that ``kind`` (``"maintenance"`` or ``"failure"``), event and posterior
    draw chosen at random (events the data identify only). A type with no such event
    borrows the events of that kind of every type; with none at all the spec's value is
    used. Values are clipped to [0, 1].

    Returns
    -------
    draws, source
        The draws, and where they come from in words.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of event {kind!r}; allowed: {list(KINDS)!r}")
    if machine not in twin.data.machines:
        raise ValueError(f"unknown machine {machine!r}; allowed: {twin.data.machines!r}")
    k = int(twin.data.types[twin.data.machines.index(machine)])
    ev = _events(twin)
    same = ev.index[(ev["kind"] == kind) & (ev["type"] == k)].to_numpy() if len(ev) else []
    source = f"{len(same)} past {kind} event(s) of its type"
    if not len(same) and len(ev):
        same = ev.index[ev["kind"] == kind].to_numpy()
        source = f"{len(same)} past {kind} event(s) of every type (none of its own)"
    if not len(same):
        value = float(getattr(twin.spec.physics_of(machine), KINDS[kind]))
        return np.full(n, value), f"the spec's value {value:g} (no past {kind} event)"
    draws = _samples(twin)
    pick = draws[rng.choice(same, n), rng.integers(0, draws.shape[1], n)]
    return np.clip(pick, 0.0, 1.0), source
