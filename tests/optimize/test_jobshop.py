"""Job-shop instances from the literature: parsing, integrity, and the scheduler reaching
and proving their known optima (ft06 = 55, la01 = 666, la02 = 655, la03 = 597, la04 = 590,
la05 = 593)."""

from __future__ import annotations

import pytest

from twinbench.optimize.schedule import solve_jobshop
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
    for name in names:
        inst = load_jobshop(name)
        assert inst.optimum is not None
        for job in inst.jobs:  # every job visits every machine exactly once
            assert sorted(m for m, _ in job) == list(range(inst.n_machines))
        assert inst.job_lower_bound() <= inst.optimum
        assert inst.machine_lower_bound() <= inst.optimum


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
