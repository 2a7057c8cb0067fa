"""Calibration: diagnostics are reported, and true parameters are recovered.

Recovery rule: on telemetry simulated from the demo spec's physics with a fresh seed, the
true value of each recovered parameter (reference wear rate, load exponent and activation
energy per machine type, wear rate per machine, hazard level and wear slope per type: 42
values) lies inside its central 90% credible interval for at least 75% of the parameters
in every seed, and for at least 80% pooled over seeds (slow tier). With calibrated
intervals the expected share is 90%; the margins allow for the few-failure hazard
parameters and for the finite number of parameters.

Coverage alone cannot fail for a sampler that learned nothing (the prior's intervals hold
every truth), so the fast check also demands contraction: at least half the parameters
have a posterior variance under half their prior variance
(:func:`twinbench.twin.sbc.recovery_check`); the prior itself must fail that check.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from twinbench.data.demo import simulate_plant
from twinbench.twin.calibrate import SAMPLERS, calibrate, prepare
from twinbench.twin.sbc import prior_twin, recovery_check


def recovery(twin, spec, truth: dict) -> pd.DataFrame:
    """Per parameter: true value, 90% interval and whether the interval holds the truth."""
    rows = []
    for name in ("wear_rate_ref", "load_exponent", "activation_energy", "hazard_base",
                 "hazard_wear"):
        iv = twin.interval(name)
        for mt in spec.machine_types:
            sel = iv.sel(machine_type=mt.name)
            rows.append((f"{name}[{mt.name}]", getattr(mt, name), float(sel["lower"]),
                         float(sel["upper"])))
    iv = twin.interval("machine_wear_rate")
    for m in spec.machines:
        true = spec.physics_of(m).wear_rate_ref * truth["wear_multiplier"][m]
        sel = iv.sel(machine=m)
        rows.append((f"machine_wear_rate[{m}]", true, float(sel["lower"]),
                     float(sel["upper"])))
    df = pd.DataFrame(rows, columns=["parameter", "true", "q05", "q95"])
    df["inside"] = (df["true"] >= df["q05"]) & (df["true"] <= df["q95"])
    return df


def truth_table(spec, truth: dict) -> pd.DataFrame:
    """The 42 true values as ``parameter, index, true`` rows for ``recovery_check``."""
    rows = [(name, mt.name, getattr(mt, name)) for name in (
        "wear_rate_ref", "load_exponent", "activation_energy", "hazard_base", "hazard_wear")
        for mt in spec.machine_types]
    rows += [("machine_wear_rate", m, spec.physics_of(m).wear_rate_ref
              * truth["wear_multiplier"][m]) for m in spec.machines]
    return pd.DataFrame(rows, columns=["parameter", "index", "true"])


@pytest.fixture(scope="module")
def fitted(sim_plant):
    return sim_plant.twin, sim_plant.truth


@pytest.fixture(scope="module")
def prior(sim_plant):
    return prior_twin(sim_plant.twin, draws=1000, seed=3)


def test_recovery_one_seed(fitted, prior, demo_spec):
    twin, truth = fitted
    rec = recovery(twin, demo_spec, truth)
    assert len(rec) == 42
    assert rec["inside"].mean() >= 0.75, rec[~rec["inside"]].to_string()
    ok, table = recovery_check(twin, prior, truth_table(demo_spec, truth))
    assert ok, table.to_string()
    # the wear rates are what the data identify best: each far narrower than its prior
    rates = table[table["parameter"].str.startswith("machine_wear_rate")]
    assert (rates["contraction"] > 0.9).all(), rates.to_string()


def test_recovery_check_rejects_a_sampler_that_returns_the_prior(prior, fitted, demo_spec):
    _, truth = fitted
    ok, table = recovery_check(prior, prior_twin(prior, draws=1000, seed=4),
                               truth_table(demo_spec, truth))
    # the prior's intervals hold (nearly) every truth: coverage alone would pass it ...
    assert table["inside"].mean() >= 0.75, table.to_string()
    # ... but it has not contracted, so the check fails
    assert not ok
    assert (table["contraction"].abs() < 0.3).mean() > 0.9, table.to_string()


def test_diagnostics_reported_and_checked(fitted):
    twin, _ = fitted
    d = twin.diagnostics
    assert {"parameter", "r_hat", "ess_bulk", "ess_tail"} <= set(d.columns)
    assert len(d) >= 42
    assert np.isfinite(d[["r_hat", "ess_bulk"]].to_numpy()).all()
    # the sampler's own statistics are carried, not hidden
    assert twin.options["sampler"] == "nutpie"
    assert twin.divergences == 0
    # a short 2-chain fit for the tests: it mixes, but is flagged, and says why
    assert d["r_hat"].max() < 1.05, d.sort_values("r_hat").tail().to_string()
    assert d["ess_bulk"].min() > 50, d.sort_values("ess_bulk").head().to_string()
    assert not twin.converged
    assert any("2 chains" in p for p in twin.convergence_problems), twin.convergence_problems
    summary = twin.summary()
    assert {"mean", "q05", "q95", "r_hat"} <= set(summary.columns)
    assert (summary["q05"] <= summary["mean"]).all() and (summary["mean"] <= summary["q95"]).all()


def test_posterior_has_units_and_dims(fitted):
    twin, _ = fitted
    post = twin.posterior
    for name in twin.PARAMETERS:
        assert "units" in post[name].attrs, name
        assert post[name].dims[:2] == ("chain", "draw")
    assert post["machine_wear_rate"].dims[2] == "machine"
    assert post["wear_now"].sizes["machine"] == 12


def test_converged_flag_follows_diagnostics(fitted):
    twin, _ = fitted
    bad = twin.diagnostics.copy()
    bad.loc[0, "r_hat"] = 1.2
    import dataclasses

    broken = dataclasses.replace(twin, diagnostics=bad)
    assert not broken.converged


def test_unknown_sampler_is_named(demo_spec, demo_plant):
    with pytest.raises(ValueError, match=r"unknown sampler 'stan'.*nutpie"):
        calibrate(demo_spec, demo_plant.telemetry, demo_plant.events, sampler="stan")
    assert "pymc" in SAMPLERS


def test_prepare_leaves_out_event_days_and_masked_hours(demo_spec, demo_plant):
    tele = demo_plant.telemetry.copy(deep=True)
    first_machine = demo_spec.machines[0]
    i = list(tele["machine"].values).index(first_machine)
    tele["load"][i, 100:130] = np.nan
    data = prepare(demo_spec, tele, demo_plant.events)
    m0 = data.obs_machine == 0
    # days 4 and 5 hold the masked hours 100..129
    assert not np.isin([4, 5], data.obs_day[m0]).any()
    ev = demo_plant.events
    first = ev[ev["machine"] == demo_spec.machines[0]]["start"].iloc[0]
    day = (first - data.hours[0]) // pd.Timedelta(days=1)
    assert day not in set(data.obs_day[m0].tolist())
    assert len(data.fail_wear) == (ev["kind"] == "failure").sum()


@pytest.mark.slow
def test_recovery_across_seeds(demo_spec):
    shares = []
    for seed in (21, 22, 23):
        tele, events, truth = simulate_plant(demo_spec, seed=seed, days=365)
        twin = calibrate(demo_spec, tele, events, seed=seed)
        rec = recovery(twin, demo_spec, truth)
        assert rec["inside"].mean() >= 0.75, (seed, rec[~rec["inside"]].to_string())
        shares.append(rec["inside"].mean())
    assert np.mean(shares) >= 0.8, shares


@pytest.mark.slow
def test_samplers_agree(demo_spec):
    tele, events, _ = simulate_plant(demo_spec, seed=31, days=180)
    a = calibrate(demo_spec, tele, events, sampler="nutpie", draws=500, seed=1)
    b = calibrate(demo_spec, tele, events, sampler="pymc", draws=500, seed=1)
    for name in ("load_exponent", "activation_energy", "machine_wear_rate", "hazard_wear"):
        pa, pb = a.posterior[name], b.posterior[name]
        sd = np.sqrt((pa.var(("chain", "draw")) + pb.var(("chain", "draw"))) / 2)
        diff = abs(pa.mean(("chain", "draw")) - pb.mean(("chain", "draw"))) / sd
        # means differ by less than 0.3 posterior sd (Monte Carlo error at ESS ~ 300
        # is about 0.06 sd per sampler)
        assert float(diff.max()) < 0.3, (name, diff.values)
