"""Where failures and maintenance effects sit on the calibration model's latent wear path.

The calibration model (:mod:`twinbench.twin.calibrate`) builds each machine's true wear as
a cumulative sum of hourly increments over its *running* hours, taken in (machine, day,
hour) order, plus a level per segment (the time between two events). This module lays the
failure likelihood and the maintenance effects onto that order:

* A **piece** is the running hours of one machine on one day within one segment. The
  hazard ``h0 * exp(beta * w)`` is evaluated once per piece, at the latent wear in the
  middle of its running hours, and counts for all of them (wear changes by about 0.005 in
  a day, so the error of that midpoint rule is of order ``(beta * 0.005)^2``).
* A **failure** is counted in the last piece of the segment it ends, i.e. at the latent
  wear the model estimates just before it, whether or not a reading was taken then.
* An **event** (maintenance or a failure's repair) separates two segments; the wear just
  before and just after it, both on the latent path, give its restore fraction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["HazardDesign", "hazard_design", "running_order"]


def running_order(running: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Machine, day and hour-of-day of each running hour, in the model's flat order.

    ``running`` is (machine, hour) with whole days; the order is machine, then time.
    """
    n_m, n_h = running.shape
    return np.nonzero(running.reshape(n_m, n_h // 24, 24) > 0)


@dataclass
class HazardDesign:
    """Pieces, failures and events on the flat order of running hours.

    Attributes
    ----------
    piece_start, piece_hours
        Flat index of each piece's first running hour, and its running hours [h].
    piece_segment, piece_type
        Segment and machine-type index of each piece.
    fail_count
        Failures counted in each piece (the failure likelihood's data).
    fail_piece
        Piece of each counted failure.
    events
        One row per event inside the history that starts a segment: ``machine, kind,
        time, type`` and ``flat`` (running hours of all machines before it, in the flat
        order, up to the end of the event's hour when the machine ran in it),
        ``before``/``after`` (the segments it separates), ``identified`` (both segments
        have days of readings; otherwise a level is the prior's and so is the effect).
    """

    piece_start: np.ndarray
    piece_hours: np.ndarray
    piece_segment: np.ndarray
    piece_type: np.ndarray
    fail_count: np.ndarray
    fail_piece: np.ndarray
    events: pd.DataFrame = field(default_factory=pd.DataFrame)


def hazard_design(running: np.ndarray, segment: np.ndarray, types: np.ndarray,
                  failures: list[tuple[int, int]], events: pd.DataFrame,
                  observed_segments: np.ndarray) -> tuple[HazardDesign, list[int]]:
    """Lay failures and events onto the running hours.

    Parameters
    ----------
    running
        1 where a machine runs, per (machine, hour), whole days.
    segment
        Segment id per (machine, hour); a new segment starts at each event's hour.
    types
        Machine-type index per machine.
    failures
        ``(machine index, hour)`` of each failure inside the history.
    events
        ``machine`` (index), ``kind``, ``time``, ``hour`` of each event that starts a
        segment.
    observed_segments
        Segments with at least one day of wear readings in the likelihood.

    Returns
    -------
    design, unplaced
        The design, and the positions in ``failures`` of those with no running hour in
        the segment they end (they cannot be placed on the wear path).
    """
    rm, rd, rpos = running_order(running)
    hour = rd * 24 + rpos
    seg_run = segment[rm, hour]
    new = np.ones(len(rm), dtype=bool)
    new[1:] = (rm[1:] != rm[:-1]) | (rd[1:] != rd[:-1]) | (seg_run[1:] != seg_run[:-1])
    starts = np.flatnonzero(new)
    lengths = np.diff(np.append(starts, len(rm)))
    # running hours of machine i: flat indices machine_first[i] .. machine_first[i + 1]
    machine_first = np.searchsorted(rm, np.arange(running.shape[0] + 1))
    fail_count = np.zeros(len(starts))
    fail_piece, unplaced = [], []
    for j, (i, h) in enumerate(failures):
        lo, hi = machine_first[i], machine_first[i + 1]
        f = lo + int(np.searchsorted(hour[lo:hi], h)) - 1  # last running hour before h
        if f < lo or seg_run[f] != segment[i, h - 1]:
            unplaced.append(j)
            continue
        p = int(np.searchsorted(starts, f, side="right")) - 1
        fail_count[p] += 1
        fail_piece.append(p)
    ev = events.copy()
    if len(ev):
        # just after the event's hour when the machine ran in it (a failure while
        # running): that hour's wear came before the event
        ev["flat"] = [int(machine_first[i] + running[i, :h + 1].sum())
                      for i, h in zip(ev["machine"], ev["hour"], strict=True)]
        ev["after"] = segment[ev["machine"].to_numpy(), ev["hour"].to_numpy()]
        ev["before"] = ev["after"] - 1
        ev["type"] = types[ev["machine"].to_numpy()]
        seen = np.zeros(int(segment.max()) + 1, dtype=bool)
        seen[observed_segments] = True
        ev["identified"] = seen[ev["before"]] & seen[ev["after"]]
    design = HazardDesign(piece_start=starts, piece_hours=lengths.astype(float),
                          piece_segment=seg_run[starts], piece_type=types[rm[starts]],
                          fail_count=fail_count, fail_piece=np.array(fail_piece, dtype=int),
                          events=ev.reset_index(drop=True))
    return design, unplaced
