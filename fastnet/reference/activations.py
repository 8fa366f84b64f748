"""Activation functions, one row at a time (docs/MATH.md, "Activations").

Each activation is two small functions:

* ``forward(z_row, param) -> a_row``: the activation itself;
* ``backward(a_row, g_row, param) -> dz_row``: the chain rule through it,
  turning ``g = dL/da`` into ``dL/dz``.

The backward pass reads the *output* ``a`` rather than the input ``z``: every
derivative here can be written in terms of ``a`` (``sigmoid' = a (1 - a)``,
``tanh' = 1 - a^2``), so the network keeps one array per layer instead of two.
``param`` is the activation's one parameter (leaky_relu's ``negative_slope``),
0.0 for the others.

The names, parameters and defaults come from :mod:`fastnet.nn.activations`; this
module only says what each name computes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import TypeAlias

from ..nn.activations import Activation

__all__ = ["forward", "backward", "sigmoid", "FORWARD", "BACKWARD"]


#: forward(z_row, param) -> a_row
Forward: TypeAlias = Callable[[list[float], float], list[float]]
#: backward(a_row, g_row, param) -> dz_row
Backward: TypeAlias = Callable[[list[float], list[float], float], list[float]]


def sigmoid(z: float) -> float:
    """1 / (1 + e^-z), written so that no exp() ever sees a large positive argument."""
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)  # z < 0, so e < 1: no overflow even for z = -1e308
    return e / (1.0 + e)


def softmax(z_row: Sequence[float]) -> list[float]:
    """exp(z_j) / sum_i exp(z_i), computed after subtracting max(z) so no exp() overflows."""
    m = max(z_row)
    e = [math.exp(z - m) for z in z_row]
    total = sum(e)
    return [x / total for x in e]


# -- forward: z -> a ------------------------------------------------------------------

def _identity(z_row: list[float], param: float) -> list[float]:
    return list(z_row)


def _relu(z_row: list[float], param: float) -> list[float]:
    # Written so that NaN stays NaN (as in PyTorch): a diverging network stays visible.
    return [0.0 if z <= 0 else z for z in z_row]


def _leaky_relu(z_row: list[float], param: float) -> list[float]:
    return [z if z > 0 else param * z for z in z_row]


def _sigmoid(z_row: list[float], param: float) -> list[float]:
    return [sigmoid(z) for z in z_row]


def _tanh(z_row: list[float], param: float) -> list[float]:
    return [math.tanh(z) for z in z_row]


def _softmax(z_row: list[float], param: float) -> list[float]:
    return softmax(z_row)


# -- backward: (a, dL/da) -> dL/dz ------------------------------------------------------

def _identity_backward(a_row: list[float], g_row: list[float], param: float) -> list[float]:
    return list(g_row)


def _relu_backward(a_row: list[float], g_row: list[float], param: float) -> list[float]:
    # a > 0 exactly when z > 0; at z = 0 the derivative is taken as 0 (as PyTorch).
    return [g if a > 0 else 0.0 for a, g in zip(a_row, g_row)]


def _leaky_relu_backward(a_row: list[float], g_row: list[float], param: float) -> list[float]:
    # slope >= 0 keeps the sign of z visible in a, so a > 0 still means z > 0.
    return [g if a > 0 else param * g for a, g in zip(a_row, g_row)]


def _sigmoid_backward(a_row: list[float], g_row: list[float], param: float) -> list[float]:
    return [g * a * (1.0 - a) for a, g in zip(a_row, g_row)]


def _tanh_backward(a_row: list[float], g_row: list[float], param: float) -> list[float]:
    return [g * (1.0 - a * a) for a, g in zip(a_row, g_row)]


def _softmax_backward(a_row: list[float], g_row: list[float], param: float) -> list[float]:
    # da_j/dz_i = a_j (delta_ij - a_i): each output depends on every input of its row,
    # so dL/dz_j = a_j (g_j - sum_i g_i a_i) -- the Jacobian-vector product.
    g_dot_a = sum(g * a for a, g in zip(a_row, g_row))
    return [a * (g - g_dot_a) for a, g in zip(a_row, g_row)]


#: name -> forward and backward; the keys are exactly those of fastnet.nn.activations.ACTIVATIONS
FORWARD: dict[str, Forward] = {
    "identity": _identity,
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "sigmoid": _sigmoid,
    "tanh": _tanh,
    "softmax": _softmax,
}
BACKWARD: dict[str, Backward] = {
    "identity": _identity_backward,
    "relu": _relu_backward,
    "leaky_relu": _leaky_relu_backward,
    "sigmoid": _sigmoid_backward,
    "tanh": _tanh_backward,
    "softmax": _softmax_backward,
}


def forward(activation: Activation | str, z_row: Iterable[float]) -> list[float]:
    """``a = act(z)`` for one row. ``activation``: an Activation or a name."""
    activation = Activation.coerce(activation)
    return FORWARD[activation.name](_floats(z_row), activation.param)


def backward(activation: Activation | str, a_row: Iterable[float], grad_row: Iterable[float]) -> list[float]:
    """``dL/dz`` for one row, from the activated row ``a`` and ``grad_row = dL/da``."""
    activation = Activation.coerce(activation)
    return BACKWARD[activation.name](_floats(a_row), _floats(grad_row), activation.param)


def _floats(row: Iterable[float]) -> list[float]:
    # Python floats are doubles; numpy float32 scalars passed in would keep computing in float32.
    return [float(v) for v in row]
