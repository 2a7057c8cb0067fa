"""Kinds of machine and their degradation and failure physics (wear, hazard, repair).

The parameters live here; the equations that use them are in :mod:`twinbench.twin.physics`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from twinbench.spec.fields import DegC, Fraction, Hours, KJPerMol, Name, PerHour, _Model

__all__ = ["MachineType"]


class MachineType(_Model):
    """Degradation and failure physics of a kind of machine.

    Wear grows while the machine runs at a rate
    ``wear_rate_ref * (load/load_ref)**load_exponent * exp(Ea/R (1/T_ref - 1/T))``
    (Arrhenius acceleration); the failure hazard is ``hazard_base * exp(hazard_wear * wear)``.
    Preventive maintenance removes ``maintenance_restore`` of the wear; a repair after a
    failure restores the machine to ``repair_restore`` of full removal.

    Attributes
    ----------
    wear_rate_ref
        Wear growth per running hour at reference load and temperature [1/h].
    load_ref
        Reference load [1].
    load_exponent
        Exponent of load acceleration [1].
    activation_energy
        Arrhenius activation energy [kJ/mol].
    temp_ref
        Reference temperature [degC].
    hazard_base
        Failure hazard of a new machine while running [1/h].
    hazard_wear
        Log-hazard increase per unit of wear [1].
    wear_limit
        Wear at which the part is considered worn out; maintenance is planned before [1].
    maintenance_restore, repair_restore
        Fraction of wear removed by preventive maintenance / by repair after failure [1].
    maintenance_duration
        Duration of a preventive maintenance [h].
    repair_mean, repair_cv
        Repair time after a failure: mean [h] and coefficient of variation [1].
    source
        Where the parameter values come from.
    """

    name: Name
    wear_rate_ref: Annotated[PerHour, Field(gt=0)]
    load_ref: Annotated[float, Field(gt=0)] = 0.75
    load_exponent: Annotated[float, Field(ge=0, le=10)] = 1.5
    activation_energy: Annotated[KJPerMol, Field(ge=0, le=300)] = 40.0
    temp_ref: DegC = 45.0
    hazard_base: Annotated[PerHour, Field(gt=0)]
    hazard_wear: Annotated[float, Field(ge=0, le=50)] = 4.0
    wear_limit: Annotated[float, Field(gt=0)] = 1.0
    maintenance_restore: Fraction = 0.9
    repair_restore: Fraction = 1.0
    maintenance_duration: Annotated[Hours, Field(gt=0)] = 4.0
    repair_mean: Annotated[Hours, Field(gt=0)] = 6.0
    repair_cv: Annotated[float, Field(ge=0, le=3)] = 0.5
    source: str = ""
