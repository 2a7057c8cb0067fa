"""Keep numba's on-disk cache of the event loop in step with the modules it calls.

numba keys a cached function on its own source file only (its modification time and
size): when :func:`twinbench.twin.sim_engine.run` calls compiled helpers of other modules
(:mod:`twinbench.twin.sim_heap`, :mod:`twinbench.twin.sim_crews`), a change there would
leave the stale compiled loop in use. :func:`refresh_cache` stores a hash of those modules
beside the cache and drops the cached loop when the hash changes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import ModuleType

__all__ = ["refresh_cache"]


def refresh_cache(dispatcher, *modules: ModuleType) -> bool:
    """Drop the on-disk cache of the numba ``dispatcher`` when the source of ``modules``
    changed since it was stored; True if it was dropped."""
    cache = getattr(dispatcher, "_cache", None)
    where = getattr(cache, "_cache_path", None)
    if cache is None or where is None:  # caching off
        return False
    digest = hashlib.sha256()
    for mod in modules:
        digest.update(Path(mod.__file__).read_bytes())
    func = dispatcher.py_func
    stamp = Path(where) / f"{func.__module__}.{func.__qualname__}.deps"
    try:
        if stamp.exists() and stamp.read_text() == digest.hexdigest():
            return False
        cache.flush()
        stamp.write_text(digest.hexdigest())
    except OSError:  # a read-only cache directory: nothing to keep in step
        return False
    return True
