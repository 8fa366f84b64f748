from collections.abc import Callable, Sequence
from typing import Literal

from ..nn.losses import Loss

__all__ = ["loss_gradient", "weighted_loss_gradient", "KERNELS"]

#: name -> (row kernel (out_row, y_row, param) -> (sum over the row, its gradient), what the sum is divided by)
KERNELS: dict[
    str,
    tuple[Callable[[Sequence[float], Sequence[float], float], tuple[float, list[float]]], Literal["rows", "entries"]],
]

def loss_gradient(
    loss: Loss | str,
    out_rows: Sequence[Sequence[float]],  # logits for the two cross-entropies, activated outputs otherwise
    y_rows: Sequence[Sequence[float]],
) -> tuple[float, list[list[float]]]: ...  # (mean loss, d loss / d out_rows)
def weighted_loss_gradient(
    loss: Loss | str,
    out_rows: Sequence[Sequence[float]],
    y_rows: Sequence[Sequence[float]],
    weights: Sequence[float],  # one per row, >= 0
) -> tuple[float, list[list[float]]]: ...  # (sum w_i l_i / sum w_i, its gradient); 0 when the weights sum to 0
