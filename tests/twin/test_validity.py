"""Diagnostics enforced: 4 chains, the unconverged flag carried, the planner refusing.

Guards issue 19 item 4: a fit with fewer than 4 chains, a high R-hat, a low ESS or
divergences is flagged; the default fit (2 chains, kept for the demo's run time) is
flagged for its chains; the flag travels into the failure and wear forecasts;
``week_problem`` plans from an unconverged twin with a warning, and refuses it when
``strict``. The converged twin here is the fitted one with its diagnostics set to
converged values (a 4-chain fit that converges is not available in the fast tier).
"""

from __future__ import annotations

import dataclasses

import pytest
import xarray as xr

from twinbench.pipeline.week import week_problem
from twinbench.twin.greybox import greybox_forecast
from twinbench.twin.rul import forecast_failures
from twinbench.twin.validity import (
    MIN_CHAINS,
    UnconvergedTwinError,
    UnconvergedTwinWarning,
    convergence_attrs,
    require_converged,
)


@pytest.fixture(scope="module")
def converged(sim_plant):
    twin = sim_plant.twin
    good = twin.diagnostics.assign(r_hat=twin.diagnostics["r_hat"].clip(upper=1.005),
                                   ess_bulk=twin.diagnostics["ess_bulk"].clip(lower=1000))
    return dataclasses.replace(twin, diagnostics=good,
                               options={**twin.options, "chains": 4, "divergences": 0})


@pytest.fixture(scope="module")
def unconverged(converged):
    bad = converged.diagnostics.copy()
    bad.loc[3, "r_hat"] = 1.08
    return dataclasses.replace(converged, diagnostics=bad)


@pytest.fixture(scope="module")
def wear_pair(sim_plant, converged, unconverged):
    args = (sim_plant.history, sim_plant.history_events)
    good = greybox_forecast(converged, *args, horizon_days=14, n_paths=100, seed=1)
    bad = greybox_forecast(unconverged, *args, horizon_days=14, n_paths=100, seed=1)
    return good, bad


def test_default_fit_is_flagged_for_its_two_chains(sim_plant, converged):
    twin = sim_plant.twin
    assert MIN_CHAINS == 4
    assert twin.options["chains"] == 2
    assert twin.posterior.sizes["chain"] == 2
    assert not twin.converged
    assert any("2 chains (at least 4" in p for p in twin.convergence_problems)
    assert converged.converged, converged.convergence_problems


def test_flag_names_each_reason(converged, unconverged):
    twin = converged
    two = dataclasses.replace(twin, options={**twin.options, "chains": 2})
    assert not two.converged
    assert any("2 chains" in p for p in two.convergence_problems)
    assert not unconverged.converged
    assert any("R-hat 1.080" in p for p in unconverged.convergence_problems)
    div = dataclasses.replace(twin, options={**twin.options, "divergences": 3})
    assert any("3 divergent" in p for p in div.convergence_problems)
    low = twin.diagnostics.assign(ess_bulk=twin.diagnostics["ess_bulk"].clip(upper=150))
    assert any("ESS 150" in p for p in dataclasses.replace(twin, diagnostics=low)
               .convergence_problems)


def test_forecasts_carry_the_flag(converged, unconverged, wear_pair):
    good_f = forecast_failures(converged, horizon=48, max_draws=50)
    bad_f = forecast_failures(unconverged, horizon=48, max_draws=50)
    assert good_f.attrs["twin_converged"] == 1 and bad_f.attrs["twin_converged"] == 0
    assert "R-hat" in bad_f.attrs["twin_convergence_problems"]
    good_w, bad_w = wear_pair
    assert good_w.attrs["twin_converged"] == 1 and bad_w.attrs["twin_converged"] == 0
    assert bad_w.attrs["twin_max_r_hat"] == pytest.approx(1.08)
    assert convergence_attrs(unconverged)["twin_chains"] == 4


def test_maintenance_planner_refuses_an_unconverged_twin_when_strict(demo_plant, wear_pair):
    good, bad = wear_pair
    with pytest.raises(UnconvergedTwinError, match=r"did not converge.*R-hat 1\.080.*"
                                                   r"allow_unconverged=True"):
        week_problem(demo_plant, bad, strict=True)
    # by default (the demo's way) it plans, with a warning naming the problem
    with pytest.warns(UnconvergedTwinWarning, match=r"unconverged twin.*R-hat 1\.080"):
        lenient = week_problem(demo_plant, bad)
    strict_good = week_problem(demo_plant, good, strict=True)
    assert lenient is not None and strict_good is not None


def test_require_converged_on_twins_and_unflagged_results(converged, unconverged):
    assert require_converged(converged) is True
    with pytest.raises(UnconvergedTwinError, match="did not converge"):
        require_converged(unconverged)
    assert require_converged(unconverged, allow_unconverged=True) is False
    with pytest.raises(UnconvergedTwinError, match="carries no convergence flag"):
        require_converged(xr.Dataset())


def test_maintenance_from_rul_refuses_by_default_and_carries_the_flag(demo_plant, wear_pair):
    from twinbench.optimize.schedule.problem import maintenance_from_rul

    good, bad = wear_pair
    with pytest.raises(UnconvergedTwinError, match=r"plan maintenance.*R-hat 1\.080"):
        maintenance_from_rul(demo_plant.spec, bad)
    over = maintenance_from_rul(demo_plant.spec, bad, allow_unconverged=True)
    assert over.attrs["twin_converged"] == 0
    assert "R-hat 1.080" in over.attrs["twin_convergence_problems"]
    ok = maintenance_from_rul(demo_plant.spec, good)
    assert ok.attrs["twin_converged"] == 1 and ok.attrs["twin_convergence_problems"] == ""
    # a forecast without any flag is refused too (it may come from anywhere)
    bare = good.copy()
    bare.attrs = {k: v for k, v in good.attrs.items() if not k.startswith("twin_conv")}
    with pytest.raises(UnconvergedTwinError, match="no convergence flag"):
        maintenance_from_rul(demo_plant.spec, bare)
