"""Simulation-based calibration of the calibration model (Talts et al. 2018), slow tier.

Twenty datasets are drawn from the model's prior on the design (load, temperature,
maintenance segments, running hours) of a 45-day simulated plant; each is fitted with
4 chains. Passing means, for every parameter (Bonferroni over the parameters, 1% level):
the rank histogram (5 bins) is uniform by Pearson's chi-square test, and the 90% interval
holds the truth in a number of datasets inside the binomial range. The machines' wear
rates, which the data identify, must contract to under half their prior variance.
"""

from __future__ import annotations

import pandas as pd
import pytest

from twinbench.data.demo import simulate_plant
from twinbench.twin.calibrate import prepare
from twinbench.twin.sbc import run_sbc


@pytest.fixture(scope="module")
def design(demo_spec):
    tele, events, _ = simulate_plant(demo_spec, seed=41, days=45)
    return prepare(demo_spec, tele, events)


@pytest.mark.slow
def test_sbc_ranks_uniform_coverage_binomial_and_rates_contract(design):
    res = run_sbc(design, n_datasets=20, draws=250, tune=400, seed=2)
    summary = res.summary()
    with pd.option_context("display.width", 160):
        print(summary.to_string())
    print(f"SBC: {len(res.fit_seconds)} fits in {res.seconds:.0f} s")
    assert summary["n"].eq(20).all()
    ok, problems = res.passed()
    assert ok, problems
    rates = summary[summary["parameter"].str.startswith("log_machine_rate_typical")]
    assert len(rates) == 12
    assert (rates["contraction"] > 0.5).all(), rates.to_string()
