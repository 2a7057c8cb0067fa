"""Job-shop instances from the literature: parsing, integrity, and the scheduler reaching
and proving their known optima (ft06 = 55, la01 = 666, la02 = 655, la03 = 597, la04 = 590,
la05 = 593)."""

from __future__ import annotations

import pytest

from twinbench.optimize.schedule import solve_jobshop, solve_schedule
from twinbench.optimize.schedule.flexible import (
    fjsp_names,
    load_fjsp,
    parse_fjsp,
    problem_from_fjsp,
)
from twinbench.optimize.schedule.jobshop import (
    evaluate_sequence,
    jobshop_names,
    load_jobshop,
    parse_jobshop,
    random_jobshop,
)

OPTIMA = {"ft06": 55, "la01": 666, "la02": 655, "la03": 597, "la04": 590, "la05": 593}


@pytest.mark.parametrize("name", sorted(OPTIMA))
def test_literature_optimum_reached_and_proven(name):
    inst = load_jobshop(name)
    assert inst.optimum == OPTIMA[name]
    plan = solve_jobshop(inst, time_limit=300)
    assert plan.status == "optimal"
    assert plan.makespan == pytest.approx(OPTIMA[name])
    assert plan.lower_bound == pytest.approx(OPTIMA[name], abs=1e-3)
    assert plan.violations() == []


def test_every_shipped_instance_is_sound():
    names = jobshop_names()
    assert {"ft06", "ft10", "ft20", "la01", "la20", "orb01", "orb10"} <= set(names)
    assert {f"la{i}" for i in range(21, 41)} <= set(names)
    assert {f"ta{i:02d}" for i in range(1, 31)} <= set(names)
    for name in names:
        inst = load_jobshop(name)
        assert inst.lower is not None and inst.upper is not None
        assert inst.lower <= inst.upper
        if inst.optimum is not None:
            assert inst.lower == inst.upper == inst.optimum
        for job in inst.jobs:  # every job visits every machine exactly once
            assert sorted(m for m, _ in job) == list(range(inst.n_machines))
        # the trivial bounds never exceed the best known lower bound
        assert inst.job_lower_bound() <= inst.lower
        assert inst.machine_lower_bound() <= inst.lower
    # literature values (Taillard 1993 and later; Lawrence 1984 as closed since)
    assert load_jobshop("ta01").optimum == 1231 and load_jobshop("la29").optimum == 1152
    assert load_jobshop("ta01").n_jobs == 15 and load_jobshop("ta21").n_machines == 20


def test_brandimarte_instances_are_sound_and_solved_close_to_their_optimum():
    assert fjsp_names() == [f"mk{i:02d}" for i in range(1, 11)]
    sizes = {"mk01": (10, 6), "mk04": (15, 8), "mk06": (10, 10), "mk10": (20, 15)}
    for name in fjsp_names():
        inst = load_fjsp(name)
        assert inst.lower <= inst.upper and inst.job_lower_bound() <= inst.lower
        if name in sizes:
            assert (inst.n_jobs, inst.n_machines) == sizes[name]
    mk01 = load_fjsp("mk01")
    assert mk01.optimum == 40 and mk01.n_operations == 55
    s = solve_schedule(problem_from_fjsp(mk01), "makespan", time_limit=10, duals=False)
    assert s.violations() == []
    assert 40 <= s.makespan <= 40 * 1.10  # within 10 % of the proven optimum in 10 s
    with pytest.raises(ValueError, match="left over"):
        parse_fjsp("1 2\n1 1 0 5 9\n", "bad")


def test_parse_errors_say_what_and_where():
    with pytest.raises(ValueError, match="no data"):
        parse_jobshop("# only a comment\n")
    with pytest.raises(ValueError, match="announces 2 jobs, found 1"):
        parse_jobshop("2 2\n0 1 1 2\n")
    with pytest.raises(ValueError, match="line 2: expected 'machine duration' pairs"):
        parse_jobshop("1 2\n0 1 1\n")
    with pytest.raises(ValueError, match=r"line 2: machines must be in 0\.\.1"):
        parse_jobshop("1 2\n0 1 5 2\n")
    with pytest.raises(ValueError, match="line 1: expected 'n_jobs n_machines'"):
        parse_jobshop("two jobs\n")
    with pytest.raises(ValueError, match="unknown job-shop instance 'ft99'"):
        load_jobshop("ft99")


def test_random_instances_are_reproducible():
    a, b = random_jobshop(5, 4, seed=7), random_jobshop(5, 4, seed=7)
    assert a.jobs == b.jobs and a.jobs != random_jobshop(5, 4, seed=8).jobs
    assert a.n_operations == 20


def test_evaluate_sequence_by_hand():
    # J0: M0 3 then M1 2; J1: M1 4 then M0 1
    inst = parse_jobshop("2 2\n0 3 1 2\n1 4 0 1\n", "tiny")
    starts, makespan = evaluate_sequence(inst, [[(0, 0), (1, 1)], [(1, 0), (0, 1)]])
    # M0: J0 [0,3], J1 step 1 after max(3, J1 step 0 end 4) = 4 -> 5
    # M1: J1 [0,4], J0 step 1 after max(4, 3) -> [4, 6]
    assert starts == {(0, 0): 0, (1, 0): 0, (1, 1): 4, (0, 1): 4}
    assert makespan == 6
    with pytest.raises(ValueError, match="cycle"):
        evaluate_sequence(inst, [[(1, 1), (0, 0)], [(0, 1), (1, 0)]])
