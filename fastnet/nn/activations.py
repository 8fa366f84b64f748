"""The activation functions fastnet knows: names, parameters, initialisation.

This table is the one list of activations. The compiled kernels number them
by their position here (``fastnet/_core/activations.pxd`` declares the same
order, and a test checks it), and read an activation's parameters in the
order of its struct there (``PARAMETERS`` of the compiled module, which
:meth:`Activation.param_vector` follows); the reference implements each by
name. The formulas are in ``docs/MATH.md``.
"""

from __future__ import annotations

from typing import ClassVar

from .._core.activations import PARAMETERS as _KERNEL_PARAMETERS
from ..checks.scalars import check_real
from ._named import NamedFunction

__all__ = ["ACTIVATIONS", "Activation"]

#: name -> (parameters with their defaults, the default weight initialisation: a name of
#: fastnet.nn.init.INITIALIZERS or one of its aliases, "he" (he_uniform) and "glorot" (glorot_uniform))
ACTIVATIONS: dict[str, tuple[dict[str, float], str]] = {
    "identity": ({}, "glorot"),
    "relu": ({}, "he"),
    "leaky_relu": ({"negative_slope": 0.01}, "he"),
    "sigmoid": ({}, "glorot"),
    "tanh": ({}, "glorot"),
    "softmax": ({}, "glorot"),
    # "he" for the five below: they are smooth relus (about z for large z, about 0,
    # or -alpha, for very negative z), so, as relu, they pass on about half of a
    # zero-mean input's second moment, which He's sqrt(6 / n_in) makes up for;
    # Glorot's limit suits the activations that are about z near 0 on both sides.
    "gelu": ({}, "he"),
    "gelu_tanh": ({}, "he"),
    "silu": ({}, "he"),
    "elu": ({"alpha": 1.0}, "he"),
    "softplus": ({"beta": 1.0, "threshold": 20.0}, "he"),
}


class Activation(NamedFunction):
    """An activation function and its parameters, e.g. ``Activation("softplus", beta=2.0)``.

    Anywhere fastnet takes an activation, a name (``"relu"``) works too.
    ``id`` is the kernels' ActivationId; :meth:`param_vector` the doubles they take.
    """

    __slots__ = ()
    kind: ClassVar[str] = "activation"
    table: ClassVar[dict[str, tuple[dict[str, float], str]]] = ACTIVATIONS

    def _check_params(self, params: dict[str, float]) -> dict[str, float]:
        if "negative_slope" in params:
            # >= 0 so that the backward pass can read the sign of z from a = act(z).
            params["negative_slope"] = check_real("negative_slope", params["negative_slope"], low=0.0)
        if "alpha" in params:
            # > 0 for the same reason: then a > 0 exactly when z > 0, and a + alpha = alpha exp(z).
            params["alpha"] = check_real("alpha", params["alpha"], low=0.0, low_open=True)
        if "beta" in params:
            params["beta"] = check_real("beta", params["beta"], low=0.0, low_open=True)
        if "threshold" in params:
            params["threshold"] = check_real("threshold", params["threshold"])
        return params

    def param_vector(self) -> list[float]:
        """The parameters as floats, in the order the kernels read them (``[]`` for none)."""
        return [self.params[name] for name in _KERNEL_PARAMETERS[self.id]]

    @property
    def init(self) -> str:
        """The default weight initialisation of this activation: a name of ``INITIALIZERS`` or an alias (``"he"``)."""
        return ACTIVATIONS[self.name][1]
