"""Loss functions and their gradients (docs/MATH.md, "Losses").

``loss_gradient(loss, out_rows, y_rows) -> (value, grad_rows)`` returns the mean
loss over the batch and its gradient with respect to ``out_rows``.

What ``out_rows`` holds depends on the loss:

* the regression losses read the network's activated output ``o`` and give ``dL/do``
  (for poisson ``o`` is the log-rate: the log link);
* the two cross-entropies read the output layer's logits ``z`` (before the
  sigmoid / softmax they are fused with) and give ``dL/dz`` directly. The
  fused gradient is the famous ``p - y``: simpler and more stable than going
  through ``log(p)`` and the activation's own derivative.

Every loss is a row kernel ``(out_row, y_row, param) -> (sum over the row, gradient
of that sum)``, plus the number it is divided by to make a mean: ``n`` (rows) for
half_mse and cross_entropy, ``n * k`` (entries) for the rest.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Literal, TypeAlias

from ..nn.losses import Loss
from .activations import sigmoid, softmax

__all__ = ["loss_gradient", "weighted_loss_gradient", "KERNELS"]


#: A point loss: (o, y, param) -> (value, d value / d o).
PointLoss: TypeAlias = Callable[[float, float, float], tuple[float, float]]
#: A row kernel: (out_row, y_row, param) -> (sum over the row, its gradient).
RowKernel: TypeAlias = Callable[[Sequence[float], Sequence[float], float], tuple[float, list[float]]]


# -- elementwise losses: (o, y, param) -> (value, d value / d o) -------------------

def _half_squared(o: float, y: float, param: float) -> tuple[float, float]:
    d = o - y
    return 0.5 * d * d, d


def _squared(o: float, y: float, param: float) -> tuple[float, float]:
    d = o - y
    return d * d, 2.0 * d


def _absolute(o: float, y: float, param: float) -> tuple[float, float]:
    d = o - y
    sign = 1.0 if d > 0 else -1.0 if d < 0 else 0.0   # sign(0) = 0: no push when exactly right
    return abs(d), sign


def _huber(o: float, y: float, delta: float) -> tuple[float, float]:
    # Quadratic near zero (smooth, like MSE), linear beyond delta (robust, like MAE).
    d = o - y
    if abs(d) <= delta:
        return 0.5 * d * d, d
    return delta * (abs(d) - 0.5 * delta), (delta if d > 0 else -delta)


def _binary_cross_entropy(z: float, y: float, param: float) -> tuple[float, float]:
    # -[y log s(z) + (1-y) log(1 - s(z))] rewritten without log(s) or exp(+|z|):
    # it equals max(z, 0) - z y + log(1 + e^-|z|), and e^-|z| <= 1 never overflows.
    value = max(z, 0.0) - z * y + math.log1p(math.exp(-abs(z)))
    return value, sigmoid(z) - y


def _poisson(o: float, y: float, param: float) -> tuple[float, float]:
    # o is the log-rate (log link): the negative log-likelihood exp(o) - y o, less the
    # log(y!) term that does not depend on o (PyTorch's full=False).
    rate = math.exp(o)
    return rate - y * o, rate - y


def _quantile(o: float, y: float, q: float) -> tuple[float, float]:
    # The pinball loss of r = y - o: q r when the output is below the target, (q - 1) r
    # above it. At r = 0 the gradient is 0, a point of the subdifferential [-q, 1 - q].
    r = y - o
    if r > 0:
        return q * r, -q
    if r < 0:
        return (q - 1.0) * r, 1.0 - q
    return 0.0, 0.0


def _log_cosh(o: float, y: float, param: float) -> tuple[float, float]:
    # log(cosh(d)) = |d| + log(1 + e^(-2|d|)) - log 2: cosh itself overflows past |d| ~ 710.
    d = o - y
    return abs(d) + math.log1p(math.exp(-2.0 * abs(d))) - math.log(2.0), math.tanh(d)


def _elementwise(point: PointLoss) -> RowKernel:
    """A row kernel that applies ``point`` to each entry and sums."""
    def row_kernel(out_row: Sequence[float], y_row: Sequence[float], param: float) -> tuple[float, list[float]]:
        pairs = [point(o, y, param) for o, y in zip(out_row, y_row)]
        return sum(v for v, _ in pairs), [g for _, g in pairs]
    row_kernel.__name__ = point.__name__.lstrip("_")
    return row_kernel


# -- row losses ------------------------------------------------------------------

def _cross_entropy(z_row: Sequence[float], y_row: Sequence[float], param: float) -> tuple[float, list[float]]:
    # -sum_j y_j log softmax(z)_j = sum_j y_j (lse(z) - z_j), with
    # lse(z) = log sum_i exp(z_i) computed after subtracting the max (no overflow).
    m = max(z_row)
    lse = m + math.log(sum(math.exp(z - m) for z in z_row))
    value = sum(y * (lse - z) for z, y in zip(z_row, y_row))
    # d/dz_j = softmax_j * sum(y) - y_j; sum(y) is 1 for one-hot or probability rows.
    p, y_total = softmax(z_row), sum(y_row)
    return value, [p_j * y_total - y for p_j, y in zip(p, y_row)]


#: name -> (row kernel, what the sum is divided by: "rows" = n, "entries" = n * k).
#: The keys are exactly those of fastnet.nn.losses.LOSSES.
KERNELS: dict[str, tuple[RowKernel, Literal["rows", "entries"]]] = {
    "half_mse": (_elementwise(_half_squared), "rows"),
    "mse": (_elementwise(_squared), "entries"),
    "mae": (_elementwise(_absolute), "entries"),
    "huber": (_elementwise(_huber), "entries"),
    "binary_cross_entropy": (_elementwise(_binary_cross_entropy), "entries"),
    "cross_entropy": (_cross_entropy, "rows"),
    "poisson": (_elementwise(_poisson), "entries"),
    "quantile": (_elementwise(_quantile), "entries"),
    "log_cosh": (_elementwise(_log_cosh), "entries"),
}


def loss_gradient(loss: Loss | str, out_rows: Sequence[Sequence[float]],
                  y_rows: Sequence[Sequence[float]]) -> tuple[float, list[list[float]]]:
    """The batch loss and its gradient.

    loss: a Loss or a name. out_rows, y_rows: n rows of k floats each (logits for the
    two cross-entropies, activated outputs otherwise; one-hot or probability rows as
    cross-entropy targets). Returns ``(value, grad_rows)``: the mean loss and
    ``d value / d out_rows`` (n rows of k).
    """
    loss = Loss.coerce(loss)
    row_kernel, mean_over = KERNELS[loss.name]
    n = len(out_rows)
    if n == 0 or len(y_rows) != n:
        raise ValueError(f"loss_gradient needs as many target rows as output rows (at least 1), "
                         f"got {n} output rows and {len(y_rows)} target rows")
    k = len(out_rows[0])
    count = n if mean_over == "rows" else n * k
    total, grad_rows = 0.0, []
    for out_row, y_row in zip(out_rows, y_rows):
        # Python floats are doubles (numpy float32 scalars would keep computing in float32)
        out_row, y_row = [float(v) for v in out_row], [float(v) for v in y_row]
        value, grad = row_kernel(out_row, y_row, loss.param)
        total += value
        grad_rows.append([g / count for g in grad])   # the mean's 1/count flows into every gradient
    return total / count, grad_rows


def weighted_loss_gradient(loss: Loss | str, out_rows: Sequence[Sequence[float]],
                           y_rows: Sequence[Sequence[float]],
                           weights: Sequence[float]) -> tuple[float, list[list[float]]]:
    """The weighted mean ``sum_i w_i l_i / sum_i w_i`` and its gradient.

    ``l_i`` is the loss of row i on its own (``loss_gradient`` of one row), so
    that weights of 1 give the plain mean. A batch whose weights sum to 0
    contributes a loss and gradient of 0.
    """
    total_weight = sum(weights)
    value, grad_rows = 0.0, []
    for out_row, y_row, w in zip(out_rows, y_rows, weights):
        row_value, (row_grad,) = loss_gradient(loss, [out_row], [y_row])
        value += w * row_value
        scale = w / total_weight if total_weight > 0 else 0.0
        grad_rows.append([scale * g for g in row_grad])
    return (value / total_weight if total_weight > 0 else 0.0), grad_rows
