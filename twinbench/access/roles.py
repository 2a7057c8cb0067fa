"""Roles and the actions each may take on a plan.

=========  ==========================================================================
viewer     sees every page; decides nothing
planner    submits a plan as a draft for approval, releases an approved plan
approver   approves or rejects a draft
admin      everything above (and manages users from the command line)
=========  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ACTIONS", "ROLES", "allowed", "check_roles"]

#: the roles, from least to most rights
ROLES: tuple[str, ...] = ("viewer", "planner", "approver", "admin")

#: action -> roles that may take it
ACTIONS: dict[str, frozenset[str]] = {
    "submit": frozenset({"planner", "admin"}),
    "approve": frozenset({"approver", "admin"}),
    "reject": frozenset({"approver", "admin"}),
    "release": frozenset({"planner", "admin"}),
}


def check_roles(roles: Iterable[str]) -> tuple[str, ...]:
    """The roles, checked and sorted by rights.

    Raises
    ------
    ValueError
        A role that is not one of :data:`ROLES`.
    """
    roles = tuple(roles)
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise ValueError(f"unknown role(s) {bad!r}; expected some of {list(ROLES)!r}")
    return tuple(r for r in ROLES if r in roles) or ("viewer",)


def allowed(action: str, roles: Iterable[str]) -> bool:
    """Whether a user with ``roles`` may take ``action`` (one of :data:`ACTIONS`)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; expected one of {list(ACTIONS)!r}")
    return bool(ACTIONS[action] & set(roles))
