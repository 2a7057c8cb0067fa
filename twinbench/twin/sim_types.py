"""The typed structure the line simulation's compiled event loop takes as its one argument.

Built by :func:`twinbench.twin.sim_inputs.build_inputs`, read by
:func:`twinbench.twin.sim_engine.run`; defined apart from both so that neither imports the
other for it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["SimInputs"]


class SimInputs(NamedTuple):
    """Everything the compiled event loop reads, as flat arrays and scalars.

    Shapes name the index of each axis; integer arrays are ``int64``, the others
    ``float64``. Times are working hours from ``t0``.

    Attributes
    ----------
    seeds : numpy.ndarray, (replication,)
        Seed of each replication's random stream (spawned from the run's seed) [1].
    horizon : float
        End of the simulated span [h, working time].
    warmup : float
        Start of the statistics window [h, working time].
    rule : int
        Dispatching: ``FIFO``, ``EDD``, ``SPT`` or ``SCHEDULE`` (replay of the lots below),
        codes of :mod:`twinbench.twin.sim_engine` [1].
    n_bins : int
        Working-hour bins of the time series (``ceil(horizon)``) [1].
    log_rep : int
        Replication whose operations are logged, -1 for none [1].
    log_cap : int
        Capacity of the event log [operations and setups done ahead of a lot].
    st_first : numpy.ndarray, (station,)
        Index of the station's first machine [1].
    st_count : numpy.ndarray, (station,)
        Parallel machines of the station [1].
    buf_cap : numpy.ndarray, (station,)
        Buffer capacity in front of the station, :data:`UNLIMITED` without a limit [units].
    mach_station : numpy.ndarray, (machine,)
        Station of the machine [1].
    setup : numpy.ndarray, (station, family, family)
        Setup time at the station from the first family to the second, 0 on the diagonal
        [h].
    fam_of_prod : numpy.ndarray, (product,)
        Family of the product [1].
    r_station : numpy.ndarray, (product, step)
        Station of each step of the product's route (0 past its end) [1].
    r_mean : numpy.ndarray, (product, step)
        Mean processing time of one unit at the step [h].
    r_cv : numpy.ndarray, (product, step)
        Coefficient of variation of the processing time [1].
    r_dist : numpy.ndarray, (product, step)
        Distribution of the processing time, codes of
        :data:`twinbench.twin.sim_engine.DISTS` [1].
    r_len : numpy.ndarray, (product,)
        Steps of the product's route [1].
    prod_scrap : numpy.ndarray, (product,)
        Probability that a unit is scrapped at the end of its route [1].
    o_prod : numpy.ndarray, (order,)
        Product of the order [1].
    o_qty : numpy.ndarray, (order,)
        Quantity of the order [units].
    o_release : numpy.ndarray, (order,)
        Release of the order [h, working time].
    o_due_w : numpy.ndarray, (order,)
        Due date of the order [h, working time].
    o_first_unit : numpy.ndarray, (order,)
        Index of the order's first unit; its units are consecutive [1].
    haz : numpy.ndarray, (machine,)
        Failure rate per busy hour of the machine [1/h].
    rep_mean : numpy.ndarray, (machine,)
        Mean repair time of the machine [h].
    rep_cv : numpy.ndarray, (machine,)
        Coefficient of variation of the repair time (gamma) [1].
    mw_start : numpy.ndarray, (window,)
        Start of each maintenance window [h, working time]; a machine's windows are
        consecutive, sorted and merged.
    mw_end : numpy.ndarray, (window,)
        End of each maintenance window [h, working time].
    mw_first : numpy.ndarray, (machine,)
        Index of the machine's first maintenance window [1].
    mw_count : numpy.ndarray, (machine,)
        Maintenance windows of the machine [1].
    lot_m : numpy.ndarray, (order, step)
        Planned machine of the lot (order, step) in the replayed schedule, -1 outside the
        plan [1].
    lot_pos : numpy.ndarray, (order, step)
        Position of the lot in its planned machine's sequence [1].
    lot_t : numpy.ndarray, (order, step)
        Earliest start of the lot, its planned setup start (0 when replayed by sequence)
        [h, working time].
    st_crew : numpy.ndarray, (station,)
        Crew whose operators run the station, -1 for none (see
        :mod:`twinbench.twin.sim_crews`) [1].
    cr_duty0 : numpy.ndarray, (crew,)
        Operators of the crew on duty in the first working hour [person].
    cw_time : numpy.ndarray, (change,)
        Times at which a crew's operators on duty change [h, working time].
    cw_crew : numpy.ndarray, (change,)
        Crew of the change [1].
    cw_val : numpy.ndarray, (change,)
        Operators on duty from the change on [person].
    """

    seeds: np.ndarray
    horizon: float
    warmup: float
    rule: int
    n_bins: int
    log_rep: int
    log_cap: int
    st_first: np.ndarray
    st_count: np.ndarray
    buf_cap: np.ndarray
    mach_station: np.ndarray
    setup: np.ndarray
    fam_of_prod: np.ndarray
    r_station: np.ndarray
    r_mean: np.ndarray
    r_cv: np.ndarray
    r_dist: np.ndarray
    r_len: np.ndarray
    prod_scrap: np.ndarray
    o_prod: np.ndarray
    o_qty: np.ndarray
    o_release: np.ndarray
    o_due_w: np.ndarray
    o_first_unit: np.ndarray
    haz: np.ndarray
    rep_mean: np.ndarray
    rep_cv: np.ndarray
    mw_start: np.ndarray
    mw_end: np.ndarray
    mw_first: np.ndarray
    mw_count: np.ndarray
    lot_m: np.ndarray
    lot_pos: np.ndarray
    lot_t: np.ndarray
    st_crew: np.ndarray
    cr_duty0: np.ndarray
    cw_time: np.ndarray
    cw_crew: np.ndarray
    cw_val: np.ndarray
