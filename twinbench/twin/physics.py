"""Degradation and failure physics of machines.

The twin's physics, shared by the demo-data generator, the calibration and the simulation:

* wear grows while a machine runs, at a rate accelerated by load (power law) and by
  temperature (Arrhenius)::

      dW/dt = r_ref * (L / L_ref)**n * exp(Ea / R * (1 / T_ref - 1 / T))    [1/h]

* the failure hazard while running rises exponentially with wear::

      h(W) = h0 * exp(beta * W)                                             [1/h]

* preventive maintenance removes a fraction of the wear; a repair after a failure removes
  another fraction.

References: Arrhenius-type acceleration is the standard accelerated-life model (Nelson,
*Accelerated Testing*, 1990, ch. 2); a proportional-hazards model with a degradation
covariate follows Jardine & Tsang, *Maintenance, Replacement and Reliability*, 2013, ch. 4.
"""

from __future__ import annotations

import numpy as np

from twinbench.spec import MachineType

__all__ = [
    "GAS_CONSTANT",
    "arrhenius",
    "failure_probability",
    "hazard",
    "wear_rate",
]

#: molar gas constant [kJ/(mol K)]
GAS_CONSTANT = 8.314462618e-3


def arrhenius(temp: np.ndarray | float, temp_ref: float, activation_energy: float) -> np.ndarray:
    """Arrhenius acceleration factor [1] at ``temp`` [degC] relative to ``temp_ref`` [degC].

    ``activation_energy`` is in [kJ/mol].

    >>> float(arrhenius(40.0, 40.0, 50.0))
    1.0
    """
    t = np.asarray(temp, dtype=float) + 273.15
    t_ref = temp_ref + 273.15
    return np.exp(activation_energy / GAS_CONSTANT * (1.0 / t_ref - 1.0 / t))


def wear_rate(
    load: np.ndarray | float,
    temp: np.ndarray | float,
    mt: MachineType,
    multiplier: float = 1.0,
) -> np.ndarray:
    """Wear growth rate [1/h] of a running machine.

    Parameters
    ----------
    load
        Load as a fraction of rated [1]; negative values count as 0.
    temp
        Machine temperature [degC].
    mt
        Physics parameters of the machine's type.
    multiplier
        Machine-specific factor on the type's reference rate [1].
    """
    load = np.clip(np.asarray(load, dtype=float), 0.0, None)
    accel = (load / mt.load_ref) ** mt.load_exponent
    return multiplier * mt.wear_rate_ref * accel * arrhenius(temp, mt.temp_ref,
                                                              mt.activation_energy)


def hazard(wear: np.ndarray | float, mt: MachineType) -> np.ndarray:
    """Failure hazard [1/h] of a running machine with wear ``wear`` [1]."""
    return mt.hazard_base * np.exp(mt.hazard_wear * np.asarray(wear, dtype=float))


def failure_probability(wear: np.ndarray | float, hours: float, mt: MachineType) -> np.ndarray:
    """Probability [1] of at least one failure in ``hours`` [h] of running at fixed wear."""
    return -np.expm1(-hazard(wear, mt) * hours)
