"""The layers a :class:`fastnet.Network` is built from."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..checks.scalars import check_int
from .activations import Activation
from .init import layer_init

__all__ = ["Dense"]


class Dense:
    """A dense (fully connected) layer: ``z = x W + b``, then the activation.

    ``W`` has shape (n_in, n_out) and ``b`` shape (n_out,). Once the layer is
    part of a :class:`Network`, both are views into the network's flat
    ``params`` buffer (and ``dW``, ``db`` into ``grads``); before that they are None.

    ``init`` is how the network draws ``W`` (``b`` starts at zero): a name in
    ``fastnet.INITIALIZERS`` (Keras's definitions, the normal variants truncated
    at two standard deviations as Keras does; docs/MATH.md), or None for the
    activation's default (he_uniform for relu and leaky_relu, glorot_uniform for
    the rest). ``"he"`` and ``"glorot"`` are short for the uniform variants.
    """

    n_in: int
    n_out: int
    activation: Activation
    init: str
    W: npt.NDArray[np.floating[Any]]
    b: npt.NDArray[np.floating[Any]]
    dW: npt.NDArray[np.floating[Any]]
    db: npt.NDArray[np.floating[Any]]

    def __init__(self, n_in: int, n_out: int, activation: Activation | str = "identity",
                 init: str | None = None) -> None:
        self.n_in = check_int("n_in", n_in, low=1)
        self.n_out = check_int("n_out", n_out, low=1)
        self.activation = Activation.coerce(activation)
        self.init = layer_init(init, self.activation)
        self.W = self.b = self.dW = self.db = None  # type: ignore[assignment]  # set by the Network

    def _spec(self) -> dict[str, Any]:
        """The layer as JSON values (the model file and a pickle keep it so); :meth:`_from_spec` inverts it."""
        return {"n_in": self.n_in, "n_out": self.n_out, "activation": self.activation.to_dict(),
                "init": self.init}

    @classmethod
    def _from_spec(cls, spec: dict[str, Any]) -> Dense:
        # Files written before ``init`` existed have none: their layers had the activation's default.
        return cls(spec["n_in"], spec["n_out"], Activation(**spec["activation"]), spec.get("init"))

    def __repr__(self) -> str:
        # The initialiser only when it is not the activation's default: the repr of 0.1 otherwise.
        chosen = "" if self.init == layer_init(None, self.activation) else f", init={self.init!r}"
        return f"Dense({self.n_in}, {self.n_out}, {self.activation.name!r}{chosen})"
