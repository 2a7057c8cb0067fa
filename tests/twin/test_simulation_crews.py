"""Crews in the line simulation: operators as a shared resource, against queueing theory
and hand-worked examples (rules in :mod:`twinbench.twin.sim_crews`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_simulation_theory import erlang_c_wait, interval  # the theory tests' helpers

from twinbench.data.plant import load_plant
from twinbench.spec import LineSpec
from twinbench.twin.simulation import simulate

T0 = pd.Timestamp("2026-01-05")  # a Monday
WEEK = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
ALL_DAY = [{"name": "all", "start": "00:00", "end": "24:00", "days": WEEK}]
TWO_SHIFTS = [{"name": "day", "start": "06:00", "end": "14:00", "days": WEEK},
              {"name": "late", "start": "14:00", "end": "22:00", "days": WEEK}]


def spec_of(machines: int, mean: float, cv: float, crews: list[dict],
            shifts: list[dict] | None = None) -> LineSpec:
    """One station S of ``machines`` machines, product A of one step (exponential for cv
    1, fixed for cv 0), the given crews and shifts (default: 24/7)."""
    dist = {1.0: "exponential", 0.0: "fixed"}[cv]
    return LineSpec.model_validate({
        "name": "crews",
        "machine_types": [{"name": "mt", "wear_rate_ref": 1e-4, "hazard_base": 1e-4,
                           "repair_mean": 2.0, "repair_cv": 0.5}],
        "stations": [{"name": "S", "machines": machines, "machine_type": "mt",
                      "idle_power": 1, "busy_power": 10}],
        "products": [{"name": "A", "family": "F", "routing": [
            {"station": "S", "time": {"mean": mean, "cv": cv, "dist": dist}}]}],
        "calendar": {"shifts": shifts or ALL_DAY},
        "crews": crews,
        "energy": {"base_price": 0.1},
    })


def batch_orders(n: int) -> pd.DataFrame:
    """One order of ``n`` units of A, released at T0."""
    return pd.DataFrame({"order_id": ["o"], "product": ["A"], "quantity": [n],
                         "release": [T0], "due": [T0 + pd.Timedelta(days=30)]})


def poisson_orders(rate: float, hours: float, seed: int) -> pd.DataFrame:
    """Single-unit orders of A arriving as a Poisson process [1/h]."""
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.exponential(1 / rate, int(rate * hours * 1.2) + 50))
    t = t[t < hours]
    rel = T0 + pd.to_timedelta(t, unit="h")
    return pd.DataFrame({"order_id": [f"o{i}" for i in range(len(t))], "product": "A",
                         "quantity": 1, "release": rel, "due": rel + pd.Timedelta(days=30)})


def erlang_c_queue_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in the queue of an M/M/c system, Wq [h]: the theory tests' time in the
    system less the service time."""
    return erlang_c_wait(lam, mu, c) - 1 / mu


NONE = {"S1": 0.0, "S2": 0.0, "S3": 0.0}


@pytest.mark.parametrize(("operators", "lam"), [(1, 0.8), (3, 2.1)])
def test_machines_sharing_operators_queue_as_m_m_operators(operators, lam):
    # 3 machines, exponential service mu = 1/h, Poisson arrivals. The operator attends a
    # machine for the whole processing time, so with 1 operator the station is an M/M/1
    # (Wq = rho / (mu - lam) = 4 h at rho 0.8) and with 3 an M/M/3 (Wq = 0.49 h at rho
    # 0.7). 20 replications, each its own arrivals and seed: 99% interval of Wq.
    spec = spec_of(3, 1.0, 1.0, [{"name": "C", "stations": ["S"], "operators": operators}])
    runs = [simulate(spec, poisson_orders(lam, 3000, seed=r), horizon=3000, t0=T0,
                     replications=1, seed=70 + r, warmup=300, failure_rate=NONE).ds
            for r in range(20)]
    wq = np.array([float(ds["flow_time"][0]) - 1.0 for ds in runs])
    lo, hi = interval(wq)
    exact = erlang_c_queue_wait(lam, 1.0, operators)
    assert lo < exact < hi, (exact, lo, hi)
    # the crew tells the cases apart: 3 machines without an operator limit wait far less
    # than one operator's queue, and one operator at rho 0.7 waits far longer than three
    other = erlang_c_queue_wait(lam, 1.0, 3) if operators == 1 else \
        erlang_c_queue_wait(lam / 3, 1.0, 1)
    assert not lo < other < hi
    # operator utilisation = lam / (operators mu) (the offered load per operator)
    util = np.array([float(ds["operator_utilization"].sel(crew="C")[0]) for ds in runs])
    lo, hi = interval(util)
    assert lo < lam / operators < hi, (lo, hi)


@pytest.mark.parametrize(("operators", "makespan"), [(1, 4.0), (2, 2.0)])
def test_two_machines_four_one_hour_units_by_hand(operators, makespan):
    spec = spec_of(2, 1.0, 0.0, [{"name": "C", "stations": ["S"], "operators": operators}])
    res = simulate(spec, batch_orders(4), horizon=24, t0=T0, replications=1, seed=0,
                   event_log=True, failure_rate={"S1": 0.0, "S2": 0.0})
    ds = res.ds.isel(replication=0)
    assert float(ds["completion"].sel(order="o")) == pytest.approx(makespan)
    log = res.event_log.sort_values("start")
    start_h = ((log["start"] - T0) / pd.Timedelta(hours=1)).to_numpy()
    if operators == 1:
        np.testing.assert_allclose(start_h, [0, 1, 2, 3])
        # the machine that has waited longest gets the free operator: they alternate
        assert list(log["machine"]) == ["S1", "S2", "S1", "S2"]
        # S2 waits 0-1 and 2-3, S1 waits 1-2: 3 machine hours waiting for an operator,
        # not counted as starved; the operator attends 4 of the 24 hours on duty
        assert float(ds["operator_wait"].sel(station="S")) == pytest.approx(3.0)
        assert float(ds["crew_wait"].sel(crew="C")) == pytest.approx(3.0)
        assert float(ds["starved"].sel(station="S")) == pytest.approx(2 * 24 - 4 - 3)
        assert float(ds["operator_utilization"].sel(crew="C")) == pytest.approx(4 / 24)
    else:
        np.testing.assert_allclose(start_h, [0, 0, 1, 1])
        assert float(ds["operator_wait"].sel(station="S")) == 0.0


def test_no_unit_starts_in_a_shift_without_operators():
    # day 06-14 with one operator, late 14-22 with none: 12 one-hour units on one machine
    # run Mon 06-14 (8), nothing Mon 14-22, then Tue 06-10 (4)
    crew = {"name": "C", "stations": ["S"], "operators": 1, "per_shift": {"late": 0}}
    spec = spec_of(1, 1.0, 0.0, [crew], shifts=TWO_SHIFTS)
    res = simulate(spec, batch_orders(12), horizon=48, t0=T0, replications=1, seed=0,
                   event_log=True, failure_rate={"S1": 0.0})
    hours = res.event_log["start"].dt.hour + res.event_log["start"].dt.minute / 60
    assert len(hours) == 12
    assert not ((hours >= 14) & (hours < 22)).any()
    assert float(res.ds["completion"].sel(order="o")[0]) == pytest.approx(24 + 10)
    # and it is the crew that stops it: without it the 12 units finish Mon 18:00
    free = simulate(spec_of(1, 1.0, 0.0, [], shifts=TWO_SHIFTS), batch_orders(12),
                    horizon=48, t0=T0, replications=1, seed=0, failure_rate={"S1": 0.0})
    assert float(free.ds["completion"].sel(order="o")[0]) == pytest.approx(18)


def test_operator_utilisation_is_busy_over_on_duty_hours_by_hand():
    # 2 machines; 2 operators on the day shift, 1 on the late shift. 40 one-hour units:
    # Mon day 16, Mon late 8, Tue day 16: done Tue 14:00. Over 48 h from Mon 00:00 the
    # crew is on duty 2 x 8 + 1 x 8 + 2 x 8 + 1 x 8 = 48 operator hours and attends 40.
    crew = {"name": "C", "stations": ["S"], "operators": 2, "per_shift": {"late": 1}}
    spec = spec_of(2, 1.0, 0.0, [crew], shifts=TWO_SHIFTS)
    res = simulate(spec, batch_orders(40), horizon=48, t0=T0, replications=1, seed=0,
                   event_log=True, failure_rate={"S1": 0.0, "S2": 0.0})
    ds = res.ds.isel(replication=0)
    assert float(ds["completion"].sel(order="o")) == pytest.approx(24 + 14)
    assert float(ds["crew_on_duty"].sel(crew="C")) == pytest.approx(48.0)
    assert float(ds["crew_busy"].sel(crew="C")) == pytest.approx(40.0)
    assert float(ds["operator_utilization"].sel(crew="C")) == pytest.approx(40 / 48)
    # on the late shift one machine waits for the operator: 8 machine hours
    assert float(ds["crew_wait"].sel(crew="C")) == pytest.approx(8.0)
    # never more operations at once than operators on duty
    log = res.event_log
    late = (log["start"].dt.hour >= 14) & (log["start"].dt.hour < 22)
    assert late.sum() == 8 and log.loc[late, "start"].is_unique


def _shared(a, b) -> list[str]:
    return [v for v in a.data_vars if v in b.data_vars and not a[v].equals(b[v])]


def test_a_line_without_crews_simulates_as_before():
    plant = load_plant()
    assert not plant.spec.crews
    res = simulate(plant.spec, plant.orders, replications=200, seed=1, event_log=True)
    ds = res.ds
    assert not {"crew_busy", "operator_wait"} & set(ds.data_vars)
    # figures of the same run before crews existed (commit of issue 21, seed 1)
    assert float(ds["throughput"].mean()) == pytest.approx(31.808625000000003, rel=1e-12)
    assert float(ds["flow_time"].mean()) == pytest.approx(20.83572194053334, rel=1e-12)
    assert float(ds["energy"].mean()) == pytest.approx(14144.66854525194, rel=1e-12)
    assert float(ds["busy"].sum()) == pytest.approx(89189.72542381936, rel=1e-12)
    assert float(ds["starved"].sum()) == pytest.approx(67893.62518183952, rel=1e-12)
    assert int(ds["units_finished"].sum()) == 508938
    # and crews with an operator for every machine change nothing either
    crews = [{"name": f"c{s.name}", "stations": [s.name], "operators": len(s.machine_ids)}
             for s in plant.spec.stations]
    ample = plant.spec.model_copy(update={"crews": LineSpec.model_validate(
        {**plant.spec.model_dump(), "crews": crews}).crews})
    res2 = simulate(ample, plant.orders, replications=200, seed=1, event_log=True)
    assert _shared(ds, res2.ds) == []
    assert res.event_log.equals(res2.event_log)
    assert float(res2.ds["crew_wait"].sum()) == 0.0


def test_a_short_crew_slows_the_demo_line_and_shows_as_operator_wait():
    plant = load_plant()
    crews = [{"name": "welders", "stations": ["WELD"], "operators": 1}]
    short = LineSpec.model_validate({**plant.spec.model_dump(), "crews": crews})
    base = simulate(plant.spec, plant.orders, replications=5, seed=2)
    res = simulate(short, plant.orders, replications=5, seed=2)
    assert float(res.ds["throughput"].mean()) < float(base.ds["throughput"].mean())
    assert float(res.ds["operator_wait"].sel(station="WELD").min()) > 0
    assert float(res.ds["operator_wait"].drop_sel(station="WELD").max()) == 0.0
    # the welder attends exactly the welding machines' busy hours, one at a time
    weld = [m for m in short.machines if m.startswith("WELD")]
    np.testing.assert_allclose(res.ds["crew_busy"].sel(crew="welders"),
                               res.ds["busy"].sel(machine=weld).sum("machine"), rtol=1e-9)
    util = res.ds["operator_utilization"].sel(crew="welders").values
    assert np.all((util > 0) & (util <= 1 + 1e-9))
    # the tables: per crew, and the bottleneck screen telling operator waits apart
    tab = res.crews().set_index("crew")
    assert tab.loc["welders", "utilization"] == pytest.approx(util.mean())
    assert tab.loc["welders", "ci_low"] < util.mean() < tab.loc["welders", "ci_high"]
    assert res.bottlenecks().set_index("station").loc["WELD", "operator_wait"] > 0
    assert base.crews().empty and "operator_wait" not in base.bottlenecks()
    # conservation still holds
    ds = res.ds
    np.testing.assert_array_equal(ds["units_started"], ds["units_finished"]
                                  + ds["units_scrapped"] + ds["wip_end"])


def test_a_unit_running_at_a_shift_change_to_fewer_operators_finishes():
    # one operator on the day shift (06-14), none late: 3-hour units start Mon 06, 09, 12;
    # the third runs on to 15:00 with its operator, the fourth waits for Tue 06:00
    crew = {"name": "C", "stations": ["S"], "operators": 1, "per_shift": {"late": 0}}
    spec = spec_of(1, 3.0, 0.0, [crew], shifts=TWO_SHIFTS)
    res = simulate(spec, batch_orders(4), horizon=48, t0=T0, replications=1, seed=0,
                   event_log=True, failure_rate={"S1": 0.0})
    log = res.event_log.sort_values("start")
    start_h = ((log["start"] - T0) / pd.Timedelta(hours=1)).to_numpy()
    end_h = ((log["end"] - T0) / pd.Timedelta(hours=1)).to_numpy()
    np.testing.assert_allclose(start_h, [6, 9, 12, 30])
    np.testing.assert_allclose(end_h, [9, 12, 15, 33])
    # attended 12 h; on duty 16 h by the roster plus the hour 14-15 past the shift change
    ds = res.ds.isel(replication=0)
    assert float(ds["crew_busy"].sel(crew="C")) == pytest.approx(12.0)
    assert float(ds["crew_overtime"].sel(crew="C")) == pytest.approx(1.0)
    assert float(ds["operator_utilization"].sel(crew="C")) == pytest.approx(12 / 17)


def test_the_machine_waiting_longest_gets_the_free_operator_across_stations():
    # one operator for stations P and Q; three 1-hour units of A (route P) at 0 h, one of
    # B (route Q) at 0.5 h. At 1 h Q has waited since 0.5 h and P's machine only just
    # became free: Q goes first (by station order P would run all three first)
    spec = LineSpec.model_validate({
        "name": "two", "machine_types": [{"name": "mt", "wear_rate_ref": 1e-4,
                                          "hazard_base": 1e-4, "repair_mean": 2.0}],
        "stations": [{"name": n, "machines": 1, "machine_type": "mt", "idle_power": 1,
                      "busy_power": 10} for n in ("P", "Q")],
        "products": [{"name": p, "family": p, "routing": [
            {"station": st, "time": {"mean": 1.0, "cv": 0.0, "dist": "fixed"}}]}
            for p, st in (("A", "P"), ("B", "Q"))],
        "calendar": {"shifts": ALL_DAY},
        "crews": [{"name": "C", "stations": ["P", "Q"], "operators": 1}],
        "energy": {"base_price": 0.1}})
    orders = pd.DataFrame({"order_id": ["a", "b"], "product": ["A", "B"], "quantity": [3, 1],
                           "release": [T0, T0 + pd.Timedelta(hours=0.5)],
                           "due": [T0 + pd.Timedelta(days=3)] * 2})
    res = simulate(spec, orders, horizon=24, t0=T0, replications=1, seed=0, event_log=True,
                   failure_rate={"P1": 0.0, "Q1": 0.0})
    log = res.event_log.sort_values("start")
    assert list(log["machine"]) == ["P1", "Q1", "P1", "P1"]
    np.testing.assert_allclose((log["start"] - T0) / pd.Timedelta(hours=1), [0, 1, 2, 3])
    # Q waited 0.5-1, P 1-2: 1.5 machine hours for the crew
    ds = res.ds.isel(replication=0)
    assert float(ds["crew_wait"].sel(crew="C")) == pytest.approx(1.5)
    np.testing.assert_allclose(ds["operator_wait"].sel(station=["P", "Q"]), [1.0, 0.5])


class _FakeCache:
    def __init__(self, where):
        self._cache_path = str(where)
        self.flushed = 0

    def flush(self):
        self.flushed += 1


def test_the_compiled_loop_is_recompiled_when_a_module_it_calls_changes(tmp_path):
    # numba keys run's cache on sim_engine.py only; sim_cache.refresh_cache drops it when
    # sim_heap or sim_crews change
    from types import SimpleNamespace

    from twinbench.twin.sim_cache import refresh_cache

    src = tmp_path / "helper.py"
    src.write_text("x = 1\n")
    mod = SimpleNamespace(__file__=str(src))
    disp = SimpleNamespace(_cache=_FakeCache(tmp_path), py_func=refresh_cache)
    assert refresh_cache(disp, mod) and disp._cache.flushed == 1  # no stamp yet
    assert not refresh_cache(disp, mod) and disp._cache.flushed == 1  # unchanged
    src.write_text("x = 2\n")
    assert refresh_cache(disp, mod) and disp._cache.flushed == 2  # changed: dropped
    assert not refresh_cache(SimpleNamespace(_cache=None), mod)  # caching off


@pytest.mark.parametrize("horizon, busy, roster", [(15, 18.0, 17.0), (24, 24.0, 24.0)])
def test_overtime_past_a_shift_change_keeps_utilisation_at_most_one(horizon, busy, roster):
    # 2 machines, 3 h units; 2 operators on the day shift (06-14), 1 on the late shift.
    # Both machines start at 06, 09 and 12: the 12:00 units run to 15:00, so one operator
    # stays an hour past 14:00 to finish (overtime 1 operator hour); then one unit at a
    # time, 15-18 and 18-21. Up to 15:00 the roster has 2 x 8 + 1 x 1 = 17 operator hours
    # and the crew attends 18: on duty is roster + overtime = 18, utilisation 1, not 18/17
    crew = {"name": "C", "stations": ["S"], "operators": 2, "per_shift": {"late": 1}}
    spec = spec_of(2, 3.0, 0.0, [crew], shifts=TWO_SHIFTS)
    res = simulate(spec, batch_orders(8), horizon=horizon, t0=T0, replications=1, seed=0,
                   failure_rate={"S1": 0.0, "S2": 0.0})
    ds = res.ds.isel(replication=0).sel(crew="C")
    assert float(ds["crew_busy"]) == pytest.approx(busy)
    assert float(ds["crew_overtime"]) == pytest.approx(1.0)
    assert float(ds["crew_on_duty"]) == pytest.approx(roster + 1.0)
    assert float(ds["operator_utilization"]) == pytest.approx(busy / (roster + 1.0))
    assert float(ds["operator_utilization"]) <= 1.0
    assert res.crews()["overtime"].iloc[0] == pytest.approx(1.0)
