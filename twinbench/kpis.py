"""Headline KPIs of a supply plan, as the plant manager reads them first.

Both take the plan's labelled results (``SupplyPlan.ds``, see
:func:`twinbench.optimize.supply.solve_supply`):

* :func:`mean_fill_rate` - one number for the whole plan: the share of demand delivered;
* :func:`bottleneck` - the station where an extra hour of capacity is worth the most.
"""

from __future__ import annotations

from typing import NamedTuple

import xarray as xr

__all__ = ["Bottleneck", "bottleneck", "mean_fill_rate"]


class Bottleneck(NamedTuple):
    """The scarcest station of a plan.

    Attributes
    ----------
    station
        The station's name.
    hour_value
        What one more hour of the station's capacity in every week would save, summed
        over the horizon's weeks [EUR/h].
    """

    station: str
    hour_value: float


def mean_fill_rate(ds: xr.Dataset) -> float:
    """Share of demand delivered by the horizon's end, over scenarios and products [1].

    The mean of ``fill_rate`` (scenario, product) weighted by each scenario's
    ``probability``; every product counts alike, and a product without demand in a
    scenario (``fill_rate`` NaN) is left out of that scenario.

    Parameters
    ----------
    ds
        A supply plan's results, with ``fill_rate`` (scenario, product) [1] and
        ``probability`` (scenario) [1].

    Returns
    -------
    float
        The weighted mean fill rate [1] (NaN when no product has demand).

    Examples
    --------
    >>> ds = xr.Dataset({"fill_rate": (("scenario", "product"), [[1.0, 0.5], [0.8, 0.6]]),
    ...                  "probability": ("scenario", [0.25, 0.75])})
    >>> round(mean_fill_rate(ds), 6)  # (0.25 * (1.0 + 0.5) + 0.75 * (0.8 + 0.6)) / 2
    0.7125
    """
    _require(ds, "fill_rate", "probability")
    return float(ds["fill_rate"].weighted(ds["probability"]).mean())


def bottleneck(ds: xr.Dataset) -> Bottleneck:
    """The station whose extra hour is worth the most over the horizon.

    Parameters
    ----------
    ds
        A supply plan's results, with the shadow prices ``station_hour_value``
        (station, period) [EUR/h] (LP plans only: a design-mode MILP has none).

    Returns
    -------
    Bottleneck
        The station with the largest ``station_hour_value`` summed over the periods, and
        that sum [EUR/h]. On a tie, the first station in the dataset's order.

    Raises
    ------
    KeyError
        ``ds`` has no ``station_hour_value``.

    Examples
    --------
    >>> ds = xr.Dataset({"station_hour_value": (("station", "period"), [[1.0, 2.0],
    ...                                                                  [0.5, 4.0]])},
    ...                 coords={"station": ["CUT", "WELD"]})
    >>> bottleneck(ds)
    Bottleneck(station='WELD', hour_value=4.5)
    """
    _require(ds, "station_hour_value")
    value = ds["station_hour_value"].sum("period")
    return Bottleneck(str(value.idxmax().values), float(value.max()))


def _require(ds: xr.Dataset, *names: str) -> None:
    missing = [n for n in names if n not in ds]
    if missing:
        hint = (" (shadow prices: LP plans only)" if "station_hour_value" in missing else "")
        raise KeyError(f"the plan's results have no {missing!r}{hint}; found "
                       f"{sorted(map(str, ds.data_vars))!r}")
