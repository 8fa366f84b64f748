"""Activation functions, one row at a time (docs/MATH.md, "Activations").

Each activation is two small functions:

* ``forward(z_row, params) -> a_row``: the activation itself;
* ``backward(z_row, a_row, g_row, params) -> dz_row``: the chain rule through
  it, turning ``g = dL/da`` into ``dL/dz``.

As the kernels do, the backward pass reads the *output* ``a`` wherever ``a``
determines the derivative (``sigmoid' = a (1 - a)``, ``tanh' = 1 - a^2``,
``elu' = a + alpha`` for ``z <= 0``), so the network keeps one array per layer
instead of two. gelu, gelu_tanh and silu are not monotone, and softplus with
its threshold is not one-to-one, so their backward reads ``z``; the others are
given ``z_row=None`` and never look at it. ``params`` is the activation's
parameters by name (leaky_relu's ``negative_slope``, elu's ``alpha``,
softplus's ``beta`` and ``threshold``), empty for the others.

The names, parameters and defaults come from :mod:`fastnet.nn.activations`; this
module only says what each name computes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeAlias

from ..nn.activations import Activation

__all__ = ["forward", "backward", "sigmoid", "FORWARD", "BACKWARD"]


#: One row of a batch.
Row: TypeAlias = list[float]
#: An activation's parameters by name ({} for none).
Params: TypeAlias = Mapping[str, float]
#: forward(z_row, params) -> a_row
Forward: TypeAlias = Callable[[list[float], Params], list[float]]
#: backward(z_row or None, a_row, g_row, params) -> dz_row
Backward: TypeAlias = Callable[[list[float] | None, list[float], list[float], Params], list[float]]

_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715


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

def _identity(z_row: Row, p: Params) -> Row:
    return list(z_row)


def _relu(z_row: Row, p: Params) -> Row:
    # Written so that NaN stays NaN (as in PyTorch): a diverging network stays visible.
    return [0.0 if z <= 0 else z for z in z_row]


def _leaky_relu(z_row: Row, p: Params) -> Row:
    return [z if z > 0 else p["negative_slope"] * z for z in z_row]


def _sigmoid(z_row: Row, p: Params) -> Row:
    return [sigmoid(z) for z in z_row]


def _tanh(z_row: Row, p: Params) -> Row:
    return [math.tanh(z) for z in z_row]


def _softmax(z_row: Row, p: Params) -> Row:
    return softmax(z_row)


def _gelu(z_row: Row, p: Params) -> Row:
    # z Phi(z), with Phi(z) = erfc(-z / sqrt 2) / 2: no cancellation for z < 0 (1 + erf would cancel).
    return [0.5 * z * math.erfc(-z / _SQRT_2) for z in z_row]


def _gelu_tanh_sigmoid(z: float) -> float:
    """(1 + tanh(u)) / 2 = sigmoid(2u), u = sqrt(2/pi) (z + 0.044715 z^3): the same, without cancellation."""
    return sigmoid(2.0 * _SQRT_2_OVER_PI * (z + _GELU_CUBIC * z * z * z))  # z * z * z: inf, not OverflowError


def _gelu_tanh(z_row: Row, p: Params) -> Row:
    return [z * _gelu_tanh_sigmoid(z) for z in z_row]


def _silu(z_row: Row, p: Params) -> Row:
    return [z * sigmoid(z) for z in z_row]


def _elu(z_row: Row, p: Params) -> Row:
    return [z if z > 0 else p["alpha"] * math.expm1(z) for z in z_row]


def _softplus(z_row: Row, p: Params) -> Row:
    # log(1 + e^t) = max(t, 0) + log1p(e^-|t|) for t = beta z: equal, and no exp() overflows.
    beta, threshold = p["beta"], p["threshold"]
    return [z if beta * z > threshold else (max(beta * z, 0.0) + math.log1p(math.exp(-abs(beta * z)))) / beta
            for z in z_row]


# -- backward: (z or None, a, dL/da) -> dL/dz -------------------------------------------------

def _identity_backward(z_row: Row | None, a_row: Row, g_row: Row, p: Params) -> Row:
    return list(g_row)


def _relu_backward(z_row: Row | None, a_row: Row, g_row: Row, p: Params) -> Row:
    # a > 0 exactly when z > 0; at z = 0 the derivative is taken as 0 (as PyTorch).
    return [g if a > 0 else 0.0 for a, g in zip(a_row, g_row)]


def _leaky_relu_backward(z_row: Row | None, a_row: Row, g_row: Row, p: Params) -> Row:
    # slope >= 0 keeps the sign of z visible in a, so a > 0 still means z > 0.
    return [g if a > 0 else p["negative_slope"] * g for a, g in zip(a_row, g_row)]


def _sigmoid_backward(z_row: Row | None, a_row: Row, g_row: Row, p: Params) -> Row:
    return [g * a * (1.0 - a) for a, g in zip(a_row, g_row)]


def _tanh_backward(z_row: Row | None, a_row: Row, g_row: Row, p: Params) -> Row:
    return [g * (1.0 - a * a) for a, g in zip(a_row, g_row)]


def _softmax_backward(z_row: Row | None, a_row: Row, g_row: Row, p: Params) -> Row:
    # da_j/dz_i = a_j (delta_ij - a_i): each output depends on every input of its row,
    # so dL/dz_j = a_j (g_j - sum_i g_i a_i) -- the Jacobian-vector product.
    g_dot_a = sum(g * a for a, g in zip(a_row, g_row))
    return [a * (g - g_dot_a) for a, g in zip(a_row, g_row)]


def _z(z_row: Row | None, name: str) -> Row:
    if z_row is None:
        raise ValueError(f"the backward pass of {name} reads z (its output does not determine it); pass z_row")
    return z_row


def _gelu_backward(z_row: Row | None, a_row: Row, g_row: Row, p: Params) -> Row:
    # d/dz z Phi(z) = Phi(z) + z phi(z), phi the standard normal density.
    return [g * (0.5 * math.erfc(-z / _SQRT_2) + z * math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi))
            for z, g in zip(_z(z_row, "gelu"), g_row)]


def _gelu_tanh_backward(z_row: Row | None, a_row: Row, g_row: Row, p: Params) -> Row:
    # d/dz z s(z), s = sigmoid(2u): s + z * 2 s (1 - s) * du/dz, du/dz = sqrt(2/pi) (1 + 3 * 0.044715 z^2).
    out = []
    for z, g in zip(_z(z_row, "gelu_tanh"), g_row):
        s = _gelu_tanh_sigmoid(z)
        s_slope = s * _gelu_tanh_sigmoid(-z)   # s (1 - s), as sigmoid(2u) sigmoid(-2u): no cancellation
        out.append(g * (s + (0.0 if s_slope == 0 else 2.0 * z * s_slope * _SQRT_2_OVER_PI
                                                           * (1.0 + 3.0 * _GELU_CUBIC * z * z))))
    return out


def _silu_backward(z_row: Row | None, a_row: Row, g_row: Row, p: Params) -> Row:
    # d/dz z sigmoid(z) = sigmoid(z) + z sigmoid(z) sigmoid(-z).
    return [g * (sigmoid(z) + z * sigmoid(z) * sigmoid(-z)) for z, g in zip(_z(z_row, "silu"), g_row)]


def _elu_backward(z_row: Row | None, a_row: Row, g_row: Row, p: Params) -> Row:
    # alpha > 0: a > 0 exactly when z > 0; below, alpha e^z = a + alpha (alpha at z = 0, as PyTorch).
    return [g if a > 0 else g * (a + p["alpha"]) for a, g in zip(a_row, g_row)]


def _softplus_backward(z_row: Row | None, a_row: Row, g_row: Row, p: Params) -> Row:
    # 1 in the linear part (beta z > threshold), else sigmoid(beta z). From z: with a
    # threshold, two z can give one a (threshold 0: z = -0.5 and z = 0.474) with two slopes.
    beta, threshold = p["beta"], p["threshold"]
    return [g if beta * z > threshold else g * sigmoid(beta * z) for z, g in zip(_z(z_row, "softplus"), g_row)]


#: name -> forward and backward; the keys are exactly those of fastnet.nn.activations.ACTIVATIONS
FORWARD: dict[str, Forward] = {
    "identity": _identity,
    "relu": _relu,
    "leaky_relu": _leaky_relu,
    "sigmoid": _sigmoid,
    "tanh": _tanh,
    "softmax": _softmax,
    "gelu": _gelu,
    "gelu_tanh": _gelu_tanh,
    "silu": _silu,
    "elu": _elu,
    "softplus": _softplus,
}
BACKWARD: dict[str, Backward] = {
    "identity": _identity_backward,
    "relu": _relu_backward,
    "leaky_relu": _leaky_relu_backward,
    "sigmoid": _sigmoid_backward,
    "tanh": _tanh_backward,
    "softmax": _softmax_backward,
    "gelu": _gelu_backward,
    "gelu_tanh": _gelu_tanh_backward,
    "silu": _silu_backward,
    "elu": _elu_backward,
    "softplus": _softplus_backward,
}


def forward(activation: Activation | str, z_row: Iterable[float]) -> list[float]:
    """``a = act(z)`` for one row. ``activation``: an Activation or a name."""
    activation = Activation.coerce(activation)
    return FORWARD[activation.name](_floats(z_row), activation.params)


def backward(activation: Activation | str, a_row: Iterable[float], grad_row: Iterable[float],
             z_row: Iterable[float] | None = None) -> list[float]:
    """``dL/dz`` for one row, from the activated row ``a``, ``grad_row = dL/da`` and the pre-activations.

    ``z_row`` is read only by gelu, gelu_tanh, silu and softplus (a ValueError
    says so if it is missing there); the others take ``a`` alone.
    """
    activation = Activation.coerce(activation)
    z = None if z_row is None else _floats(z_row)
    return BACKWARD[activation.name](z, _floats(a_row), _floats(grad_row), activation.params)


def _floats(row: Iterable[float]) -> list[float]:
    # Python floats are doubles; numpy float32 scalars passed in would keep computing in float32.
    return [float(v) for v in row]
