"""Checks of everything a user passes, before any kernel runs.

:mod:`.scalars` (numbers, flags, names, seeds) is pure Python, so that the
pure-Python reference uses the same checks and raises the same errors as the
compiled network; :mod:`.arrays` (features, targets, weights, dtypes) uses
NumPy. Every message names the argument, what was expected and what was given.
"""
