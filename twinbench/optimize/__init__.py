"""Pyomo planning models: production scheduling and supply-chain planning.

Every model solves with HiGHS by default (``appsi_highs``) or any Pyomo solver by name,
returns its results on the model's labelled sets (xarray / pandas), and explains
infeasibility in the plant's own terms.
"""
