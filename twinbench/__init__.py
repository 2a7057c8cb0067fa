"""twinbench: a notebook-first digital-twin decision workbench for manufacturing lines.

The one flow: ``LineSpec`` + telemetry -> data quality -> twin (calibrate, forecast) ->
optimize (schedule, supply) -> simulate -> scenarios -> grounded explanations.
"""

from importlib.metadata import PackageNotFoundError, version

from twinbench.third_party import quiet_third_party

quiet_third_party()  # before any library is imported: see twinbench.third_party

from twinbench.spec import LineSpec, SpecError, load_spec  # noqa: E402

try:
    __version__ = version("twinbench")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = ["LineSpec", "SpecError", "__version__", "load_spec"]
