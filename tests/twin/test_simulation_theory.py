"""The line simulation against analytic values: M/M/c waiting times, availability under
failures, setups, dispatching order, OEE and Roser's active-period bottleneck."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from twinbench.spec import LineSpec
from twinbench.twin.sim_bottleneck import active_periods, roser_bottlenecks
from twinbench.twin.simulation import simulate

T0 = pd.Timestamp("2026-01-05")
WEEK = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def spec_of(stations: list[tuple[str, int]], products: dict[str, tuple[str, list]],
            setup: float = 0.0, repair_mean: float = 2.0, repair_cv: float = 0.5,
            buffers: dict[str, int] | None = None) -> LineSpec:
    """A 24/7 line: ``stations`` (name, machines); ``products`` name -> (family, routing of
    (station, mean [h], cv))."""
    def time(m: float, cv: float) -> dict:
        return {"mean": m, "cv": cv, "dist": {1.0: "exponential", 0.0: "fixed"}.get(
            cv, "gamma")}

    return LineSpec.model_validate({
        "name": "theory",
        "machine_types": [{"name": "mt", "wear_rate_ref": 1e-4, "hazard_base": 1e-4,
                           "repair_mean": repair_mean, "repair_cv": repair_cv}],
        "stations": [{"name": n, "machines": k, "machine_type": "mt", "idle_power": 1,
                      "busy_power": 10, "default_setup": setup} for n, k in stations],
        "buffers": [{"station": s, "capacity": c} for s, c in (buffers or {}).items()],
        "products": [{"name": p, "family": f, "routing": [
            {"station": s, "time": time(m, cv)} for s, m, cv in route]}
            for p, (f, route) in products.items()],
        "calendar": {"shifts": [{"name": "all", "start": "00:00", "end": "24:00",
                                 "days": WEEK}]},
        "energy": {"base_price": 0.1},
    })


def orders_of(rows: list[tuple[str, str, int, float, float]]) -> pd.DataFrame:
    """Orders (id, product, quantity, release [h from T0], due [h from T0])."""
    df = pd.DataFrame(rows, columns=["order_id", "product", "quantity", "release", "due"])
    df["release"] = T0 + pd.to_timedelta(df["release"], unit="h")
    df["due"] = T0 + pd.to_timedelta(df["due"], unit="h")
    return df


def poisson_orders(rate: float, hours: float, seed: int) -> pd.DataFrame:
    """Single-unit orders of product A arriving as a Poisson process [1/h]."""
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.exponential(1 / rate, int(rate * hours * 1.2) + 50))
    t = t[t < hours]
    return orders_of([(f"o{i}", "A", 1, float(x), float(x) + 720.0) for i, x in enumerate(t)])


def interval(x: np.ndarray, level: float = 0.99) -> tuple[float, float]:
    """The t interval of the mean of ``x``."""
    half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return x.mean() - half, x.mean() + half


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean time in an M/M/c system [h]: Erlang C waiting time plus service."""
    a, rho = lam / mu, lam / (c * mu)
    tail = a**c / (math.factorial(c) * (1 - rho))
    p_wait = tail / (sum(a**k / math.factorial(k) for k in range(c)) + tail)
    return p_wait / (c * mu - lam) + 1 / mu


@pytest.mark.parametrize(("c", "lam"), [(2, 1.6), (3, 2.1)])
def test_parallel_machines_match_erlang_c(c, lam):
    # c machines of one station, exponential service mu = 1/h, Poisson arrivals lam:
    # W = C(c, a) / (c mu - lam) + 1 / mu (2.78 h for c=2, rho 0.8; 1.49 h for c=3, rho 0.7)
    spec = spec_of([("S", c)], {"A": ("F", [("S", 1.0, 1.0)])})
    none = {f"S{k}": 0.0 for k in range(1, c + 1)}
    flow = np.array([float(simulate(spec, poisson_orders(lam, 3000, seed=r), horizon=3000,
                                    t0=T0, replications=1, seed=50 + r, warmup=300,
                                    failure_rate=none).ds["flow_time"][0])
                     for r in range(20)])
    lo, hi = interval(flow)
    assert lo < erlang_c_wait(lam, 1.0, c) < hi, (erlang_c_wait(lam, 1.0, c), lo, hi)
    # a single server of the same load waits clearly longer: the test tells c apart
    assert erlang_c_wait(lam / c, 1.0, 1) > hi


def test_availability_under_failures_is_mtbf_over_mtbf_plus_mttr():
    # a machine that never runs out of work fails every 10 busy hours on average (rate
    # 0.1/h) and takes 2 h to repair: availability = MTBF / (MTBF + MTTR) = 10 / 12
    spec = spec_of([("S", 1)], {"A": ("F", [("S", 0.5, 0.0)])})
    orders = orders_of([("all", "A", 20_000, 0.0, 9000.0)])
    res = simulate(spec, orders, horizon=3000, t0=T0, replications=12, seed=7,
                   failure_rate={"S1": 0.1})
    avail = res.ds["availability"].sel(station="S").values
    lo, hi = interval(avail)
    assert lo < 10 / 12 < hi, (lo, hi)
    # failures per busy hour: a Poisson count with the spec's rate
    n = int(res.ds["failures"].sum())
    busy = float(res.ds["busy"].sum())
    lo, hi = stats.poisson.interval(0.99, 0.1 * busy)
    assert lo <= n <= hi
    # repairs last the spec's mean
    assert float(res.ds["repair"].sum()) / n == pytest.approx(2.0, rel=0.05)


def test_setups_are_counted_once_per_family_change():
    # one machine, fixed times; orders A, B, B, A, C released 1 h apart in that order.
    # Families F, G, G, F, H: changes at orders 2, 4 and 5 -> 3 setups of 0.25 h. The first
    # operation has no setup (the machine starts set up for whatever comes first)
    spec = spec_of([("S", 1)], {"A": ("F", [("S", 0.5, 0.0)]),
                                "B": ("G", [("S", 0.5, 0.0)]),
                                "C": ("H", [("S", 0.5, 0.0)])}, setup=0.25)
    seq = ["A", "B", "B", "A", "C"]
    orders = orders_of([(f"o{i}", p, 1, float(i), 100.0) for i, p in enumerate(seq)])
    res = simulate(spec, orders, horizon=50, t0=T0, replications=1, seed=1,
                   failure_rate={"S1": 0.0}, event_log=True)
    log = res.event_log.sort_values("start")
    assert list(log["setup"]) == [0.0, 0.25, 0.0, 0.25, 0.25]
    assert float(res.ds["setup"].sum()) == pytest.approx(0.75)
    # the setup runs at the start of the operation: start -> end is setup + processing
    took = ((log["end"] - log["start"]) / pd.Timedelta(hours=1)).to_numpy()
    np.testing.assert_allclose(took, 0.5 + log["setup"].to_numpy())
    # and lots of one family back to back need none: a quantity of 4 of A then 4 of B
    lots = orders_of([("a", "A", 4, 0.0, 100.0), ("b", "B", 4, 0.0, 100.0)])
    res = simulate(spec, lots, horizon=50, t0=T0, replications=1, seed=1,
                   failure_rate={"S1": 0.0})
    assert float(res.ds["setup"].sum()) == pytest.approx(0.25)


@pytest.mark.parametrize(("rule", "expected"), [("FIFO", ["o1", "o2", "o3"]),
                                                ("SPT", ["o2", "o3", "o1"]),
                                                ("EDD", ["o3", "o1", "o2"])])
def test_dispatching_rules_order_a_hand_made_queue(rule, expected):
    # a blocker runs 0-3 h; o1 (3 h, due 10), o2 (1 h, due 30), o3 (2 h, due 5) arrive at
    # 0.5 h, 0.6 h, 0.7 h and wait. SPT takes the shortest first, EDD the earliest due
    spec = spec_of([("S", 1)], {"P1": ("F", [("S", 3.0, 0.0)]),
                                "P2": ("F", [("S", 1.0, 0.0)]),
                                "P3": ("F", [("S", 2.0, 0.0)])})
    orders = orders_of([("o0", "P1", 1, 0.0, 50.0), ("o1", "P1", 1, 0.5, 10.0),
                        ("o2", "P2", 1, 0.6, 30.0), ("o3", "P3", 1, 0.7, 5.0)])
    res = simulate(spec, orders, horizon=20, t0=T0, replications=1, seed=1, rule=rule,
                   failure_rate={"S1": 0.0}, event_log=True)
    log = res.event_log.sort_values("start")
    assert list(log["order"]) == ["o0", *expected]
    # completion times follow from the order: back to back after the blocker
    p = {"o1": 3.0, "o2": 1.0, "o3": 2.0}
    ends = 3.0 + np.cumsum([p[o] for o in expected])
    got = ((log["end"].iloc[1:] - T0) / pd.Timedelta(hours=1)).to_numpy()
    np.testing.assert_allclose(got, ends)


def test_oee_never_exceeds_one_and_matches_its_analytic_value():
    # a machine that never idles, no failures, no setups, exponential times (mean 1 h):
    # a cycle counts its ideal time (the spec's mean) or less when faster, so
    # performance = E[min(1, T)] / E[T] = 1 - exp(-1) = 0.632; availability = quality = 1
    spec = spec_of([("S", 1)], {"A": ("F", [("S", 1.0, 1.0)])})
    orders = orders_of([("all", "A", 10_000, 0.0, 9000.0)])
    res = simulate(spec, orders, horizon=1000, t0=T0, replications=10, seed=3, warmup=10,
                   failure_rate={"S1": 0.0})
    perf = res.ds["performance"].sel(station="S").values
    lo, hi = interval(perf)
    assert lo < 1 - math.exp(-1) < hi, (lo, hi)
    oee = res.ds["oee"].values
    assert (oee <= 1.0).all() and (oee > 0).all()
    # fixed times at full speed: exactly 1; half loaded: about one half
    fixed = spec_of([("S", 1)], {"A": ("F", [("S", 1.0, 0.0)])})
    res = simulate(fixed, orders, horizon=500, t0=T0, replications=2, seed=3,
                   failure_rate={"S1": 0.0})
    np.testing.assert_allclose(res.ds["oee"].values, 1.0)
    half = orders_of([(f"o{i}", "A", 1, 2.0 * i, 9000.0) for i in range(300)])
    res = simulate(fixed, half, horizon=600, t0=T0, replications=1, seed=3,
                   failure_rate={"S1": 0.0})
    assert float(res.ds["oee"].sel(station="S")[0]) == pytest.approx(0.5, abs=0.01)


def test_roser_active_period_bottleneck_on_a_shifting_case_with_a_known_answer():
    # S -> T, fixed times, unlimited buffer. 100 units of A (S 1 h, T 0.5 h) then 100 of B
    # (S 0.5 h, T 1 h). S works without a break from 0 to 150 h (one active period of
    # 150 h); T works 0.5 h in every hour until 100 h, then without a break from 100 to
    # 200.5 h (its period of 100.5 h). Roser: S is the bottleneck until 150 h, T after;
    # their periods overlap on 100-150 h: shifting there; S sole on 0-100 h, T sole on
    # 150-200.5 h
    spec = spec_of([("S", 1), ("T", 1)], {"A": ("F", [("S", 1.0, 0.0), ("T", 0.5, 0.0)]),
                                          "B": ("F", [("S", 0.5, 0.0), ("T", 1.0, 0.0)])})
    orders = orders_of([("a", "A", 100, 0.0, 900.0), ("b", "B", 100, 0.0, 900.0)])
    res = simulate(spec, orders, horizon=300, t0=T0, replications=1, seed=1,
                   failure_rate={"S1": 0.0, "T1": 0.0}, event_log=True)
    per = active_periods(res.event_log, T0)
    s_per = per[per["machine"] == "S1"]
    assert len(s_per) == 1 and s_per["length"].iat[0] == pytest.approx(150.0)
    assert per[per["machine"] == "T1"]["length"].max() == pytest.approx(100.5)
    shares, timeline = res.active_period_bottlenecks()
    sh = shares.set_index("machine")
    span = 200.5
    assert sh.at["S1", "sole"] == pytest.approx(100.0 / span)
    assert sh.at["T1", "sole"] == pytest.approx(50.5 / span)
    assert sh.at["S1", "shifting"] == pytest.approx(50.0 / span)
    assert sh.at["T1", "shifting"] == pytest.approx(50.0 / span)
    assert sh.at["S1", "station"] == "S"
    kinds = list(zip(timeline["kind"], timeline["bottleneck"], strict=True))
    assert kinds == [("sole", "S1"), ("shifting", "S1"), ("sole", "T1")]
    assert timeline["start"].tolist() == pytest.approx([0.0, 100.0, 150.0])


def test_roser_on_hand_made_periods_and_bad_input():
    # M1 active 0-10, M2 active 2-4 and 8-12: M1 bottleneck on 0-10 (longest), M2 after;
    # the overlap of M1's period with M2's last one (8-10) is shifting; 10-12 M2 sole
    log = pd.DataFrame({"machine": ["M1", "M1", "M2", "M2"], "start": [0.0, 5.0, 2.0, 8.0],
                        "end": [5.0, 10.0, 4.0, 12.0]})
    shares, tl = roser_bottlenecks(log)
    sh = shares.set_index("machine")
    assert sh.at["M1", "sole"] == pytest.approx(8 / 12)
    assert sh.at["M2", "sole"] == pytest.approx(2 / 12)
    assert sh.at["M1", "shifting"] == sh.at["M2", "shifting"] == pytest.approx(2 / 12)
    assert tl["kind"].tolist() == ["sole", "shifting", "sole"]
    # a gap with nobody active is nobody's bottleneck
    gap = pd.DataFrame({"machine": ["M1", "M2"], "start": [0.0, 6.0], "end": [4.0, 8.0]})
    shares, tl = roser_bottlenecks(gap)
    assert tl["kind"].tolist() == ["sole", "none", "sole"]
    assert shares["sole"].sum() == pytest.approx(6 / 8)
    with pytest.raises(ValueError, match="lacks column"):
        roser_bottlenecks(pd.DataFrame({"machine": ["M1"], "start": [0.0]}))
    with pytest.raises(ValueError, match="event_log=True"):
        spec = spec_of([("S", 1)], {"A": ("F", [("S", 1.0, 0.0)])})
        simulate(spec, orders_of([("o", "A", 1, 0.0, 5.0)]), horizon=5, t0=T0,
                 replications=1, failure_rate={"S1": 0.0}).active_period_bottlenecks()


def test_setups_start_the_same_way_in_plan_and_twin():
    # S -> T, fixed times, setups of 0.5 h between families. The plan sets a machine up
    # just before an operation's start, also while the part is still on the machine
    # before (the setup needs the machine, not the part); the twin replaying the plan must
    # do the same: every setup and every operation starts when the plan says
    from twinbench.optimize.schedule import solve_schedule
    from twinbench.optimize.schedule.problem import problem_from_plant

    spec = spec_of([("S", 1), ("T", 1)],
                   {"A": ("F", [("S", 1.0, 0.0), ("T", 1.0, 0.0)]),
                    "B": ("G", [("S", 2.0, 0.0), ("T", 1.0, 0.0)])}, setup=0.5)
    orders = orders_of([(f"o{i}", p, 1, 0.0, 4.0 + 3 * i)
                        for i, p in enumerate(["A", "B", "A", "B", "A"])])
    plan = solve_schedule(problem_from_plant(spec, orders), "makespan", time_limit=5,
                          duals=False)
    table = plan.table.set_index(["job", "step"])
    assert (table["setup"] > 0).sum() >= 2
    res = simulate(spec, orders, horizon=60, t0=T0, replications=1, seed=1,
                   schedule=plan.for_simulation(), failure_rate={"S1": 0.0, "T1": 0.0},
                   event_log=True)
    log = res.event_log
    hours = (log["start"] - T0) / pd.Timedelta(hours=1)
    ops = log[log["kind"] == "operation"].assign(h=hours)
    for (job, step), r in table.iterrows():
        mine = ops[(ops["order"] == job) & (ops["step"] == step)]
        assert len(mine) == 1 and mine["machine"].iat[0] == r["machine"], (job, step, ops)
        # the twin's operation row starts with its own setup, if it did one
        began = mine["h"].iat[0] + mine["setup"].iat[0]
        assert began == pytest.approx(r["start"], abs=1e-6), (job, step)
        if r["setup"] > 0:  # set up from start - setup, with the unit there or ahead of it
            ahead = log[(log["kind"] == "setup") & (log["order"] == job)
                        & (log["step"] == step)]
            done = mine["setup"].iat[0] if not len(ahead) else float(ahead["setup"].iat[0])
            at = mine["h"].iat[0] if not len(ahead) else float(hours[ahead.index[0]])
            assert done == pytest.approx(r["setup"])
            assert at == pytest.approx(r["start"] - r["setup"], abs=1e-6), (job, step)
    assert (log["kind"] == "setup").any()  # at least one setup ran ahead of its part
    # the whole replay ends when the plan does
    assert ((log["end"].max() - T0) / pd.Timedelta(hours=1)) == pytest.approx(plan.makespan)
