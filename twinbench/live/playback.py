"""What the plant server plays: recorded telemetry, then a continuation from the physics.

A :class:`Playback` is the plant's whole trajectory on an hourly grid, computed before the
server starts: one *tick* is one plant hour, published at once for every machine. The
recorded part is the telemetry table as it is in the file (its defects included: a
spike, a stuck sensor, a unit mix-up stay in; a missing hour is a tick the machine does not
publish). The continuation steps the twin's physics (:mod:`twinbench.twin.physics`) from
the last recorded state: wear grows with load and temperature while the machine runs,
failures are drawn from the wear-dependent hazard, repairs and preventive maintenance reset
it, as in the demo generator (:mod:`twinbench.data.demo`). The continuation's true wear is
kept (:attr:`Playback.true_wear`) so that the live state filter can be checked against it.

Every draw takes the seed: the same arguments give the same trajectory, so a restarted
server plays on from where it stopped and serves the same history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from twinbench.spec import LineSpec
from twinbench.twin.physics import arrhenius

__all__ = ["SIGNALS", "STATES", "Playback", "build_playback"]

#: numeric signals a machine publishes, in the canonical units of
#: :data:`twinbench.data.telemetry.VARIABLES`
SIGNALS = ("load", "temperature", "vibration", "power", "wear")
#: machine states, named after the Machinery companion model's MachineryItemState
STATES = ("Executing", "NotExecuting", "OutOfService")
RUN_LOAD = 0.1  # load above which a recorded machine counts as running [1]


@dataclass
class Playback:
    """The plant's trajectory on an hourly grid.

    Attributes
    ----------
    machines
        Machine names.
    times
        Plant time of each tick (hourly).
    values
        Signals per (tick, machine, :data:`SIGNALS`) in canonical units; NaN: not published.
    state
        Index into :data:`STATES` per (tick, machine).
    alarm
        ``""``, ``"failure"`` or ``"maintenance"`` per (tick, machine).
    true_wear
        The generator's true wear per (tick, machine) [1]; NaN in the recorded part.
    recorded
        Number of recorded ticks (the continuation follows).
    events
        The continuation's failures and maintenance (machine, kind, start, end,
        true_wear_before, true_wear_after).
    """

    machines: list[str]
    times: pd.DatetimeIndex
    values: np.ndarray
    state: np.ndarray
    alarm: np.ndarray
    true_wear: np.ndarray
    recorded: int
    events: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __len__(self) -> int:
        return len(self.times)

    def table(self, end: int | None = None) -> pd.DataFrame:
        """The published samples of ticks ``[0, end)`` as a telemetry table."""
        end = len(self) if end is None else end
        t, m = np.nonzero(np.isfinite(self.values[:end, :, 0]))
        df = pd.DataFrame({"time": self.times[t], "machine": np.array(self.machines)[m]})
        for j, s in enumerate(SIGNALS):
            df[s] = self.values[t, m, j]
        return df.sort_values(["machine", "time"], ignore_index=True)


def _recorded(table: pd.DataFrame, machines: list[str], events: pd.DataFrame
              ) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray, np.ndarray]:
    first = table.drop_duplicates(["machine", "time"], keep="first")
    times = pd.date_range(first["time"].min(), first["time"].max(), freq="h")
    values = np.full((len(times), len(machines), len(SIGNALS)), np.nan)
    for i, m in enumerate(machines):
        g = first[first["machine"] == m].set_index("time").reindex(times)
        values[:, i, :] = g[list(SIGNALS)].to_numpy(dtype=float)
    state = np.where(values[..., 0] > RUN_LOAD, 0, 1).astype(np.int8)
    alarm = np.full(state.shape, "", dtype=object)
    for row in events.itertuples():
        if row.machine not in machines:
            continue
        i = machines.index(row.machine)
        hit = (times >= pd.Timestamp(row.start)) & (times < pd.Timestamp(row.end))
        state[hit, i] = 2
        alarm[hit, i] = row.kind
    return times, values, state, alarm


def _machine_truth(root: Path | None, machines: list[str]) -> dict[str, dict[str, float]]:
    path = root / "truth.json" if root is not None else None
    if path is None or not path.exists():
        return {}
    return json.loads(path.read_text()).get("machines", {})


def build_playback(spec: LineSpec, recording: pd.DataFrame, events: pd.DataFrame, *,
                   continuation_hours: int = 30 * 24, seed: int = 0,
                   machines: list[str] | None = None, plant_root: Path | None = None,
                   no_maintenance: tuple[str, ...] = (), fail_at: dict[str, int] | None = None,
                   ) -> Playback:
    """The recorded telemetry followed by ``continuation_hours`` of simulated plant.

    Parameters
    ----------
    spec
        The line (machine types, stations' power, shift calendar).
    recording
        Telemetry table as read from the file (:func:`twinbench.data.telemetry.read_table`),
        in canonical units; may be empty of rows only if ``continuation_hours`` > 0.
    events
        Recorded failures and maintenance (machine, kind, start, end).
    continuation_hours
        Simulated hours after the recording [h].
    seed
        Seed of the continuation's draws.
    machines
        Machines to play (default: every machine of the spec).
    plant_root
        Plant folder whose ``truth.json`` gives machine-level wear multipliers, load means,
        heating and maintenance thresholds (defaults when missing).
    no_maintenance
        Machines whose preventive maintenance is withheld in the continuation (they run to
        failure).
    fail_at
        Forced failures: machine -> continuation hour [h] (an injected breakdown).

    Raises
    ------
    ValueError
        Unknown machines, or a recording without rows of a played machine.
    """
    machines = list(machines or spec.machines)
    unknown = sorted(set(machines) - set(spec.machines)
                     | set(no_maintenance) - set(spec.machines)
                     | set(fail_at or {}) - set(spec.machines))
    if unknown:
        raise ValueError(f"unknown machines {unknown!r}; the spec has {spec.machines!r}")
    rec = recording[recording["machine"].isin(machines)]
    missing = sorted(set(machines) - set(rec["machine"]))
    if missing:
        raise ValueError(f"the recording has no rows of {missing!r}; give a recording with "
                         "every played machine, or choose machines=")
    times, values, state, alarm = _recorded(rec, machines, events)
    truth = _machine_truth(plant_root, machines)
    n_rec = len(times)
    if continuation_hours <= 0:
        return Playback(machines, times, values, state, alarm,
                        np.full(state.shape, np.nan), n_rec)
    ctimes = pd.date_range(times[-1] + pd.Timedelta(hours=1), periods=continuation_hours,
                           freq="h")
    cv, cs, ca, cw, cev = _continue(spec, machines, values, ctimes, truth,
                                    np.random.default_rng(seed), set(no_maintenance),
                                    dict(fail_at or {}))
    return Playback(machines, times.append(ctimes), np.concatenate([values, cv]),
                    np.concatenate([state, cs]), np.concatenate([alarm, ca]),
                    np.concatenate([np.full(state.shape, np.nan), cw]), n_rec, cev)


def _last(a: np.ndarray) -> np.ndarray:
    """Last finite value along axis 0 per column."""
    out = np.full(a.shape[1], np.nan)
    for i in range(a.shape[1]):
        ok = np.flatnonzero(np.isfinite(a[:, i]))
        if len(ok):
            out[i] = a[ok[-1], i]
    return out


def _continue(spec: LineSpec, machines: list[str], rec: np.ndarray, times: pd.DatetimeIndex,
              truth: dict, rng: np.random.Generator, no_pm: set[str], fail_at: dict[str, int]):
    """Step the physics hour by hour from the recording's last state (see the module)."""
    n, n_t = len(machines), len(times)
    mts = [spec.physics_of(m) for m in machines]
    st = [spec.station_map[spec.machine_station[m]] for m in machines]
    get = {k: np.array([truth.get(k, {}).get(m, d) for m in machines])
           for k, d in (("wear_multiplier", 1.0), ("load_mean", 0.72),
                        ("heating", 25.0), ("pm_threshold", 0.62))}
    wr = np.array([mt.wear_rate_ref for mt in mts]) * get["wear_multiplier"]
    lref = np.array([mt.load_ref for mt in mts])
    lexp = np.array([mt.load_exponent for mt in mts])
    tref = np.array([mt.temp_ref for mt in mts])
    ea = np.array([mt.activation_energy for mt in mts])
    h0 = np.array([mt.hazard_base for mt in mts])
    beta = np.array([mt.hazard_wear for mt in mts])
    idle = np.array([s.idle_power for s in st])
    busy = np.array([s.busy_power for s in st])
    load_mu, heat = get["load_mean"], get["heating"]
    # vibration level per machine from the recording: v = v0 * (0.2 + L) * (1 + 1.5 W)
    ld, vb, we = rec[..., 0], rec[..., 2], rec[..., 4]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = vb / ((0.2 + ld) * (1 + 1.5 * we))
    vib0 = np.array([np.nanmedian(ratio[ld[:, i] > RUN_LOAD, i])
                     if (ld[:, i] > RUN_LOAD).any() else 1.7 for i in range(n)])
    wear = np.clip(np.nan_to_num(_last(we), nan=0.2), 0.0, None)
    temp = np.nan_to_num(_last(rec[..., 1]), nan=25.0)
    load_run = load_mu.copy()
    working = np.array(spec.calendar.working_mask(times))
    doy, hod = times.day_of_year.to_numpy(), times.hour.to_numpy()
    ambient = 19.0 + 5.0 * np.sin(2 * np.pi * (doy - 110) / 365) + 1.5 * np.sin(
        2 * np.pi * (hod - 9) / 24)
    next_off = np.empty(n_t, dtype=int)
    nxt = n_t
    for t in range(n_t - 1, -1, -1):
        nxt = t if not working[t] else nxt
        next_off[t] = nxt
    values = np.empty((n_t, n, len(SIGNALS)))
    state = np.zeros((n_t, n), dtype=np.int8)
    alarm = np.full((n_t, n), "", dtype=object)
    true_wear = np.empty((n_t, n))
    down_until = np.zeros(n, dtype=int)
    down_kind = np.array([""] * n, dtype=object)
    pm_due = np.full(n, -1)
    forced = {machines.index(m): h for m, h in fail_at.items() if m in machines}
    events: list[dict] = []
    for t in range(n_t):
        for i in np.flatnonzero((pm_due == t) & (down_until <= t)):
            dur = int(np.ceil(mts[i].maintenance_duration))
            after = wear[i] * (1 - mts[i].maintenance_restore)
            events.append({"machine": machines[i], "kind": "maintenance", "start": times[t],
                           "end": times[min(t + dur, n_t - 1)], "true_wear_before": wear[i],
                           "true_wear_after": after})
            down_until[i], down_kind[i], pm_due[i], wear[i] = t + dur, "maintenance", -1, after
        up = down_until <= t
        running = up & working[t]
        load_run = np.where(running, load_mu + 0.7 * (load_run - load_mu)
                            + rng.normal(0, 0.05, n), load_run)
        load_run = np.clip(load_run, 0.2, 1.05)
        load = np.where(running, load_run, 0.0)
        temp = temp + 0.6 * (ambient[t] + heat * load - temp)
        rate = wr * (load / lref) ** lexp * arrhenius(temp, tref, ea)
        wear = wear + np.where(running, rate, 0.0)
        fail = running & (rng.random(n) < -np.expm1(-h0 * np.exp(beta * wear)))
        for i, h in forced.items():
            fail[i] |= (t == h) and bool(up[i])
        for i in np.flatnonzero(fail):
            mt = mts[i]
            sigma = np.sqrt(np.log1p(mt.repair_cv ** 2))
            dur = max(2, int(np.ceil(rng.lognormal(np.log(mt.repair_mean) - sigma ** 2 / 2,
                                                   sigma))))
            after = wear[i] * (1 - mt.repair_restore)
            events.append({"machine": machines[i], "kind": "failure", "start": times[t],
                           "end": times[min(t + 1 + dur, n_t - 1)],
                           "true_wear_before": wear[i], "true_wear_after": after})
            down_until[i], down_kind[i], wear[i], pm_due[i] = t + 1 + dur, "repair", after, -1
        measured = wear + rng.normal(0, 0.015, n)
        plan = ((measured > get["pm_threshold"]) & (pm_due < 0) & (down_until <= t + 1)
                & np.array([m not in no_pm for m in machines]))
        for i in np.flatnonzero(plan):
            if t + 1 < n_t and next_off[t + 1] < n_t:
                pm_due[i] = next_off[t + 1]
        down = down_until > t
        standby = np.where(down & (down_kind == "repair"), 0.3, 0.1)
        power = np.where(running, idle + (busy - idle) * load,
                         np.where(working[t], np.where(down, standby * idle, idle),
                                  0.05 * idle))
        values[t, :, 0] = np.round(np.abs(load + rng.normal(0, 0.01, n)), 4)
        values[t, :, 1] = np.round(temp + rng.normal(0, 0.3, n), 2)
        values[t, :, 2] = np.round(np.abs(vib0 * (0.2 + load) * (1 + 1.5 * wear)
                                          + rng.normal(0, 0.05, n)), 3)
        values[t, :, 3] = np.round(np.abs(power * (1 + rng.normal(0, 0.01, n))
                                          + rng.normal(0, 0.02, n)), 3)
        values[t, :, 4] = np.round(measured, 4)
        true_wear[t] = wear
        state[t] = np.where(down, 2, np.where(running, 0, 1))
        alarm[t] = np.where(down, np.where(down_kind == "repair", "failure", "maintenance"),
                            "")
    cols = ["machine", "kind", "start", "end", "true_wear_before", "true_wear_after"]
    return values, state, alarm, true_wear, pd.DataFrame(events, columns=cols)
