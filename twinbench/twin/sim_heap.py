"""The event heap of the line simulation's compiled event loop (numba).

A binary min-heap over three parallel arrays: time ``ht`` [h], kind ``hk`` and index
``hi``. Events come out by time, then kind (lower first), then index, so that equal times
are processed in a fixed, reproducible order.
"""

from __future__ import annotations

from numba import njit

__all__ = ["heap_pop", "heap_push"]


@njit(cache=True)
def _before(t1, k1, i1, t2, k2, i2) -> bool:
    """Event order: time, then kind (shift change, release, finish, wake-up), then index."""
    if t1 != t2:
        return t1 < t2
    if k1 != k2:
        return k1 < k2
    return i1 <= i2


@njit(cache=True)
def _sift(ht, hk, hi, parent, child) -> bool:
    """Swap a heap entry with its parent when it comes first; False if in order."""
    if _before(ht[parent], hk[parent], hi[parent], ht[child], hk[child], hi[child]):
        return False
    ht[parent], ht[child] = ht[child], ht[parent]
    hk[parent], hk[child] = hk[child], hk[parent]
    hi[parent], hi[child] = hi[child], hi[parent]
    return True


@njit(cache=True)
def heap_push(ht, hk, hi, n, t, kind, idx):
    """Add the event (``t`` [h], ``kind``, ``idx``) to the heap of ``n`` entries; returns
    the new size."""
    i = n
    ht[i] = t
    hk[i] = kind
    hi[i] = idx
    while i > 0:
        p = (i - 1) // 2
        if not _sift(ht, hk, hi, p, i):
            break
        i = p
    return n + 1


@njit(cache=True)
def heap_pop(ht, hk, hi, n):
    """Remove the first event of the heap of ``n`` entries; returns its time [h], kind,
    index and the new size."""
    t, kind, idx = ht[0], hk[0], hi[0]
    n -= 1
    ht[0], hk[0], hi[0] = ht[n], hk[n], hi[n]
    i = 0
    while True:
        c = 2 * i + 1
        if c >= n:
            break
        if c + 1 < n and _before(ht[c + 1], hk[c + 1], hi[c + 1], ht[c], hk[c], hi[c]):
            c += 1
        if not _sift(ht, hk, hi, i, c):
            break
        i = c
    return t, kind, idx, n
