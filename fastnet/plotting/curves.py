"""The curves of the seed texts' pictures, computed with :mod:`fastnet.reference` (no matplotlib).

Each loss against the network's output and each activation against its
input, with their derivatives, come from the reference's own loss and
activation functions (``loss_gradient``, ``forward``, ``backward``), so the
pictures show fastnet's math, and a function added to ``LOSSES`` or
``ACTIVATIONS`` (and to the reference) is drawn with no change here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from ..nn.activations import Activation
from ..nn.losses import Loss
from ..reference import activations as ref_activations
from ..reference import losses as ref_losses

__all__ = ["reference_backward", "LossCurve", "loss_curve", "probability_grid", "output_width", "ActivationCurve",
           "activation_curve", "is_row_activation", "chain_product", "largest_derivative", "with_zero",
           "finite_range"]

Floats = npt.NDArray[np.float64]


def reference_backward(activation: Activation | str, z_row: list[float], a_row: list[float],
                       g_row: list[float]) -> list[float]:
    """The reference's backward pass of one row, from the output ``a`` and the pre-activations ``z``.

    (gelu, silu and softplus read ``z``: their output does not determine their derivative.)
    """
    return list(ref_activations.backward(activation, a_row, g_row, z_row=z_row))


class LossCurve(NamedTuple):
    """One loss against the output ``w`` for one target ``y``.

    ``w``: the output (the predicted probability of class 1 for a loss fused with
    its activation); ``value``: ``L(w, y)`` of one sample; ``dw``: ``dL/dw``;
    ``dz``: ``dL/dz``, the gradient at the logit that backpropagation starts from
    (None for a loss that reads the output itself: there ``dz`` is ``dw``).
    """

    w: Floats
    value: Floats
    dw: Floats
    dz: Floats | None


def output_width(loss: Loss) -> int:
    """1, or 2 for a loss that needs at least two output units (cross_entropy over two classes)."""
    try:
        loss.check_n_outputs(1)
    except ValueError:
        return 2
    return 1


def _target_row(y: float, width: int) -> list[float]:
    # With two outputs the target is the probability row (1 - y, y): y is class 1's.
    return [y] if width == 1 else [0.0] * (width - 2) + [1.0 - y, y]


def probability_grid(points: int) -> Floats:
    """``points`` probabilities strictly inside (0, 1), evenly spaced (the midpoints of equal cells)."""
    return (np.arange(points, dtype=np.float64) + 0.5) / points


def _output_loss(loss: Loss, y: float, outputs: Floats) -> LossCurve:
    """A loss that reads the output itself: L and dL/dw straight from ``loss_gradient``."""
    values, grads = [], []
    for w in outputs:
        value, (grad,) = ref_losses.loss_gradient(loss, [[float(w)]], [[y]])
        values.append(value)
        grads.append(grad[0])
    return LossCurve(outputs.copy(), np.array(values), np.array(grads), None)


def _fused_loss(loss: Loss, activation: str, y: float, probabilities: Floats) -> LossCurve:
    """A loss fused with its output activation, against the probability ``w`` it gives class 1.

    The logits are ``(0, ..., 0, t)`` with ``t = log(p / (1 - p))`` (the sigmoid's
    inverse; the softmax of ``(0, t)`` is the sigmoid of ``t`` too); ``w`` is the
    activation's last output at them. ``loss_gradient`` gives ``dL/dt``, the
    activation's backward gives ``dw/dt``, and ``dL/dw = (dL/dt) / (dw/dt)``:
    the chain rule read backwards.
    """
    width = output_width(loss)
    target, last = _target_row(y, width), [0.0] * (width - 1) + [1.0]
    w, values, dw, dz = [], [], [], []
    for p in probabilities:
        logits = [0.0] * (width - 1) + [math.log(p) - math.log1p(-p)]
        out = ref_activations.forward(activation, logits)
        value, (grad,) = ref_losses.loss_gradient(loss, [logits], [target])
        dw_dt = reference_backward(activation, logits, out, last)[-1]
        w.append(out[-1])
        values.append(value)
        dz.append(grad[-1])
        dw.append(grad[-1] / dw_dt)
    return LossCurve(np.array(w), np.array(values), np.array(dw), np.array(dz))


def loss_curve(loss: Loss, y: float, outputs: Floats, probabilities: Floats) -> LossCurve:
    """``loss`` for one sample with target ``y``: over ``outputs``, or over ``probabilities``
    for a loss fused with its output activation (it is defined for a probability only)."""
    activation = loss.fused_activation
    if activation is None:
        return _output_loss(loss, float(y), outputs)
    return _fused_loss(loss, activation, float(y), probabilities)


class ActivationCurve(NamedTuple):
    """``a = act(z)`` and ``da/dz`` over ``z`` (for a row activation, the first output of ``(z, 0)``)."""

    z: Floats
    value: Floats
    derivative: Floats


def is_row_activation(activation: Activation) -> bool:
    """Whether one output depends on the other inputs of its row (softmax), not on its own input only."""
    low = ref_activations.forward(activation, [-1.0, 0.0])
    high = ref_activations.forward(activation, [1.0, 0.0])
    return low[1] != high[1]


def activation_curve(activation: Activation, z: Floats) -> ActivationCurve:
    """The activation and its derivative from the reference's forward and backward.

    Each point is the row ``(z, 0)``: for an elementwise activation its first
    output is ``act(z)`` and the backward pass of ``g = (1, 0)`` is ``act'(z)``;
    for softmax they are the first output of ``softmax(z, 0)`` and its derivative in ``z``.
    """
    values, derivatives = [], []
    for point in z:
        row = [float(point), 0.0]
        out = ref_activations.forward(activation, row)
        values.append(out[0])
        derivatives.append(reference_backward(activation, row, out, [1.0, 0.0])[0])
    return ActivationCurve(z.copy(), np.array(values), np.array(derivatives))


def chain_product(derivative: float, layers: int) -> Floats:
    """``derivative ** n`` for n = 1 .. layers: the factor the activations put on a gradient that
    flows back through n layers whose pre-activations all sit at the same point (weights left out)."""
    return np.cumprod(np.full(layers, float(derivative)))


def largest_derivative(curve: ActivationCurve) -> tuple[float, float]:
    """(z, act'(z)) where the derivative is largest on the curve (the first such z)."""
    index = int(np.argmax(curve.derivative))
    return float(curve.z[index]), float(curve.derivative[index])


def with_zero(low: float, high: float, points: int) -> Floats:
    """``points`` evenly spaced values from ``low`` to ``high``, and 0 among them when it lies between
    (where sigmoid' and tanh' peak: the largest derivative is then exact)."""
    grid = np.linspace(low, high, points)
    return np.union1d(grid, [0.0]) if low < 0.0 < high else grid


def finite_range(*arrays: Sequence[float] | Floats) -> tuple[float, float]:
    """The smallest and largest finite value of the arrays."""
    values = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
    values = values[np.isfinite(values)]
    return float(values.min()), float(values.max())
