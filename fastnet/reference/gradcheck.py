"""Check backpropagation against finite differences.

The seed texts find a derivative by nudging one weight and watching the loss:
``(L(w + h) - L(w)) / h``. That is too slow to train with (two loss
evaluations per parameter) but it is the perfect referee for backpropagation,
which must give the same numbers. :func:`gradcheck` uses the centred form
``(L(w + h) - L(w - h)) / 2h``, whose error shrinks like ``h^2`` instead of ``h``.

Works on any object with the network interface -- ``params`` (get and set),
``grads``, ``loss(X, Y)`` and ``backward(X, Y)`` -- so both the list-based
:mod:`fastnet.reference` network and the compiled, numpy-based one. Pure
Python: values are read with ``float()`` and indexing only.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

from ..checks.scalars import check_int, check_real
from .random import SplitMix64, shuffled_order

__all__ = ["gradcheck"]


class _SupportsGradcheck(Protocol):
    """The network interface gradcheck needs (fastnet.Network and fastnet.reference.Network have it).

    The batch and the parameters are typed loosely on purpose: the compiled
    network takes arrays, the reference lists, and gradcheck only passes them on.
    """

    @property
    def params(self) -> Any: ...
    @params.setter
    def params(self, values: Any) -> None: ...
    @property
    def grads(self) -> Any: ...
    def loss(self, X: Any, Y: Any) -> float: ...
    def backward(self, X: Any, Y: Any) -> float: ...

#: Unit roundoff of the network's dtype: what one rounding of the loss may cost, relatively.
_EPS = {"float64": 2.0**-52, "float32": 2.0**-23}


def gradcheck(net: _SupportsGradcheck, X: Any, Y: Any, h: float = 1e-6, max_params: int | None = None,
              seed: int = 0) -> float:
    """The worst relative error between backprop's gradient and centred finite differences.

    For each checked parameter ``w_i``, backprop gives ``a_i`` (``net.backward(X, Y)``,
    then ``net.grads``) and the finite difference gives ::

        n_i = (L+ - L-) / ((w_i + h) - (w_i - h)),    L± = net.loss(X, Y) at w_i ± h

    (dividing by the distance actually stepped, rather than 2h, removes one rounding).
    The error of entry i is ::

        |a_i - n_i| / max(|a_i|, |n_i|, sqrt(eps) * (|L+| + |L-|) / (2h))

    that is, relative to the derivative's own size -- except that no derivative is
    taken to be smaller than the finite difference can resolve. ``L±`` are rounded
    to about ``eps * |L|`` (eps = 2**-52 for float64), so ``n_i`` carries a noise
    of about ``eps * |L| / h`` whatever the true derivative; dividing by a
    derivative near or below that noise would report noise as error. The floor is
    ``1 / sqrt(eps)`` (about 7e7) times that noise, so noise alone adds at most
    about ``sqrt(eps)`` (1.5e-8) to the error, and a wrong derivative shows up as
    soon as it differs from the right one by more than about ``sqrt(eps) |L| / h``
    (``1.5e-8 |L| / h``: 1.5% of ``|L|`` at h = 1e-6, far below any real bug's size).
    The floor scales with the loss, so the error does not change if the loss is
    multiplied by a constant.

    net: a network. ``eps`` follows ``net.dtype`` ("float32": 2**-23; expect errors
    near 1e-3 at best there, with h near 1e-2). X, Y: a batch, as ``net.loss``
    takes it. h: the step, > 0 (1e-6 suits float64). max_params: check only this
    many parameters, a random subset drawn by a SplitMix64 generator started at
    ``seed``; None checks them all.

    The network's parameters are restored afterwards, also if an error is raised.
    Returns the worst error over the checked parameters: 0.0 if all agree
    exactly, NaN if a value is NaN.
    """
    h = check_real("h", h, low=0.0, low_open=True)
    max_params = check_int("max_params", max_params, low=1, allow_none=True)
    seed = check_int("seed", seed, low=0, high=2**64 - 1)
    for attr in ("params", "grads", "loss", "backward"):
        if not hasattr(net, attr):
            raise TypeError(f"gradcheck needs a network with params, grads, loss() and backward(); "
                            f"{type(net).__name__} has no {attr!r}")
    sqrt_eps = math.sqrt(_EPS.get(str(getattr(net, "dtype", "float64")), _EPS["float64"]))

    original = [float(p) for p in net.params]   # a copy: a live array would change under us
    n = len(original)
    checked: Sequence[int] = range(n)
    if max_params is not None and max_params < n:
        checked = sorted(shuffled_order(n, SplitMix64(seed))[:max_params])
    try:
        net.backward(X, Y)
        analytic = [float(g) for g in net.grads]
        if len(analytic) != n:
            raise ValueError(f"net.grads has {len(analytic)} entries but net.params has {n}")
        worst = 0.0
        for i in checked:
            numeric, noise_scale = _centred_difference(net, X, Y, original, i, h)
            error = _relative_error(analytic[i], numeric, sqrt_eps * noise_scale)
            if error != error:          # NaN: no comparison is possible, and max() would drop it
                return error
            worst = max(worst, error)
        return worst
    finally:
        net.params = original


def _centred_difference(net: _SupportsGradcheck, X: Any, Y: Any, params: list[float], i: int,
                        h: float) -> tuple[float, float]:
    """dL/dw_i by (L(w_i + h) - L(w_i - h)) / (the distance stepped); also (|L+| + |L-|) / step."""
    up, down = list(params), list(params)
    up[i] += h
    down[i] -= h
    step = up[i] - down[i]
    if step == 0:
        raise ValueError(f"h={h!r} is too small to change parameter {i} (value {params[i]!r}); use a larger h")
    net.params = up
    loss_up = float(net.loss(X, Y))
    net.params = down
    loss_down = float(net.loss(X, Y))
    return (loss_up - loss_down) / step, (abs(loss_up) + abs(loss_down)) / step


def _relative_error(a: float, b: float, floor: float) -> float:
    if a != a or b != b:
        return float("nan")
    scale = max(abs(a), abs(b), floor)
    return abs(a - b) / scale if scale > 0 else 0.0   # scale 0: both derivatives are exactly 0
