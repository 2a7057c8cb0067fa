"""An independent SimPy model of the demo line, for the simulation benchmark only.

Same line as :func:`twinbench.twin.simulation.simulate` with FIFO dispatch and no
maintenance windows: units of each order released at the order's release (working-time
clock), a FIFO store per station (the buffer; blocking after service when it is full),
parallel machines as processes, a setup when the product family changes, processing
times of each step's distribution, failures with an exponential busy time to failure and
gamma repairs (the operation resumes), scrap at the end of the route. Time is working
hours, as in the engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import simpy

from twinbench.spec import LineSpec
from twinbench.twin.simulation import WorkingClock, failure_rates


def _gamma(rng: np.random.Generator, mean: float, cv: float) -> float:
    if cv <= 0:
        return mean
    k = 1 / cv**2
    return float(rng.gamma(k, mean / k))


def _time(rng: np.random.Generator, mean: float, cv: float, dist: str) -> float:
    """A processing time of the step's distribution (normal: redrawn until positive)."""
    if dist == "exponential":
        return float(rng.exponential(mean))
    if cv <= 0 or dist == "fixed":
        return mean
    if dist == "lognormal":
        sigma = np.sqrt(np.log1p(cv**2))
        return float(mean * np.exp(sigma * rng.standard_normal() - sigma**2 / 2))
    if dist == "normal":
        while (x := rng.normal(mean, cv * mean)) <= 0:
            pass
        return float(x)
    return _gamma(rng, mean, cv)


def simulate_simpy(spec: LineSpec, orders: pd.DataFrame, t0: pd.Timestamp, horizon: float,
                   seed: int) -> dict[str, float]:
    """One replication; returns throughput [unit/h], flow time [h], WIP [unit], units out."""
    rng = np.random.default_rng(seed)
    clock = WorkingClock(spec, t0, int(horizon) + 24 * 60)
    H = float(clock.to_working(horizon))
    env = simpy.Environment()
    cap = {s.name: spec.buffer_capacity(s.name) for s in spec.stations}
    queues = {s.name: simpy.Store(env, capacity=cap[s.name] or float("inf"))
              for s in spec.stations}
    rates = failure_rates(spec)
    stats = {"out": 0, "flow": 0.0, "n_flow": 0, "wip_area": 0.0, "in": 0, "last": 0.0}

    def wip_change(delta: int) -> None:
        now = env.now
        stats["wip_area"] += stats["in"] * (now - stats["last"])
        stats["last"] = now
        stats["in"] += delta

    def release():
        rel = clock.to_working(np.clip((orders["release"] - t0) / pd.Timedelta(hours=1),
                                       0, None))
        for (_, o), r in sorted(zip(orders.iterrows(), rel, strict=True), key=lambda x: x[1]):
            yield env.timeout(max(0.0, r - env.now))
            route = spec.product_map[o["product"]].routing
            first = queues[route[0].station]
            for _ in range(int(o["quantity"])):
                wip_change(+1)
                yield first.put({"product": o["product"], "step": 0, "release": env.now})

    def machine(name: str, station: str):
        mt = spec.physics_of(name)
        ttf = rng.exponential(1 / rates[name]) if rates[name] > 0 else np.inf
        fam = None
        st = spec.station_map[station]
        while True:
            unit = yield queues[station].get()
            p = spec.product_map[unit["product"]]
            step = p.routing[unit["step"]]
            su = 0.0
            if fam is not None and fam != p.family:
                su = st.setup_times.get(fam, {}).get(p.family, st.default_setup)
            fam = p.family
            work = su + _time(rng, step.time.mean, step.time.cv, step.time.dist)
            while work > 0:
                run = min(work, ttf)
                yield env.timeout(run)
                work -= run
                ttf -= run
                if ttf <= 1e-12 and work > 1e-12:
                    yield env.timeout(_gamma(rng, mt.repair_mean, mt.repair_cv))
                    ttf = rng.exponential(1 / rates[name]) if rates[name] > 0 else np.inf
            if unit["step"] == len(p.routing) - 1:
                wip_change(-1)
                if rng.random() >= p.scrap_rate:
                    stats["out"] += 1
                stats["flow"] += env.now - unit["release"]
                stats["n_flow"] += 1
            else:
                unit["step"] += 1
                yield queues[p.routing[unit["step"]].station].put(unit)  # blocks when full

    env.process(release())
    for s in spec.stations:
        for m in s.machine_ids:
            env.process(machine(m, s.name))
    env.run(until=H)
    wip_change(0)
    return {"throughput": stats["out"] / H, "flow_time": stats["flow"] / max(stats["n_flow"], 1),
            "wip": stats["wip_area"] / H, "units_out": stats["out"]}
