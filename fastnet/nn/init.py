"""Weight initialisation: the one list of initialisers, and each layer's limit or standard deviation.

Each initialiser is Keras's ``VarianceScaling(scale, mode, distribution)``
under Keras's name: the weights of a layer get variance ``scale / fan``,
where ``fan`` is ``n_in`` (``"fan_in"``) or ``(n_in + n_out) / 2``
(``"fan_avg"``). The uniform variants draw from ``U(-limit, limit)`` with
``limit = sqrt(3 scale / fan)``; the normal variants, as in Keras, from a
normal truncated at two standard deviations (values beyond are drawn again),
whose standard deviation ``sqrt(scale / fan) / 0.87962566103423978`` makes up
for the truncation (torch's ``kaiming_normal_`` and ``xavier_normal_`` draw an
untruncated normal instead). Biases start at zero whatever the initialiser.
The draws come from the network's SplitMix64 stream (docs/MATH.md), so the
compiled network and fastnet.reference start from the same weights.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .._core.network import InitDistribution
from ..checks.scalars import check_choice
from .activations import Activation

__all__ = ["INITIALIZERS", "ALIASES", "TRUNCATION_CORRECTION", "check_init", "layer_init", "mlp_inits",
           "init_scale", "kernel_plan"]

#: name -> (distribution, scale, fan): Keras's definitions. The distributions
#: are the kernel's (``fastnet._core.network.InitDistribution``, INIT_ + the name).
INITIALIZERS: dict[str, tuple[str, float, str]] = {
    "glorot_uniform": ("uniform", 1.0, "fan_avg"),
    "glorot_normal": ("truncated_normal", 1.0, "fan_avg"),
    "he_uniform": ("uniform", 2.0, "fan_in"),
    "he_normal": ("truncated_normal", 2.0, "fan_in"),
    "lecun_uniform": ("uniform", 1.0, "fan_in"),
    "lecun_normal": ("truncated_normal", 1.0, "fan_in"),
    "zeros": ("zeros", 0.0, "fan_in"),
}

#: The short names of fastnet 0.1, which ``ACTIVATIONS`` uses for each activation's default.
ALIASES: dict[str, str] = {"he": "he_uniform", "glorot": "glorot_uniform"}

#: The standard deviation of a standard normal truncated to [-2, 2] (Keras's constant):
#: dividing by it gives the truncated draws the variance ``scale / fan``.
TRUNCATION_CORRECTION = 0.87962566103423978

_NAMES = (*INITIALIZERS, *ALIASES)


def check_init(init: object, name: str = "init") -> str:
    """The initialiser ``init`` names (an alias resolved), else a TypeError or ValueError naming ``name``."""
    checked = check_choice(name, init, _NAMES)
    return ALIASES.get(checked, checked)


def layer_init(init: str | None, activation: Activation, name: str = "init") -> str:
    """A layer's initialiser: ``init``, or with None its activation's default (``ACTIVATIONS``)."""
    return check_init(activation.init if init is None else init, name)


def mlp_inits(init: str | Sequence[str | None] | None, n_layers: int) -> list[str | None]:
    """``Network.mlp``'s ``init``: one name (or None) for every layer, or a list of one per layer."""
    if init is None or isinstance(init, str):
        return [init] * n_layers
    if not isinstance(init, (list, tuple)):
        raise TypeError(f"init must be an initialiser's name, None or a list of one per layer, "
                        f"got {type(init).__name__}")
    if len(init) != n_layers:
        raise ValueError(f"init lists {len(init)} initialisers but the network has {n_layers} layers")
    return [None if item is None else check_init(item, f"init[{i}]") for i, item in enumerate(init)]


def init_scale(init: str, n_in: int, n_out: int) -> tuple[str, float]:
    """``(distribution, scale)`` of a layer: the uniform's limit, the truncated normal's std, or 0."""
    distribution, scale, mode = INITIALIZERS[init]
    if distribution == "zeros":
        return distribution, 0.0
    fan = n_in if mode == "fan_in" else (n_in + n_out) / 2.0
    if distribution == "uniform":
        return distribution, math.sqrt(3.0 * scale / fan)
    return distribution, math.sqrt(scale / fan) / TRUNCATION_CORRECTION


class _Layer(Protocol):
    @property
    def n_in(self) -> int: ...
    @property
    def n_out(self) -> int: ...
    @property
    def init(self) -> str: ...


def kernel_plan(layers: Iterable[_Layer]) -> tuple[npt.NDArray[np.intc], npt.NDArray[np.float64]]:
    """What ``fastnet._core.network.init_params`` takes: each layer's InitDistribution and scale."""
    plans = [init_scale(layer.init, layer.n_in, layer.n_out) for layer in layers]
    distributions = [InitDistribution[f"INIT_{distribution.upper()}"] for distribution, _ in plans]
    return np.array(distributions, dtype=np.intc), np.array([scale for _, scale in plans], dtype=np.float64)
