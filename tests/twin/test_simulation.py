"""The line simulation against queueing theory, conservation laws and its own inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from twinbench.data.plant import load_plant
from twinbench.spec import LineSpec
from twinbench.twin.simulation import replications_needed, simulate, warmup_mser

T0 = pd.Timestamp("2026-01-05")


def line(stations: list[tuple[str, int, float, float]], buffers: dict | None = None,
         setup: float = 0.0, dist: str | None = None) -> LineSpec:
    """A 24/7 line: stations (name, machines, mean [h], cv), one product through all.

    Processing times are exponential for cv 1, fixed for cv 0 and gamma otherwise, unless
    ``dist`` names the distribution.
    """
    def time(m: float, cv: float) -> dict:
        d = dist or {1.0: "exponential", 0.0: "fixed"}.get(cv, "gamma")
        return {"mean": m, "cv": cv, "dist": d}

    return LineSpec.model_validate({
        "name": "test",
        "machine_types": [{"name": "mt", "wear_rate_ref": 1e-4, "hazard_base": 1e-4,
                           "repair_mean": 2.0, "repair_cv": 0.5}],
        "stations": [{"name": n, "machines": k, "machine_type": "mt", "idle_power": 1,
                      "busy_power": 10, "default_setup": setup} for n, k, _, _ in stations],
        "buffers": [{"station": s, "capacity": c} for s, c in (buffers or {}).items()],
        "products": [{"name": "A", "family": "F", "routing": [
                          {"station": n, "time": time(m, cv)}
                          for n, _, m, cv in stations]},
                     {"name": "B", "family": "G", "routing": [
                          {"station": n, "time": time(m, cv)}
                          for n, _, m, cv in stations]}],
        "calendar": {"shifts": [{"name": "all", "start": "00:00", "end": "24:00",
                                 "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]}]},
        "energy": {"base_price": 0.1},
    })


def poisson_orders(rate: float, hours: float, seed: int, product: str = "A") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.exponential(1 / rate, int(rate * hours * 1.2) + 50))
    t = t[t < hours]
    rel = T0 + pd.to_timedelta(t, unit="h")
    return pd.DataFrame({"order_id": [f"o{i}" for i in range(len(t))], "product": product,
                         "quantity": 1, "release": rel, "due": rel + pd.Timedelta(days=30)})


NO_FAILURES = {"S1": 0.0, "S21": 0.0}


def ci(x: np.ndarray, level: float = 0.99) -> tuple[float, float]:
    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return x.mean() - half, x.mean() + half


@pytest.mark.parametrize(("cv", "expected"), [(1.0, 5.0), (0.0, 3.0)])
def test_single_station_matches_queueing_theory(cv, expected):
    # lambda = 0.8/h, mu = 1/h. M/M/1: W = 1 / (mu - lambda) = 5 h. M/D/1: W = 1/mu +
    # rho / (2 mu (1 - rho)) = 1 + 2 = 3 h. 99% interval over 20 replications (one seed).
    # Each replication its own Poisson arrivals (orders) and service times.
    spec = line([("S", 1, 1.0, cv)])
    runs = [simulate(spec, poisson_orders(0.8, 4000, seed=r), horizon=4000, t0=T0,
                     replications=1, seed=100 + r, warmup=400, failure_rate={"S1": 0.0})
            for r in range(20)]
    flow = np.array([float(r.ds["flow_time"][0]) for r in runs])
    lo, hi = ci(flow)
    assert lo < expected < hi
    # Little's law in the long run: L = lambda x W, lambda the throughput (within 2%)
    for r in runs:
        ds = r.ds.isel(replication=0)
        assert float(ds["wip"]) == pytest.approx(float(ds["throughput"] * ds["flow_time"]),
                                                 rel=0.02)


def test_littles_law_holds_exactly_on_the_demo_line():
    # integral of WIP over the window = sum of the units' time in it, every replication
    plant = load_plant()
    res = simulate(plant.spec, plant.orders, replications=5, seed=3)
    span = float(res.ds.attrs["working_hours"])
    np.testing.assert_allclose(res.ds["wip"] * span, res.ds["time_in_system"], rtol=1e-9)


def tandem_throughput(mu1: float, mu2: float, buffer: int) -> float:
    """Exact throughput of two exponential stations, blocking after service: a birth-death
    chain on k = units at station 2 plus the one blocked at station 1 (k = 0 .. B + 2)."""
    n = buffer + 3
    q = np.zeros((n, n))
    for k in range(n - 1):
        q[k, k + 1] = mu1
        q[k + 1, k] = mu2
    q -= np.diag(q.sum(axis=1))
    a = np.vstack([q.T, np.ones(n)])
    pi = np.linalg.lstsq(a, np.concatenate([np.zeros(n), [1.0]]), rcond=None)[0]
    return mu2 * (1 - pi[0])


@pytest.mark.parametrize(("mu1", "mu2", "buffer"), [(1.0, 1.0, 0), (1.0, 1.0, 2),
                                                    (1.2, 1.0, 1)])
def test_two_stations_with_a_buffer_match_the_markov_chain(mu1, mu2, buffer):
    spec = line([("S", 1, 1 / mu1, 1.0), ("T", 1, 1 / mu2, 1.0)], buffers={"T": buffer})
    orders = pd.DataFrame({"order_id": ["all"], "product": "A", "quantity": 5000,
                           "release": T0, "due": T0 + pd.Timedelta(days=400)})
    res = simulate(spec, orders, horizon=2500, t0=T0, replications=12, seed=11,
                   warmup=100, failure_rate={"S1": 0.0, "T1": 0.0})
    exact = tandem_throughput(mu1, mu2, buffer)
    lo, hi = ci(res.ds["throughput"].values / (1 - 0.0))
    assert lo < exact < hi, (exact, lo, hi)
    # blocking appears exactly when the buffer is finite and station 1 is not slower
    assert float(res.ds["blocked"].sel(station="S").mean()) > 0


def test_conservation_in_every_replication_of_the_demo_line():
    plant = load_plant()
    down = pd.DataFrame({"machine": ["WELD2"], "start": [pd.Timestamp("2026-01-06 06:00")],
                         "end": [pd.Timestamp("2026-01-07 14:00")]})
    res = simulate(plant.spec, plant.orders, replications=30, seed=5, downtime=down,
                   failure_rate={m: 0.02 for m in plant.spec.machines})
    ds = res.ds
    np.testing.assert_array_equal(ds["units_started"], ds["units_finished"]
                                  + ds["units_scrapped"] + ds["wip_end"])
    assert int(ds["failures"].sum()) > 0 and int(ds["units_scrapped"].sum()) > 0
    for v in ("oee", "availability", "performance", "utilization"):
        assert float(ds[v].min()) >= 0 and float(ds[v].max()) <= 1 + 1e-9, v
        assert ds[v].attrs["units"] == "1"
    # Tue 06:00 to Wed 14:00 is 16 + 8 working hours (two shifts from 06:00 to 22:00)
    assert float(ds["maintenance"].sel(machine="WELD2").mean()) == pytest.approx(24.0)


def test_seeds_reproduce_and_streams_differ():
    plant = load_plant()
    a = simulate(plant.spec, plant.orders, replications=4, seed=1)
    b = simulate(plant.spec, plant.orders, replications=4, seed=1)
    c = simulate(plant.spec, plant.orders, replications=4, seed=2)
    for v in ("throughput", "flow_time", "energy_cost", "busy"):
        np.testing.assert_array_equal(a.ds[v], b.ds[v])
    assert not np.array_equal(a.ds["flow_time"], c.ds["flow_time"])
    x = a.ds["flow_time"].values
    assert len(set(np.round(x, 9))) == len(x)  # each replication its own stream


def test_event_log_respects_downtime_setups_and_capacity():
    plant = load_plant()
    down = pd.DataFrame({"machine": ["PRESS1"], "start": [pd.Timestamp("2026-01-06 06:00")],
                         "end": [pd.Timestamp("2026-01-06 22:00")]})
    res = simulate(plant.spec, plant.orders, replications=1, seed=2, downtime=down,
                   event_log=True, failure_rate={m: 0.0 for m in plant.spec.machines})
    log = res.event_log
    assert len(log) > 1000
    p1 = log[log["machine"] == "PRESS1"]
    a, b = down["start"][0], down["end"][0]
    assert not ((p1["start"] >= a) & (p1["start"] < b)).any()  # nothing starts inside
    across = p1[(p1["start"] < a) & (p1["end"] > a)]  # paused by the window, then resumed
    assert ((across["end"] - across["start"]) > (b - a)).all()
    # one operation at a time per machine
    for _, g in log.groupby("machine"):
        g = g.sort_values("start")
        assert (g["start"].values[1:] >= g["end"].values[:-1]).all()
    # a setup exactly when the family changes on a machine
    fam = {p.name: p.family for p in plant.spec.products}
    prod = plant.orders.set_index("order_id")["product"]
    for _, g in log.groupby("machine"):
        f = g.sort_values("start")["order"].map(prod).map(fam).values
        changed = np.concatenate([[False], f[1:] != f[:-1]])
        assert ((g.sort_values("start")["setup"].values > 0) == changed).all()


def test_schedule_is_replayed():
    plant = load_plant()
    orders = plant.orders.head(4)
    rows = []
    for i, o in orders.reset_index(drop=True).iterrows():
        route = plant.spec.product_map[o["product"]].routing
        for k, step in enumerate(route):
            mach = plant.spec.station_map[step.station].machine_ids[-1]
            rows.append({"order": o["order_id"], "product": o["product"], "step": k,
                         "station": step.station, "machine": mach, "quantity": o["quantity"],
                         "setup": 0.0, "start": 30.0 + 40 * i + 4 * k, "end": 0.0})
    sched = pd.DataFrame(rows)
    sched.attrs["t0"] = pd.Timestamp("2026-01-05")
    res = simulate(plant.spec, orders, replications=1, seed=1, schedule=sched,
                   event_log=True, horizon=24 * 14)
    log = res.event_log
    # each lot runs on its planned machine; an idle sibling machine of the same station
    # may help with a lot that is already due, never a machine of another station
    planned = sched.set_index(["order", "step"])["machine"]
    plan_m = planned.loc[list(zip(log["order"], log["step"], strict=True))].to_numpy()
    station = plant.spec.machine_station
    assert [station[m] for m in log["machine"]] == [station[m] for m in plan_m]
    assert (log["machine"].to_numpy() == plan_m).mean() > 0.5
    # nothing starts before its scheduled start (wall clock, setup included)
    start = sched.set_index(["order", "step"])["start"]
    first = log.groupby(["order", "step"])["start"].min()
    earliest = pd.Timestamp("2026-01-05") + pd.to_timedelta(start.loc[first.index], unit="h")
    assert (first.values >= earliest.values - pd.Timedelta(seconds=1)).all()
    # by sequence, the lots start as soon as they can: the first ones before their targets
    seq = simulate(plant.spec, orders, replications=1, seed=1, schedule=sched, event_log=True,
                   horizon=24 * 14, timing="sequence").event_log
    first_seq = seq.groupby(["order", "step"])["start"].min()
    assert (first_seq.values < earliest.values - pd.Timedelta(hours=1)).any()
    with pytest.raises(ValueError, match="unknown timing"):
        simulate(plant.spec, orders, schedule=sched, timing="asap")
    # on each machine, its own planned operations come in the schedule's order
    log = log[log["machine"].to_numpy() == plan_m]
    for m, g in log.groupby("machine"):
        seq = list(dict.fromkeys(zip(g.sort_values("start")["order"],
                                     g.sort_values("start")["step"], strict=True)))
        planned = list(sched[sched["machine"] == m].sort_values("start")[["order", "step"]]
                       .itertuples(index=False, name=None))
        assert seq == [x for x in planned if x in seq]


def test_bottleneck_detection_sole_and_shifting():
    # S is twice as slow as T: S is the sole bottleneck most of the time
    spec = line([("S", 1, 1.0, 0.5), ("T", 1, 0.5, 0.5)])
    orders = pd.DataFrame({"order_id": ["all"], "product": "A", "quantity": 3000,
                           "release": T0, "due": T0 + pd.Timedelta(days=400)})
    res = simulate(spec, orders, horizon=300, t0=T0, replications=5, seed=1,
                   failure_rate={"S1": 0.0, "T1": 0.0})
    b = res.bottlenecks().set_index("station")
    assert b.loc["S", "sole"] > 0.9 and b.loc["T", "sole"] < 0.05
    # equal stations with random times and a buffer: the bottleneck shifts between them
    spec = line([("S", 1, 1.0, 1.0), ("T", 1, 1.0, 1.0)], buffers={"T": 3})
    res = simulate(spec, orders, horizon=300, t0=T0, replications=5, seed=1,
                   failure_rate={"S1": 0.0, "T1": 0.0})
    b = res.bottlenecks().set_index("station")
    assert b["shifting"].min() > 0.2


def test_bad_input_is_explained():
    plant = load_plant()
    with pytest.raises(ValueError, match=r"unknown rule 'LIFO'; allowed: \['EDD', 'FIFO'"):
        simulate(plant.spec, plant.orders, rule="LIFO")
    with pytest.raises(ValueError, match="horizon must be positive"):
        simulate(plant.spec, plant.orders, horizon=-5)
    sched = pd.DataFrame({"order": ["O0001"], "step": [0], "machine": ["LASER9"],
                          "start": [0.0]})
    with pytest.raises(ValueError, match=r"unknown machine\(s\) \['LASER9'\] in the schedule"):
        simulate(plant.spec, plant.orders, schedule=sched)
    with pytest.raises(ValueError, match=r"unknown machine\(s\) \['X'\] in failure_rate"):
        simulate(plant.spec, plant.orders, failure_rate={"X": 0.1})


def test_replications_needed_and_warmup():
    rng = np.random.default_rng(0)
    pilot = rng.normal(100, 10, 10)
    n = replications_needed(pilot, rel_half_width=0.01)
    # n ~ (t sd / (0.01 mean))^2 ~ (1.96 x 10 / 1)^2 ~ 385 (the pilot's sd varies)
    assert 200 < n < 700
    assert replications_needed(pilot, rel_half_width=0.5) == len(pilot)
    series = np.concatenate([np.linspace(0, 10, 50), np.full(450, 10.0)
                             + rng.normal(0, 0.5, 450)])
    assert 30 <= warmup_mser(series) <= 80


def _spec_dist(dist: str, mean: float, cv: float):
    """The scipy distribution a ``ProcessingTime`` of this family, mean and cv describes."""
    if dist == "exponential":
        return stats.expon(scale=mean)
    if dist == "lognormal":
        s = np.sqrt(np.log1p(cv**2))
        return stats.lognorm(s, scale=mean * np.exp(-s**2 / 2))
    if dist == "normal":
        return stats.truncnorm(-1 / cv, np.inf, loc=mean, scale=cv * mean)
    return stats.gamma(1 / cv**2, scale=mean * cv**2)


@pytest.mark.parametrize(("dist", "cv"), [("lognormal", 1.0), ("gamma", 1.0),
                                          ("normal", 0.6), ("exponential", 1.0)])
def test_processing_times_follow_the_spec_distribution(dist, cv):
    spec = line([("S", 1, 1.0, cv)], dist=dist)
    res = simulate(spec, poisson_orders(0.5, 6000, seed=3), horizon=6000, t0=T0,
                   replications=1, seed=4, failure_rate={"S1": 0.0}, event_log=True)
    log = res.event_log
    times = ((log["end"] - log["start"]) / pd.Timedelta(hours=1)).to_numpy()
    assert len(times) > 2500 and (times > 0).all()
    assert stats.kstest(times, _spec_dist(dist, 1.0, cv).cdf).pvalue > 0.001
    if dist == "lognormal":  # and not the gamma of the same mean and cv
        assert stats.kstest(times, _spec_dist("gamma", 1.0, cv).cdf).pvalue < 0.001
