"""Failures and events laid onto the running hours, checked by hand on a two-day machine.

Machine 0 runs hours 6-17 of day 0 and 6-17 of day 1; maintenance starts at hour 10
(down 10-11, so not running), a failure happens at hour 33 (day 1, 09:00, while running).
Segments: 0 = hours 0-9, 1 = 10-32, 2 = 33-47. Running hours in the flat order:
day 0: 6,7,8,9 (segment 0) then 12..17 (segment 1); day 1: 30,31,32 (segment 1) then
33..41 (segment 2). Machine 1 never runs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from twinbench.twin.exposure import hazard_design


def test_pieces_failures_and_events_by_hand():
    running = np.zeros((2, 48))
    running[0, 6:10] = running[0, 12:18] = running[0, 30:42] = 1
    segment = np.zeros((2, 48), dtype=int)
    segment[0, 10:33], segment[0, 33:], segment[1] = 1, 2, 3
    events = pd.DataFrame({"machine": [0, 0], "kind": ["maintenance", "failure"],
                           "time": pd.to_datetime(["2025-01-01 10:00", "2025-01-02 09:00"]),
                           "hour": [10, 33]})
    design, unplaced = hazard_design(running, segment, np.array([0, 1]),
                                     [(0, 33), (1, 20)], events, np.array([0, 1, 2]))
    # pieces: (day 0, seg 0) 4 h, (day 0, seg 1) 6 h, (day 1, seg 1) 3 h, (day 1, seg 2) 9 h
    np.testing.assert_array_equal(design.piece_start, [0, 4, 10, 13])
    np.testing.assert_array_equal(design.piece_hours, [4, 6, 3, 9])
    np.testing.assert_array_equal(design.piece_segment, [0, 1, 1, 2])
    # the failure ends segment 1: counted in its last piece (day 1, hours 30-32); machine
    # 1's failure has no running hour before it and cannot be placed
    np.testing.assert_array_equal(design.fail_count, [0, 0, 1, 0])
    assert unplaced == [1]
    # maintenance at hour 10: 4 running hours before it; the failure's hour 33 ran, so
    # the failure sits after it: 4 + 6 + 3 + 1 = 14
    assert design.events["flat"].tolist() == [4, 14]
    assert design.events["before"].tolist() == [0, 1]
    assert design.events["after"].tolist() == [1, 2]
    assert design.events["identified"].all()
    d2, _ = hazard_design(running, segment, np.array([0, 1]), [], events, np.array([0, 2]))
    assert d2.events["identified"].tolist() == [False, False]
