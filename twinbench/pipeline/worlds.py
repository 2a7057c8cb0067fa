"""Worlds: the uncertainty a plan meets, one sample carried through the whole chain.

A world is one demand path, one supplier path (which deliveries arrive, and how late) and
the seed of the line's failure draws. Plans are optimised on the ``train`` worlds and
judged on the ``eval`` worlds, which they never saw (out of sample). Two scenarios run
with the same seed see the same worlds (common random numbers): their standardised
demand errors, supplier misses, lead-time deviations and failure seeds are identical, so
the differences of their KPIs pair world by world.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

__all__ = ["Worlds", "draw_worlds"]


@dataclass(frozen=True)
class Worlds:
    """A set of worlds on one horizon.

    Attributes
    ----------
    demand
        Dims ``(world, product, region, period)`` [unit/week].
    delivered
        Share of each supplier's due deliveries that arrives, dims ``(world, supplier,
        period)`` [1] (0 in a miss or an outage).
    lead_delay
        Lateness of the delivery due in each period against the supplier's nominal lead
        time, dims ``(world, supplier, period)`` [d] (negative: early), drawn from the
        supplier's ``lead_time_cv``.
    failure_seed
        Seed of the line's failure and processing-time draws, dims ``(world,)``.
    role
        ``"train"`` (the plan is optimised on them) or ``"eval"`` (judged on them),
        dims ``(world,)``.
    """

    demand: xr.DataArray
    delivered: xr.DataArray
    lead_delay: xr.DataArray
    failure_seed: xr.DataArray
    role: xr.DataArray

    @property
    def names(self) -> list[str]:
        """World ids."""
        return [str(w) for w in self.demand["world"].values]

    def select(self, role: str) -> Worlds:
        """The worlds of one role (``"train"`` or ``"eval"``)."""
        keep = self.role.values == role
        if not keep.any():
            raise ValueError(f"no {role!r} world; roles present: "
                             f"{sorted(set(self.role.values.tolist()))!r}")
        return Worlds(*(x.isel(world=keep) for x in (
            self.demand, self.delivered, self.lead_delay, self.failure_seed, self.role)))

    def with_delivered(self, delivered: xr.DataArray) -> Worlds:
        """A copy with other delivered shares (same worlds)."""
        return Worlds(self.demand, delivered, self.lead_delay, self.failure_seed, self.role)

    def as_scenarios(self) -> tuple[xr.DataArray, xr.DataArray, xr.DataArray]:
        """Demand, delivered share and equal probabilities on the supply model's
        ``scenario`` dimension."""
        n = self.demand.sizes["world"]
        prob = xr.DataArray(np.full(n, 1.0 / n), dims="scenario",
                            coords={"scenario": self.names})
        return (self.demand.rename(world="scenario"),
                self.delivered.rename(world="scenario"), prob)


def _lead_delay(cv: np.ndarray, lead_d: np.ndarray, n: int, n_t: int,
                rng: np.random.Generator) -> np.ndarray:
    """Lognormal lead times with the suppliers' mean and cv, as days late [d]."""
    sig = np.sqrt(np.log1p(cv**2))
    z = rng.standard_normal((n, len(cv), n_t))
    real = lead_d[None, :, None] * np.exp(sig[None, :, None] * z - sig[None, :, None]**2 / 2)
    return real - lead_d[None, :, None]


def draw_worlds(demand_paths, supplier_paths, spec, periods: pd.DatetimeIndex,
                n_train: int, n_eval: int, seed: int) -> Worlds:
    """Draw ``n_train`` training and ``n_eval`` evaluation worlds.

    Parameters
    ----------
    demand_paths
        ``f(n, seed) -> DataArray (scenario, product, region, period)``: demand draws
        (e.g. :func:`twinbench.optimize.supply.inputs.demand_scenarios` bound to the
        forecast).
    supplier_paths
        ``f(n, seed) -> DataArray (scenario, supplier, period)``: delivered shares.
    spec
        The line (suppliers' lead time and its cv).
    periods
        Week starts of the horizon.
    n_train, n_eval
        Numbers of worlds of each role (at least 1 each).
    seed
        Seed of every draw; training and evaluation worlds come from independent
        streams (``numpy.random.SeedSequence(seed).spawn``), so adding evaluation worlds
        never changes the training worlds.
    """
    if n_train < 1 or n_eval < 1:
        raise ValueError(f"need at least one training and one evaluation world, found "
                         f"n_train={n_train!r}, n_eval={n_eval!r}")
    cv = np.array([s.lead_time_cv for s in spec.suppliers], dtype=float)
    lead_d = np.array([s.lead_time / 24.0 for s in spec.suppliers], dtype=float)
    suppliers = [s.name for s in spec.suppliers]
    parts = []
    for role, n, ss in zip(("train", "eval"), (n_train, n_eval),
                           np.random.SeedSequence(seed).spawn(2), strict=True):
        s_dem, s_sup, s_lead, s_fail = (int(x.generate_state(1)[0]) for x in ss.spawn(4))
        names = [f"{role[0]}{i:03d}" for i in range(n)]
        dem = demand_paths(n, s_dem).rename(scenario="world").assign_coords(world=names)
        sup = supplier_paths(n, s_sup).rename(scenario="world").assign_coords(world=names)
        delay = xr.DataArray(
            _lead_delay(cv, lead_d, n, len(periods), np.random.default_rng(s_lead)),
            dims=("world", "supplier", "period"),
            coords={"world": names, "supplier": suppliers, "period": periods},
            attrs={"units": "d", "long_name": "delivery lateness against the lead time"})
        fail = xr.DataArray(np.random.default_rng(s_fail).integers(0, 2**31 - 1, n),
                            dims="world", coords={"world": names})
        parts.append((dem, sup, delay, fail,
                      xr.DataArray([role] * n, dims="world", coords={"world": names})))
    return Worlds(*(xr.concat([p[k] for p in parts], "world") for k in range(5)))
