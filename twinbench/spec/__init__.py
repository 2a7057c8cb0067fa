"""The line description: :class:`LineSpec` and the entities it is made of.

A plant's production line is written once, in YAML, and loaded with :func:`load_spec`.
Quantities may carry units (``"45 min"``, ``"3.2 kW"``, ``"12 d"``); they are converted to
the canonical unit named in each field's docstring (hours for time, kW for power, degC for
temperature, EUR for money). A unit of the wrong kind is an error.

Errors never pass silently: :class:`SpecError` lists every problem with its location in
the file (``products[1].routing[2].station``), the value found, and what is allowed.

Modules
-------
``errors``
    :class:`SpecError`; pydantic errors as ``(location, message)`` pairs; reading YAML.
``fields``
    Field types (quantities in canonical units, names) and the entities' base model.
``calendar``
    Weekdays and times of day, :class:`Shift`, :class:`Calendar`.
``energy``
    The electricity tariff: :class:`TariffPeriod`, :class:`Energy`.
``machine_types``
    :class:`MachineType`: wear, failure and repair physics of a kind of machine.
``stations``
    :class:`Station` (parallel machines, power, setups) and :class:`Buffer`.
``crews``
    :class:`Crew`: operators on duty per shift and the stations they run.
``products``
    :class:`Product`, its :class:`RoutingStep` s and their :class:`ProcessingTime`.
``materials``
    :class:`Material` and :class:`Supplier`.
``line``
    :class:`LineSpec` (the root, with its cross-reference checks), :func:`spec_from_dict`,
    :func:`load_spec`.

This ``__init__`` only re-exports. The modules import one another by full module path
(``twinbench.spec.fields``), never from this package, and import nothing of twinbench but
:mod:`twinbench.units`, plus third-party libraries.
"""

from twinbench.spec.calendar import HHMM, WEEKDAYS, Calendar, Days, Shift
from twinbench.spec.crews import Crew
from twinbench.spec.energy import Energy, TariffPeriod
from twinbench.spec.errors import SpecError, read_yaml
from twinbench.spec.errors import _from_validation_error as _from_validation_error
from twinbench.spec.fields import (
    KW,
    DegC,
    EurPerKWh,
    EurPerUnit,
    Fraction,
    Hours,
    KJPerMol,
    Name,
    PerHour,
)
from twinbench.spec.line import LineSpec, load_spec, spec_from_dict
from twinbench.spec.machine_types import MachineType
from twinbench.spec.materials import Material, Supplier
from twinbench.spec.products import ProcessingTime, Product, RoutingStep
from twinbench.spec.stations import Buffer, Station

__all__ = [
    "HHMM",
    "KW",
    "WEEKDAYS",
    "Buffer",
    "Calendar",
    "Crew",
    "Days",
    "DegC",
    "Energy",
    "EurPerKWh",
    "EurPerUnit",
    "Fraction",
    "Hours",
    "KJPerMol",
    "LineSpec",
    "MachineType",
    "Material",
    "Name",
    "PerHour",
    "ProcessingTime",
    "Product",
    "RoutingStep",
    "Shift",
    "SpecError",
    "Station",
    "Supplier",
    "TariffPeriod",
    "load_spec",
    "read_yaml",
    "spec_from_dict",
]
