"""The one place where twinbench silences a third-party warning, each on purpose.

A new user running ``twinbench demo`` (or any command) should see twinbench's own messages
only. A warning from a library is fixed at its source where twinbench can (a deprecated
call replaced, an option passed); the ones left are filtered here, narrowly (message and
module), with the reason:

``PyTensor could not link to a BLAS installation``
    PyTensor's C backend looks for a system BLAS and warns when a pip install has none.
    twinbench samples with nutpie, which compiles the model with numba and does its own
    linear algebra, so the missing link does not slow the calibration; the warning would
    only alarm. Where speed of PyTensor's C backend matters (``sampler="pymc"``), install
    a BLAS (Debian: ``apt-get install libopenblas-dev``) and PyTensor finds it.

Set ``TWINBENCH_SHOW_WARNINGS=1`` to see every warning again (debugging).
"""

from __future__ import annotations

import os
import warnings

__all__ = ["FILTERS", "quiet_third_party"]

#: (message regex, category, module regex) of each filtered warning
FILTERS: list[tuple[str, type[Warning], str]] = [
    (r"PyTensor could not link to a BLAS installation", UserWarning, r"pytensor\."),
]


def quiet_third_party() -> None:
    """Install :data:`FILTERS` (unless ``TWINBENCH_SHOW_WARNINGS=1``). Idempotent."""
    if os.environ.get("TWINBENCH_SHOW_WARNINGS") == "1":
        return
    for message, category, module in FILTERS:
        warnings.filterwarnings("ignore", message=message, category=category, module=module)
