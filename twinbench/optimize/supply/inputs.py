"""Inputs of the supply model from the plant and the twin: capacity, demand, disruptions.

* **Capacity** [h per station and week]: machines x hours the shift calendar runs the line
  that week x availability. Availability per machine comes from the twin: one minus the
  expected repair time per running hour (failure rate implied by the failure forecast x the
  type's mean repair time) minus the planned-maintenance time per running hour seen in the
  history.
* **Demand scenarios** [unit per product, region and week]: for the weeks the demand
  forecast covers, lognormal draws matching its median and 90% interval; beyond that
  (the drivers are known 13 weeks ahead), last year's same week scaled to the forecast's
  level, with the spread of the forecast's last week. Within a scenario the standardised
  errors follow an AR(1) with ``rho`` (demand that is high this week tends to stay high),
  so that cumulative uncertainty is not understated. Regions get fixed shares.
* **Supplier scenarios** [share of due deliveries that arrive]: each week a supplier fails
  to deliver with probability ``1 - reliability``; in addition, with ``outage_probability``
  per scenario a supplier is out for ``outage_weeks`` consecutive weeks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from twinbench.data.plant import PlantData
from twinbench.optimize.supply.network import Network, load_network
from twinbench.optimize.supply.problem import SupplyProblem
from twinbench.spec import LineSpec

__all__ = ["availability", "demand_scenarios", "station_hours", "supplier_scenarios",
           "supply_problem"]

Z90 = 1.6448536269514722  # standard normal 95% quantile


def availability(spec: LineSpec, failures: xr.Dataset | None = None,
                 events: pd.DataFrame | None = None,
                 running_hours: dict[str, float] | None = None) -> dict[str, float]:
    """Share of scheduled time each machine is up [1].

    Parameters
    ----------
    failures
        :func:`twinbench.twin.rul.forecast_failures` result; its probability of failure
        over the horizon's running hours gives the failure rate. Machines it does not
        cover (or all, without it) get the spec's hazard at wear 0.3.
    events, running_hours
        History of maintenance and the machines' running hours in it, for the planned
        maintenance share.
    """
    out = {}
    known = set() if failures is None else {str(x) for x in failures["machine"].values}
    for m in spec.machines:
        mt = spec.physics_of(m)
        if m in known:
            run_h = float(failures["running"].sum())
            p_end = float(failures["failure_probability"].sel(machine=m).isel(time=-1))
            rate = -np.log1p(-min(p_end, 1 - 1e-12)) / max(run_h, 1.0)
        else:  # no forecast (or a machine added by a what-if): the spec's physics
            rate = mt.hazard_base * np.exp(mt.hazard_wear * 0.3)
        down = rate * mt.repair_mean
        if events is not None and running_hours:
            pm = events[(events["machine"] == m) & (events["kind"] == "maintenance")]
            down += len(pm) * mt.maintenance_duration / max(running_hours.get(m, 1.0), 1.0)
        out[m] = float(np.clip(1.0 - down, 0.0, 1.0))
    return out


def station_hours(spec: LineSpec, periods: pd.DatetimeIndex,
                  avail: dict[str, float] | None = None) -> xr.DataArray:
    """Available machine hours per station and week [h]."""
    rows = []
    for p in periods:
        hours = pd.date_range(p, periods=7 * 24, freq="h")
        working = float(np.sum(spec.calendar.working_mask(hours)))
        rows.append([sum(working * (avail or {}).get(m, 1.0)
                         for m in st.machine_ids) for st in spec.stations])
    return xr.DataArray(np.array(rows).T, dims=("station", "period"),
                        coords={"station": [s.name for s in spec.stations],
                                "period": periods},
                        attrs={"units": "h", "long_name": "available machine hours"})


def _medians(history: pd.DataFrame, forecast: xr.Dataset, periods: pd.DatetimeIndex
             ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Products, median demand and log-scale sd, both (product, period)."""
    products = [str(p) for p in forecast["product"].values]
    fweeks = pd.DatetimeIndex(forecast["week"].values)
    hist = history.pivot_table(index="week", columns="product", values="quantity")
    hist.index = pd.DatetimeIndex(hist.index)
    med = np.zeros((len(products), len(periods)))
    sig = np.zeros_like(med)
    for j, p in enumerate(products):
        iv = forecast["interval"].sel(product=p)
        lo, mid, hi = (np.clip(iv.isel(quantile=k).values, 1e-3, None) for k in range(3))
        s = np.maximum((np.log(hi) - np.log(lo)) / (2 * Z90), 1e-3)
        # last year's same week, scaled so that the overlapping weeks match the forecast
        ly = np.array([hist[p].asof(w - pd.Timedelta(weeks=52)) for w in periods])
        ly_f = np.array([hist[p].asof(w - pd.Timedelta(weeks=52)) for w in fweeks])
        scale = float(np.sum(mid) / max(np.sum(ly_f), 1e-9))
        for t, w in enumerate(periods):
            if w in fweeks:
                k = fweeks.get_loc(w)
                med[j, t], sig[j, t] = mid[k], s[k]
            else:
                med[j, t], sig[j, t] = scale * ly[t], s[-1]
    return products, med, sig


def demand_scenarios(history: pd.DataFrame, forecast: xr.Dataset, network: Network,
                     periods: pd.DatetimeIndex, n: int, seed: int,
                     rho: float = 0.8) -> xr.DataArray:
    """Demand scenarios, dims ``(scenario, product, region, period)`` [unit/week].

    ``forecast`` is ``DemandForecast.ds`` (``interval`` with quantiles 0.05, 0.5, 0.95).
    ``n=0`` gives the single median scenario ``"median"``.
    """
    rng = np.random.default_rng(seed)
    products, med, sig = _medians(history, forecast, periods)
    if n == 0:
        qty, names = med[None], ["median"]
    else:
        z = np.zeros((n, len(products), len(periods)))
        z[..., 0] = rng.standard_normal((n, len(products)))
        for t in range(1, len(periods)):
            z[..., t] = rho * z[..., t - 1] + np.sqrt(1 - rho**2) * rng.standard_normal(
                (n, len(products)))
        qty, names = med[None] * np.exp(sig[None] * z), [f"s{i:03d}" for i in range(n)]
    shares = np.array([network.regions[r].share for r in network.regions])
    out = qty[:, :, None, :] * shares[None, None, :, None]
    return xr.DataArray(out, dims=("scenario", "product", "region", "period"),
                        coords={"scenario": names, "product": products,
                                "region": list(network.regions), "period": periods},
                        attrs={"units": "unit/week", "seed": seed, "rho": rho})


def supplier_scenarios(spec: LineSpec, periods: pd.DatetimeIndex, n: int, seed: int,
                       outage_probability: float = 0.1, outage_weeks: int = 4
                       ) -> xr.DataArray:
    """Share of due deliveries that arrive, dims ``(scenario, supplier, period)`` [1]."""
    rng = np.random.default_rng(seed)
    names = [s.name for s in spec.suppliers]
    rel = np.array([s.reliability for s in spec.suppliers])
    share = (rng.random((n, len(names), len(periods))) < rel[None, :, None]).astype(float)
    for w in range(n):
        for k in range(len(names)):
            if rng.random() < outage_probability:
                start = rng.integers(0, max(1, len(periods) - outage_weeks))
                share[w, k, start:start + outage_weeks] = 0.0
    return xr.DataArray(share, dims=("scenario", "supplier", "period"),
                        coords={"scenario": [f"s{i:03d}" for i in range(n)],
                                "supplier": names, "period": periods},
                        attrs={"units": "1", "seed": seed})


def supply_problem(plant: PlantData, demand_forecast: xr.Dataset, *,
                   failures: xr.Dataset | None = None, network: Network | None = None,
                   weeks: int = 52, scenarios: int = 50, seed: int = 0,
                   start: pd.Timestamp | None = None,
                   spot_capacity: float | dict[str, float] | None = None,
                   spot_lead_time: float | None = None,
                   terminal_value: float | None = None) -> SupplyProblem:
    """The demo-style supply problem: ``weeks`` weekly periods, ``scenarios`` scenarios.

    ``spot_capacity`` [unit/week], ``spot_lead_time`` [d] and ``terminal_value`` [1] are
    passed to :class:`SupplyProblem` (None: the network's values, whose defaults are
    unlimited spot buys arriving next week and worthless stock at the end).

    ``scenarios=1`` gives the deterministic problem: median demand, every supplier
    delivering. Initial stocks: materials for the longest lead time plus one week of
    median demand, one week of median demand of finished goods.
    """
    spec = plant.spec
    net = network or load_network(plant.root / "network.yaml", spec)
    fweeks = pd.DatetimeIndex(demand_forecast["week"].values)
    periods = pd.date_range(start or fweeks[0], periods=weeks, freq="7D")
    running = (plant.telemetry["load"] > 0.1).sum("time").to_series().to_dict()
    avail = availability(spec, failures, plant.events, running)
    hours = station_hours(spec, periods, avail)
    if scenarios <= 1:
        dem = demand_scenarios(plant.demand, demand_forecast, net, periods, 0, seed)
        sup = xr.ones_like(supplier_scenarios(spec, periods, 1, seed)).assign_coords(
            scenario=["median"])
    else:
        dem = demand_scenarios(plant.demand, demand_forecast, net, periods, scenarios, seed)
        sup = supplier_scenarios(spec, periods, scenarios, seed + 1)
    prob = xr.DataArray(np.full(dem.sizes["scenario"], 1.0 / dem.sizes["scenario"]),
                        dims="scenario", coords={"scenario": dem["scenario"].values})
    products, median, _ = _medians(plant.demand, demand_forecast, periods)
    weekly = median.mean(axis=1)  # per product [unit/week]
    longest = max(int(np.ceil(s.lead_time / 168)) for s in spec.suppliers)
    stock = {}
    for mat in {m for p in products for m in spec.product_map[p].bom}:
        use = sum(spec.product_map[p].bom.get(mat, 0.0) * weekly[j]
                  for j, p in enumerate(products))
        stock[mat] = float(use * (longest + 1))
    fg_stock = {p: float(weekly[j]) for j, p in enumerate(products)}
    return SupplyProblem(spec, net, periods, dem, prob, sup, hours, stock, fg_stock,
                         spot_capacity=spot_capacity, spot_lead_time=spot_lead_time,
                         terminal_value=(net.terminal_value if terminal_value is None
                                         else terminal_value))
