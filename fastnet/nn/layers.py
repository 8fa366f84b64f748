"""The layers a :class:`fastnet.Network` is built from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..checks.scalars import check_int, check_real
from .activations import Activation
from .init import layer_init

__all__ = ["Dense", "Dropout", "DROPOUT_SEED_XOR", "layer_specs", "layers_from_specs"]

#: A network's dropout masks come from a SplitMix64 stream started at ``seed ^ DROPOUT_SEED_XOR``
#: (the next 64 bits of pi after the shuffle's 0x243F6A8885A308D3): a stream of its own, so that
#: adding dropout changes neither the initial weights nor the shuffle order (docs/MATH.md).
DROPOUT_SEED_XOR = 0x13198A2E03707344


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
    def _from_spec(cls, spec: dict[str, Any]) -> Dense:  # a "dropout" key is read by layers_from_specs
        # Files written before ``init`` existed have none: their layers had the activation's default.
        return cls(spec["n_in"], spec["n_out"], Activation(**spec["activation"]), spec.get("init"))

    def __repr__(self) -> str:
        # The initialiser only when it is not the activation's default: the repr of 0.1 otherwise.
        chosen = "" if self.init == layer_init(None, self.activation) else f", init={self.init!r}"
        return f"Dense({self.n_in}, {self.n_out}, {self.activation.name!r}{chosen})"


class Dropout:
    """Inverted dropout of the previous layer's output: ``Network([Dense(...), Dropout(0.2), Dense(...)])``.

    In training (``fit``, ``backward``) each unit is kept with probability
    ``1 - p`` and the kept ones are scaled by ``1 / (1 - p)``, so that the next
    layer's input has the same mean as without dropout; in evaluation
    (``predict``, ``loss``) it is the identity. ``p`` is in [0, 1); 0 drops nothing.
    It has no parameters, and sits between two Dense layers.
    """

    p: float

    def __init__(self, p: float) -> None:
        self.p = check_real("Dropout p (the probability of dropping a unit)", p, low=0.0, high=1.0,
                            high_open=True)

    def __repr__(self) -> str:
        return f"Dropout({self.p!r})"


def layer_specs(layers: Sequence[Dense | Dropout]) -> list[dict[str, Any]]:
    """The layers as JSON values (the model file, a pickle): one ``Dense._spec`` each, with a Dropout
    after it as its ``"dropout"`` key (the rate).

    A key that a fastnet before dropout ignores: it reads the network without its
    dropout, which predicts the same (dropout is the identity outside training).
    """
    specs: list[dict[str, Any]] = []
    for layer in layers:
        if isinstance(layer, Dropout):   # after the Dense whose output it drops
            specs[-1]["dropout"] = layer.p
        else:
            specs.append(layer._spec())
    return specs


def layers_from_specs(specs: list[dict[str, Any]]) -> list[Dense | Dropout]:
    """The layers that :func:`layer_specs` describes."""
    layers: list[Dense | Dropout] = []
    for spec in specs:
        layers.append(Dense._from_spec(spec))
        if "dropout" in spec:
            layers.append(Dropout(spec["dropout"]))
    return layers
