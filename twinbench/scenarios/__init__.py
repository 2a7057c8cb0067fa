"""What-if scenarios: the base plant plus typed edits, run one at a time or in batches."""

from twinbench.scenarios.edit_checks import check_edits
from twinbench.scenarios.edits import EDIT_KINDS
from twinbench.scenarios.scenario import (
    Scenario,
    ScenarioError,
    load_scenarios,
    scenarios_from_dict,
)

__all__ = ["EDIT_KINDS", "Scenario", "ScenarioError", "check_edits", "load_scenarios",
           "scenarios_from_dict"]
