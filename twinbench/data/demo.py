"""Seeded generator of the demo plant's data, from the twin's own physics.

``generate_demo(spec, out_dir, seed)`` writes, next to the plant's ``plant.yaml``:

``telemetry.parquet``
    One year of hourly telemetry per machine (load, temperature, vibration, power, wear
    indicator), simulated with :mod:`twinbench.twin.physics`: wear accelerated by load and
    temperature, failures drawn from the wear-dependent hazard, repairs, and preventive
    maintenance when the measured wear crosses a threshold. A few realistic data defects
    are injected (a gap, duplicates, out-of-order rows, spikes, a stuck sensor, a unit
    mix-up), all listed in ``truth.json`` so the data-quality report can be checked.
``events.csv``
    Failures and maintenance (machine, kind, start, end).
``demand.csv`` and ``drivers.csv``
    Three years of weekly demand per product, with annual seasonality, trend, promotions
    and a construction-activity index as exogenous drivers (drivers extend 13 weeks ahead).
``orders.csv``
    The open order book for the four weeks after the history.
``truth.json``
    The true parameters (machine-specific wear multipliers, demand model), the seed and
    the injected defects.

Everything is a function of the spec and the seed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from twinbench.data.telemetry import write_table
from twinbench.spec import LineSpec
from twinbench.twin.physics import hazard, wear_rate

__all__ = ["DEMO_START", "REALISM", "generate_demo", "simulate_plant"]

#: generator variants: ``"model"`` (the twin's own physics, the committed demo) and
#: ``"mismatch"`` (a plant the calibration model is not a copy of, see
#: :func:`simulate_telemetry`)
REALISM = ("model", "mismatch")

DEMO_START = pd.Timestamp("2025-01-01")
HISTORY_WEEKS = 156
#: mean weekly demand per product at the end of the history [unit/week]
BASE_DEMAND = {"CAB-S": 170.0, "CAB-L": 85.0, "BRK-A": 2100.0, "BRK-B": 1260.0, "FRM-1": 110.0}
#: lot sizes for the order book [unit]
LOT_SIZE = {"CAB": (20, 40), "BRK": (300, 600), "FRM": (15, 30)}


def _ambient(times: pd.DatetimeIndex) -> np.ndarray:
    """Hall temperature [degC]: annual and daily cycles."""
    doy = times.day_of_year.to_numpy()
    hod = times.hour.to_numpy()
    return 19.0 + 5.0 * np.sin(2 * np.pi * (doy - 110) / 365) + 1.5 * np.sin(
        2 * np.pi * (hod - 9) / 24
    )


def simulate_telemetry(
    spec: LineSpec, times: pd.DatetimeIndex, rng: np.random.Generator,
    realism: str = "model",
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Simulate hourly telemetry and events of every machine.

    ``realism="model"`` uses the twin's own physics (deterministic wear paths, fixed
    maintenance effect, Gaussian sensor noise). ``realism="mismatch"`` departs from the
    calibration model on purpose: gamma-distributed hourly wear increments (mean the
    physics rate, CV 0.5); a maintenance/repair effect that varies (restore fraction times
    U(0.6, 1.2)); idle hours inside shifts (10 %); a wear-sensor drift (up to +-0.03 per
    100 days) and Student-t noise (3 degrees of freedom); one machine type that never fails
    (the first type with a single machine is made failure-free: hazard 0); and one machine
    with a short history (installed 60 days before the end: no running, no wear readings
    before). ``truth`` lists each of these. The extra draws come from a generator of their
    own, so ``"model"`` output is unchanged.

    Returns
    -------
    table
        Telemetry table (``time``, ``machine``, variables in canonical units).
    events
        Failures and maintenance: ``machine, kind, start, end``.
    truth
        Machine-level true parameters.
    """
    if realism not in REALISM:
        raise ValueError(f"unknown realism {realism!r}; allowed: {list(REALISM)!r}")
    mismatch = realism == "mismatch"
    machines = spec.machines
    n, T = len(machines), len(times)
    types = [spec.physics_of(m) for m in machines]
    rng_x = np.random.default_rng(int(rng.integers(2**31)) if mismatch else 0)
    type_names = [t.name for t in types]
    single = [t for t in dict.fromkeys(type_names) if type_names.count(t) == 1]
    never_fails = (single or type_names)[0] if mismatch else None
    short_machine = machines[-1] if mismatch else None
    installed = max(0, T - 60 * 24) if mismatch else 0
    drift = rng_x.uniform(-0.03, 0.03, n) / (100 * 24) if mismatch else np.zeros(n)
    stations = [spec.station_map[spec.machine_station[m]] for m in machines]
    working = np.array(spec.calendar.working_mask(times))
    ambient = _ambient(times)

    mult = np.exp(rng.normal(0.0, 0.15, n))  # machine-to-machine wear-rate spread
    load_mu = rng.uniform(0.6, 0.85, n)
    heat = np.array([{"paint_booth": 45.0}.get(t.name, 25.0) for t in types]) * rng.uniform(
        0.85, 1.15, n)
    vib0 = rng.uniform(1.0, 2.5, n)
    pm_threshold = rng.uniform(0.55, 0.7, n)
    idle = np.array([s.idle_power for s in stations])
    busy = np.array([s.busy_power for s in stations])

    out = {k: np.empty((T, n)) for k in ("load", "temperature", "vibration", "power", "wear")}
    wear = rng.uniform(0.05, 0.4, n)
    temp = ambient[0] + np.zeros(n)
    load_run = load_mu.copy()
    down_until = np.zeros(n, dtype=int)  # hour index at which the machine is up again
    down_kind = np.array([""] * n, dtype=object)
    pm_due = np.full(n, -1)
    # first off-shift hour at or after each hour
    next_off = np.empty(T, dtype=int)
    nxt = T
    for t in range(T - 1, -1, -1):
        if not working[t]:
            nxt = t
        next_off[t] = nxt
    events: list[dict] = []

    for t in range(T):
        # maintenance that starts now
        start_pm = (pm_due == t) & (down_until <= t)
        for i in np.flatnonzero(start_pm):
            dur = int(np.ceil(types[i].maintenance_duration))
            down_until[i], down_kind[i], pm_due[i] = t + dur, "maintenance", -1
            restore = types[i].maintenance_restore
            if mismatch:
                restore = min(restore * rng_x.uniform(0.6, 1.2), 0.98)
            wear_after = wear[i] * (1 - restore)
            events.append({"machine": machines[i], "kind": "maintenance", "start": times[t],
                           "end": times[min(t + dur, T - 1)], "true_wear_before": wear[i],
                           "true_wear_after": wear_after})
            wear[i] = wear_after
        up = down_until <= t
        running = up & working[t]
        if mismatch:
            running &= rng_x.random(n) >= 0.1  # idle hours inside shifts
            running &= ~((np.array(machines) == short_machine) & (t < installed))
        load_run = np.where(running, load_mu + 0.7 * (load_run - load_mu)
                            + rng.normal(0, 0.05, n), load_run)
        load_run = np.clip(load_run, 0.2, 1.05)
        load = np.where(running, load_run, 0.0)
        temp = temp + 0.6 * (ambient[t] + heat * load - temp)
        rate = np.array([wear_rate(load[i], temp[i], types[i], mult[i]) for i in range(n)])
        if mismatch:
            rate = rate * rng_x.gamma(4.0, 0.25, n)
        wear = wear + np.where(running, rate, 0.0)
        # failures while running
        h = np.array([hazard(wear[i], types[i]) for i in range(n)])
        if mismatch:
            h = np.where(np.array(type_names) == never_fails, 0.0, h)
        fail = running & (rng.random(n) < -np.expm1(-h))
        for i in np.flatnonzero(fail):
            mt = types[i]
            sigma = np.sqrt(np.log1p(mt.repair_cv**2))
            dur = max(2, int(np.ceil(rng.lognormal(np.log(mt.repair_mean) - sigma**2 / 2,
                                                   sigma))))
            restore = mt.repair_restore
            if mismatch:
                restore = min(restore * rng_x.uniform(0.6, 1.2), 0.98)
            wear_after = wear[i] * (1 - restore)
            events.append({"machine": machines[i], "kind": "failure", "start": times[t],
                           "end": times[min(t + 1 + dur, T - 1)], "true_wear_before": wear[i],
                           "true_wear_after": wear_after})
            down_until[i], down_kind[i] = t + 1 + dur, "repair"
            wear[i] = wear_after
            pm_due[i] = -1
        measured_wear = wear + rng.normal(0, 0.015, n)
        if mismatch:  # drifting sensor, heavy-tailed noise instead of the Gaussian
            measured_wear = wear + drift * t + 0.012 * rng_x.standard_t(3, n)
        # schedule preventive maintenance at the next off-shift hour
        plan = (measured_wear > pm_threshold) & (pm_due < 0) & (down_until <= t + 1)
        for i in np.flatnonzero(plan):
            if t + 1 < T and next_off[t + 1] < T:
                pm_due[i] = next_off[t + 1]
        down_now = ~up
        standby = np.where(down_now & (down_kind == "repair"), 0.3, 0.1)
        power = np.where(running, idle + (busy - idle) * load,
                         np.where(working[t], np.where(down_now, standby * idle, idle),
                                  0.05 * idle))
        out["load"][t] = np.abs(load + rng.normal(0, 0.01, n))
        out["temperature"][t] = temp + rng.normal(0, 0.3, n)
        out["vibration"][t] = np.abs(vib0 * (0.2 + load) * (1 + 1.5 * wear)
                                     + rng.normal(0, 0.05, n))
        out["power"][t] = np.abs(power * (1 + rng.normal(0, 0.01, n)) + rng.normal(0, 0.02, n))
        out["wear"][t] = measured_wear
        if mismatch and t < installed:
            i_short = machines.index(short_machine)
            out["wear"][t, i_short] = np.nan

    decimals = {"load": 4, "temperature": 2, "vibration": 3, "power": 3, "wear": 4}
    table = pd.DataFrame({
        "time": np.repeat(times.to_numpy(), n),
        "machine": np.tile(np.array(machines, dtype=object), T),
        **{k: np.round(v.ravel(), decimals[k]) for k, v in out.items()},
    })
    table = table.sort_values(["machine", "time"], kind="stable").reset_index(drop=True)
    ev = pd.DataFrame(events).sort_values(["start", "machine"]).reset_index(drop=True)
    truth = {
        "wear_multiplier": dict(zip(machines, mult.round(6).tolist(), strict=True)),
        "pm_threshold": dict(zip(machines, pm_threshold.round(4).tolist(), strict=True)),
        "load_mean": dict(zip(machines, load_mu.round(4).tolist(), strict=True)),
        "heating": dict(zip(machines, heat.round(3).tolist(), strict=True)),
    }
    if mismatch:
        truth["mismatch"] = {
            "wear_increment": "gamma, shape 4 (CV 0.5), mean the physics rate",
            "restore_factor": "U(0.6, 1.2) times the type's restore fraction",
            "idle_share_in_shifts": 0.1,
            "sensor_drift_per_h": dict(zip(machines, drift.round(9).tolist(), strict=True)),
            "sensor_noise": "Student-t, 3 dof, scale 0.012",
            "never_fails_type": never_fails,
            "short_history_machine": short_machine,
            "installed": str(times[installed]),
        }
    return table, ev, truth


def inject_defects(table: pd.DataFrame) -> tuple[pd.DataFrame, list[dict]]:
    """Inject a few realistic data defects; return the new table and their description."""
    df = table.copy()
    defects: list[dict] = []

    def rows(machine: str, start: str, hours: int) -> pd.Index:
        t0 = pd.Timestamp(start)
        sel = (df["machine"] == machine) & (df["time"] >= t0) & (
            df["time"] < t0 + pd.Timedelta(hours=hours))
        return df.index[sel]

    # stuck temperature sensor on PAINT1 for 30 h
    idx = rows("PAINT1", "2025-06-10 08:00", 30)
    if len(idx) == 30:
        df.loc[idx, "temperature"] = df.loc[idx[0], "temperature"]
        defects.append({"check": "stuck", "machine": "PAINT1", "variable": "temperature",
                        "start": "2025-06-10 08:00", "n": 30})
    # vibration spikes on PRESS1
    for ts in ("2025-02-12 10:00", "2025-07-03 15:00", "2025-10-21 09:00"):
        i = rows("PRESS1", ts, 1)
        if len(i):
            df.loc[i, "vibration"] = df.loc[i, "vibration"] * 8 + 5
            defects.append({"check": "spike", "machine": "PRESS1", "variable": "vibration",
                            "start": ts, "n": 1})
    # TEST1 temperature logged in degF for two weeks after a firmware update
    idx = rows("TEST1", "2025-08-04 00:00", 14 * 24)
    if len(idx):
        df.loc[idx, "temperature"] = (df.loc[idx, "temperature"] * 1.8 + 32).round(2)
        defects.append({"check": "unit_mismatch", "machine": "TEST1",
                        "variable": "temperature", "start": "2025-08-04 00:00", "n": len(idx),
                        "unit": "degF"})
    # 12-hour gap on WELD2 (network outage)
    idx = rows("WELD2", "2025-03-10 04:00", 12)
    if len(idx):
        df = df.drop(index=idx)
        defects.append({"check": "gap", "machine": "WELD2", "start": "2025-03-10 04:00",
                        "n": len(idx)})
    # out-of-order rows on ASSY1 (three swapped pairs)
    for ts in ("2025-04-02 07:00", "2025-09-15 12:00", "2025-11-05 18:00"):
        i = rows("ASSY1", ts, 2)
        if len(i) == 2:
            a, b = df.loc[i[0]].copy(), df.loc[i[1]].copy()
            df.loc[i[0]], df.loc[i[1]] = b, a
            defects.append({"check": "out_of_order", "machine": "ASSY1", "start": ts, "n": 1})
    # five duplicated rows on LASER2 (re-sent batch)
    idx = rows("LASER2", "2025-05-20 10:00", 5)
    if len(idx):
        df = pd.concat([df, df.loc[idx]], ignore_index=True)
        defects.append({"check": "duplicate", "machine": "LASER2",
                        "start": "2025-05-20 10:00", "n": len(idx)})
    return df.reset_index(drop=True), defects


def simulate_demand(products: list[str], rng: np.random.Generator,
                    end: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Weekly demand with trend, annual season, promotions and a construction index."""
    horizon = 13
    weeks = pd.date_range(end=end, periods=HISTORY_WEEKS, freq="W-MON")
    all_weeks = pd.date_range(weeks[0], periods=HISTORY_WEEKS + horizon, freq="W-MON")
    k = len(all_weeks)
    promo = (rng.random(k) < 0.1).astype(int)
    index = np.empty(k)
    index[0] = 100.0
    for t in range(1, k):
        index[t] = 100 + 0.85 * (index[t - 1] - 100) + rng.normal(0, 2.0)
    drivers = pd.DataFrame({"week": all_weeks, "promo": promo,
                            "construction_index": index.round(2)})
    t = np.arange(k)
    season = np.sin(2 * np.pi * (all_weeks.day_of_year.to_numpy() - 80) / 365.25)
    params = {}
    rows = []
    for p in products:
        base = BASE_DEMAND.get(p, 100.0)
        amp, trend = rng.uniform(0.08, 0.2), rng.uniform(0.0, 0.04)
        promo_lift = 0.3 if p.startswith("BRK") else 0.1
        elasticity = 1.2 if p.startswith("CAB") else 0.5
        mean = base * (1 + trend * (t - HISTORY_WEEKS) / 52) * (1 + amp * season) * (
            1 + promo_lift * promo) * (index / 100) ** elasticity
        qty = rng.poisson(mean * np.exp(rng.normal(0, 0.06, k)))
        params[p] = {"base": base, "season_amplitude": round(amp, 4),
                     "trend_per_year": round(trend, 4), "promo_lift": promo_lift,
                     "index_elasticity": elasticity}
        rows.append(pd.DataFrame({"week": all_weeks[:HISTORY_WEEKS], "product": p,
                                  "quantity": qty[:HISTORY_WEEKS]}))
    return pd.concat(rows, ignore_index=True), drivers, params


def make_orders(spec: LineSpec, demand: pd.DataFrame, start: pd.Timestamp, weeks: int,
                rng: np.random.Generator) -> pd.DataFrame:
    """Open order book: recent demand level cut into lots with release and due dates."""
    recent = demand[demand["week"] > demand["week"].max() - pd.Timedelta(weeks=8)]
    level = recent.groupby("product")["quantity"].mean()
    regions = ["north", "south", "east", "west"]
    orders = []
    for w in range(weeks):
        week0 = start + pd.Timedelta(weeks=w)
        for p in spec.products:
            lo, hi = LOT_SIZE.get(p.family, (10, 50))
            remaining = int(level.get(p.name, 0))
            while remaining > 0:
                q = int(min(remaining, rng.integers(lo, hi + 1)))
                remaining -= q
                release = week0 + pd.Timedelta(hours=int(rng.integers(0, 4)) * 24 + 6)
                due = release + pd.Timedelta(days=int(rng.integers(4, 11)))
                orders.append({"product": p.name, "quantity": q, "release": release,
                               "due": due, "weight": int(rng.choice([1, 1, 2, 3])),
                               "region": str(rng.choice(regions))})
    df = pd.DataFrame(orders).sort_values(["release", "product"]).reset_index(drop=True)
    df.insert(0, "order_id", [f"O{i + 1:04d}" for i in range(len(df))])
    return df


def simulate_plant(spec: LineSpec, seed: int, days: int,
                   start: pd.Timestamp = DEMO_START, realism: str = "model") -> tuple:
    """Clean telemetry Dataset, events and machine truth of ``days`` days of the line.

    The same physics as the demo data, without injected defects: for tests of recovery,
    monitoring and backtests on data with known parameters.

    Returns
    -------
    tuple
        ``(telemetry, events, truth)``: ``(machine, time)`` Dataset, events table and the
        machine-level true parameters (``wear_multiplier`` etc.).
    """
    from twinbench.data.telemetry import table_to_dataset

    times = pd.date_range(start, periods=days * 24, freq="h")
    table, events, truth = simulate_telemetry(spec, times, np.random.default_rng(seed),
                                              realism)
    return table_to_dataset(table), events, truth


def generate_demo(spec: LineSpec, out_dir: str | Path, seed: int = 20250101,
                  days: int = 365, realism: str = "model") -> dict[str, Path]:
    """Generate the demo data for ``spec`` into ``out_dir``.

    Parameters
    ----------
    spec
        The plant.
    out_dir
        Folder to write into (created if missing).
    seed
        Seed of the single random generator used for everything.
    days
        Length of the telemetry history [d].
    realism
        One of :data:`REALISM`: ``"model"`` (default, the committed demo) or
        ``"mismatch"`` (see :func:`simulate_telemetry`).

    Returns
    -------
    dict
        Path of each file written, by name.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    times = pd.date_range(DEMO_START, periods=days * 24, freq="h")
    table, events, machine_truth = simulate_telemetry(spec, times, rng, realism)
    table, defects = inject_defects(table)
    demand, drivers, demand_truth = simulate_demand(
        [p.name for p in spec.products], rng, times[-1].normalize() - pd.Timedelta(days=2))
    order_start = drivers["week"].iloc[HISTORY_WEEKS]
    orders = make_orders(spec, demand, order_start, 4, rng)

    paths = {
        "telemetry": write_table(table, out / "telemetry.parquet"),
        "events": out / "events.csv",
        "demand": out / "demand.csv",
        "drivers": out / "drivers.csv",
        "orders": out / "orders.csv",
        "truth": out / "truth.json",
    }
    ev = events.copy()
    ev.insert(0, "event_id", [f"E{i + 1:04d}" for i in range(len(ev))])
    ev[["event_id", "machine", "kind", "start", "end"]].to_csv(paths["events"], index=False)
    demand.to_csv(paths["demand"], index=False)
    drivers.to_csv(paths["drivers"], index=False)
    orders.to_csv(paths["orders"], index=False)
    truth = {
        "seed": seed,
        "spec_hash": spec.content_hash(),
        "machines": machine_truth,
        "machine_types": {t.name: t.model_dump() for t in spec.machine_types},
        "demand": demand_truth,
        "defects": defects,
        "events_true_wear": ev[["event_id", "true_wear_before", "true_wear_after"]]
        .round(5).to_dict(orient="records"),
    }
    paths["truth"].write_text(json.dumps(truth, indent=1, default=str))
    return paths
