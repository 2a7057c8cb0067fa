"""Who may do what, and the record of what they did: the dashboard's access layer.

==================  ==================================================================
``users``           the user store: argon2 password hashes and roles (``users.json``),
                    refusing the old plain-text format with the command that converts it
``roles``           the roles (viewer, planner, approver, admin) and what each may do
``sessions``        server-side sign-in sessions that expire
``ratelimit``       failed sign-ins counted per user and address; lock-out
``audit``           the append-only, hash-chained log in SQLite; ``verify`` finds tampering
``approvals``       the plan workflow draft -> approved -> released over the audit log,
                    with roles and the optional four-eyes rule
==================  ==================================================================

This package imports nothing else from twinbench (the lowest layer beside ``units``);
the dashboards and the command line build on it.
"""
