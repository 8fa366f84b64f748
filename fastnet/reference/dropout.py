"""Inverted dropout (docs/MATH.md, "Dropout"): the masks, and the two products they take part in.

In training, unit j of row i of a layer's output ``a`` is kept when the next
uniform ``u`` of the dropout stream is ``>= p``, and then scaled by
``1 / (1 - p)``: ``a_dropped = a * m`` with ``m`` in ``{0, 1 / (1 - p)}``, so
that ``E[a_dropped] = a``. The next layer reads ``a_dropped``; the chain rule
through the product is ``dL/da = dL/da_dropped * m``. The compiled engine
draws the same uniforms in the same order (layer by layer, row by row, unit
by unit), so one seed gives both the same masks.
"""

from __future__ import annotations

from collections.abc import Sequence

from .random import SplitMix64

__all__ = ["draw_mask", "times_mask"]


def draw_mask(rng: SplitMix64, p: float, n_rows: int, width: int) -> list[list[float]]:
    """``n_rows`` rows of ``width`` mask values: ``1 / (1 - p)`` where ``rng.uniform() >= p``, else 0."""
    kept = 1.0 / (1.0 - p)
    return [[kept if rng.uniform() >= p else 0.0 for _ in range(width)] for _ in range(n_rows)]


def times_mask(rows: Sequence[Sequence[float]], mask: Sequence[Sequence[float]]) -> list[list[float]]:
    """The element-wise product: the dropped output in the forward pass, dL/da in the backward pass."""
    return [[v * m for v, m in zip(row, mask_row)] for row, mask_row in zip(rows, mask)]
