"""A stack of dense layers: the checks and the ``mlp`` recipe that both networks share.

The compiled :class:`fastnet.Network` and :class:`fastnet.reference.Network`
take the same arguments and must reject the same mistakes with the same
errors (tests/checks/test_same_errors.py), so what they check about their layers,
and how ``Network.mlp`` turns widths into layers, is written once, here. Each
network passes its own layer class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from ..checks.scalars import check_int, check_real
from .activations import Activation
from .init import mlp_inits
from .layers import Dropout
from .custom_loss import CustomLoss, as_loss
from .losses import Loss

__all__ = ["layer_list", "dense_and_rates", "mlp_layers"]


class _Layer(Protocol):
    @property
    def n_in(self) -> int: ...
    @property
    def n_out(self) -> int: ...


_L = TypeVar("_L", bound=_Layer)


def layer_list(layers: object, layer_type: type[_L], type_name: str) -> list[_L | Dropout]:
    """``layers`` (one layer, or an iterable of them) as a list whose widths chain, else raise.

    ``type_name`` is the layer class as users spell it (``"fastnet.Dense"``). A
    :class:`Dropout` may sit between two of those layers (one at a time).
    """
    if isinstance(layers, layer_type):
        return [layers]
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a list of {type_name} layers, got {type(layers).__name__}")
    items = list(layers)
    if not items:
        raise ValueError("layers must hold at least one Dense layer, got none")
    for i, layer in enumerate(items):
        if not isinstance(layer, (layer_type, Dropout)):
            raise TypeError(f"layers[{i}] must be a {type_name} or a fastnet.Dropout, got {type(layer).__name__}")
    _check_dropout_places(items)
    _check_chain(items)
    return items


def _check_dropout_places(items: Sequence[object]) -> None:
    for i, layer in enumerate(items):
        if not isinstance(layer, Dropout):
            continue
        if i == 0 or i == len(items) - 1:
            where = "first" if i == 0 else "last"
            raise ValueError(f"layers[{i}] is a Dropout, which must sit between two Dense layers; "
                             f"it is the {where} layer")
        if isinstance(items[i - 1], Dropout):
            raise ValueError(f"layers[{i - 1}] and layers[{i}] are both Dropout; use one Dropout "
                             f"between two Dense layers")


def _check_chain(items: Sequence[_Layer | Dropout]) -> None:
    # Positions in ``items``, so that the message names the layers as the user listed them.
    dense = [(i, layer) for i, layer in enumerate(items) if not isinstance(layer, Dropout)]
    for (i_below, below), (i, layer) in zip(dense, dense[1:]):
        if layer.n_in != below.n_out:
            raise ValueError(f"layers[{i}] takes {layer.n_in} inputs but layers[{i_below}] "
                             f"gives {below.n_out} outputs")
    # One object twice would be one set of weights in two places, and each
    # backward pass would overwrite the other's gradient.
    if len({id(layer) for _, layer in dense}) != len(dense):
        raise ValueError("the same Dense object appears twice in layers; create one per layer")


def dense_and_rates(layers: Sequence[_L | Dropout]) -> tuple[list[_L], list[float]]:
    """The layers with parameters, and for each the dropout rate applied to its output (0.0: none)."""
    dense: list[_L] = []
    rates: list[float] = []
    for layer in layers:
        if isinstance(layer, Dropout):
            rates[-1] = layer.p   # layer_list put a Dense before every Dropout
        else:
            dense.append(layer)
            rates.append(0.0)
    return dense, rates


def _widths(sizes: object) -> list[int]:
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__iter__"):
        raise TypeError(f"sizes must be a list of layer widths such as [64, 128, 10], "
                        f"got {type(sizes).__name__} {sizes!r}")
    try:
        given = list(sizes)
    except TypeError:  # a 0-d numpy array has __iter__, and refuses
        raise TypeError(f"sizes must be a list of layer widths such as [64, 128, 10], "
                        f"got {type(sizes).__name__} {sizes!r}") from None
    widths = [check_int(f"sizes[{i}]", width, low=1) for i, width in enumerate(given)]
    if len(widths) < 2:
        raise ValueError(f"sizes must list at least an input and an output width, got {widths!r}")
    return widths


def _hidden_activation(activation: Activation | str, negative_slope: float | None) -> Activation:
    hidden = Activation.coerce(activation)
    if negative_slope is None:
        return hidden
    if hidden.name != "leaky_relu":
        raise ValueError(f"negative_slope applies to activation 'leaky_relu', got activation {hidden.name!r}")
    return Activation("leaky_relu", negative_slope=negative_slope)


def mlp_layers(make_layer: Callable[[int, int, Activation | str, str | None], _L], sizes: object,
               activation: Activation | str, output_activation: Activation | str | None,
               loss: Loss | CustomLoss | str, negative_slope: float | None,
               init: str | Sequence[str | None] | None = None,
               dropout: float = 0.0) -> tuple[list[_L | Dropout], Loss | CustomLoss]:
    """The layers and the loss of ``Network.mlp(sizes, ...)``.

    Hidden layers use ``activation`` (with ``negative_slope`` for leaky_relu);
    the output layer ``output_activation``, which defaults to what the loss is
    fused with (sigmoid or softmax for the cross-entropies) and to identity
    otherwise. ``init``: one initialiser for every layer, or a list of one per
    layer; None (or a None in the list) is the layer's activation's default.
    ``dropout`` > 0 puts a ``Dropout(dropout)`` after every hidden layer.
    """
    widths = _widths(sizes)
    criterion = as_loss(loss)
    hidden = _hidden_activation(activation, negative_slope)
    inits = mlp_inits(init, len(widths) - 1)
    rate = check_real("dropout", dropout, low=0.0, high=1.0, high_open=True)
    if output_activation is None:
        output_activation = criterion.fused_activation or "identity"
    activations = [hidden] * (len(widths) - 2) + [output_activation]
    layers: list[_L | Dropout] = []
    for n_in, n_out, act, layer_init in zip(widths[:-1], widths[1:], activations, inits):
        if layers and rate > 0:
            layers.append(Dropout(rate))
        layers.append(make_layer(n_in, n_out, act, layer_init))
    return layers, criterion
