"""The activation functions fastnet knows: names, parameters, initialisation.

This table is the one list of activations. The compiled kernels number them
by their position here (``fastnet/_core/activations.pxd`` declares the same
order, and a test checks it); the reference implements each by name. The
formulas are in ``docs/MATH.md``.
"""

from __future__ import annotations

from typing import ClassVar

from ..checks.scalars import check_real
from ._named import NamedFunction

__all__ = ["ACTIVATIONS", "Activation"]

#: name -> (parameters with their defaults, weight initialisation scheme "he" or "glorot")
ACTIVATIONS: dict[str, tuple[dict[str, float], str]] = {
    "identity": ({}, "glorot"),
    "relu": ({}, "he"),
    "leaky_relu": ({"negative_slope": 0.01}, "he"),
    "sigmoid": ({}, "glorot"),
    "tanh": ({}, "glorot"),
    "softmax": ({}, "glorot"),
}


class Activation(NamedFunction):
    """An activation function and its parameter, e.g. ``Activation("leaky_relu", negative_slope=0.1)``.

    Anywhere fastnet takes an activation, a name (``"relu"``) works too.
    ``id`` is the kernels' ActivationId; ``param`` the one double they take.
    """

    __slots__ = ()
    kind: ClassVar[str] = "activation"
    table: ClassVar[dict[str, tuple[dict[str, float], str]]] = ACTIVATIONS

    def _check_params(self, params: dict[str, float]) -> dict[str, float]:
        if "negative_slope" in params:
            # >= 0 so that the backward pass can read the sign of z from a = act(z).
            params["negative_slope"] = check_real("negative_slope", params["negative_slope"], low=0.0)
        return params

    @property
    def init(self) -> str:
        """``"he"`` or ``"glorot"``: the weight initialisation that suits this activation."""
        return ACTIVATIONS[self.name][1]
