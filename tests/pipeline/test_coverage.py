"""Coverage of the paired 90% interval of a KPI delta with a known truth.

Costs of two plans over the same worlds are skewed (lognormal) and strongly correlated
through the world (common random numbers), as supply costs are; the true mean difference
is known in closed form. Over many repetitions with 30 worlds each, the nominal 90%
interval must cover the truth 85-95% of the time; unpaired (Welch) intervals of the same
data must be much wider.
"""

from __future__ import annotations

import numpy as np

from twinbench.scenarios.compare import delta_interval

REPS, WORLDS = 2000, 30


def _worlds(rng: np.random.Generator):
    z = rng.standard_normal(WORLDS)  # the world: shared by both plans
    e = rng.standard_normal((2, WORLDS))  # what differs between the plans
    base = 100_000 * np.exp(0.3 * z + 0.05 * e[0])
    other = 104_000 * np.exp(0.3 * z + 0.08 * e[1])
    return base, other


def test_paired_intervals_cover_the_known_truth() -> None:
    # E[exp(s X)] = exp(s^2 / 2): the true mean difference
    truth = (104_000 * np.exp((0.3**2 + 0.08**2) / 2)
             - 100_000 * np.exp((0.3**2 + 0.05**2) / 2))
    rng = np.random.default_rng(20261202)
    hits, width_p, width_w = 0, [], []
    for _ in range(REPS):
        base, other = _worlds(rng)
        _, lo, hi = delta_interval(base, other, paired=True, level=0.9)
        hits += lo <= truth <= hi
        width_p.append(hi - lo)
        _, lo_w, hi_w = delta_interval(base, other, paired=False, level=0.9)
        width_w.append(hi_w - lo_w)
    coverage = hits / REPS
    assert 0.85 <= coverage <= 0.95, f"coverage {coverage:.3f}"
    # pairing by world is what makes the interval narrow
    assert np.median(width_w) > 3 * np.median(width_p)
