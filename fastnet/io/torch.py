"""PyTorch in and out: :func:`from_torch` builds a Network from an ``nn.Sequential``, :func:`to_torch` gives one back.

The modules fastnet reads are ``nn.Linear`` and, after it, the activations of
:data:`TORCH_ACTIVATIONS` (one per fastnet activation but identity):
``ReLU``, ``LeakyReLU(negative_slope)``, ``Sigmoid``, ``Tanh``,
``Softmax(dim=1 or -1)``, ``GELU(approximate='none')`` (fastnet's ``gelu``)
and ``GELU(approximate='tanh')`` (``gelu_tanh``), ``SiLU``, ``ELU(alpha)``,
``Softplus(beta, threshold)``; ``nn.Identity`` is skipped; ``nn.Dropout(p)``
is a :class:`~fastnet.Dropout` of the same rate (both are inverted dropout,
the identity in evaluation). Each Linear and the activation after it are one
:class:`~fastnet.Dense` layer:

- a Linear with no activation after it is a layer with ``identity``;
- a Linear built with ``bias=False`` gets zero biases (the same function);
- an activation that follows another activation (or comes before the first
  Linear) gets a layer of its own whose weights are the identity matrix and
  whose biases are zero, so that the network computes exactly what the
  module does; :func:`to_torch` gives it back as such a Linear;
- a Dropout closes the layer before it (fastnet's Dropout drops a layer's
  output), so an activation after it starts a layer of its own as above, and
  the network computes what the module computes in ``train()`` too. A Dropout
  before the first Linear (on the inputs), after the last layer, or right
  after another Dropout has no fastnet equivalent and is refused.

fastnet's ``W`` is (n_in, n_out), torch's ``weight`` (n_out, n_in): the
copies are transposes, value for value. The network's loss, unless ``loss=``
says otherwise, follows the output: ``cross_entropy`` after ``Softmax``
(two or more outputs), ``binary_cross_entropy`` after ``Sigmoid``, ``mse``
otherwise; with either cross-entropy ``predict`` still returns the
probabilities the module returns (the loss is fused with the output
activation only in training). :func:`to_torch` ends such a network with
``nn.Softmax(dim=1)`` or ``nn.Sigmoid()``, so that the module outputs what
``predict`` outputs. Needs torch, imported when called.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from ..checks.arrays import as_dtype
from ..nn import conversions
from ..nn.activations import ACTIVATIONS, Activation
from ..nn.layers import Dense, Dropout
from ..nn.losses import Loss
from ..nn.network import Network

__all__ = ["from_torch", "to_torch", "TORCH_ACTIVATIONS"]

#: fastnet activation -> (the torch.nn class, its arguments from the activation's parameters).
TORCH_ACTIVATIONS: dict[str, tuple[str, Callable[[dict[str, float]], dict[str, Any]]]] = {
    "relu": ("ReLU", lambda p: {}),
    "leaky_relu": ("LeakyReLU", lambda p: {"negative_slope": p["negative_slope"]}),
    "sigmoid": ("Sigmoid", lambda p: {}),
    "tanh": ("Tanh", lambda p: {}),
    "softmax": ("Softmax", lambda p: {"dim": 1}),
    "gelu": ("GELU", lambda p: {}),
    "gelu_tanh": ("GELU", lambda p: {"approximate": "tanh"}),
    "silu": ("SiLU", lambda p: {}),
    "elu": ("ELU", lambda p: {"alpha": p["alpha"]}),
    "softplus": ("Softplus", lambda p: {"beta": p["beta"], "threshold": p["threshold"]}),
}

_SUPPORTED = ", ".join(["Linear", *dict.fromkeys(name for name, _ in TORCH_ACTIVATIONS.values()), "Identity",
                        "Dropout"])
_TORCH_DTYPES: dict[str, np.dtype[Any]] = {"torch.float32": np.dtype(np.float32), "torch.float64": np.dtype(np.float64)}


def _torch() -> Any:
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise ImportError("converting to or from PyTorch needs the torch package: pip install torch") from None


def _activation(module: Any) -> Activation:
    """The fastnet activation that the torch activation ``module`` is (its parameters read off it)."""
    name = type(module).__name__
    if name == "GELU":
        if module.approximate not in ("none", "tanh"):
            raise ValueError(f"GELU(approximate={module.approximate!r}) is not 'none' or 'tanh'")
        return Activation("gelu" if module.approximate == "none" else "gelu_tanh")
    if name == "Softmax" and module.dim not in (1, -1):
        what = "leaves the axis to torch's implicit choice" if module.dim is None else "normalises another axis"
        raise ValueError(f"Softmax(dim={module.dim!r}) {what}; fastnet's softmax normalises over the "
                         "features: Softmax(dim=1) (or dim=-1)")
    fastnet_name = next(k for k, (cls, _) in TORCH_ACTIVATIONS.items() if cls == name)
    params = {key: float(getattr(module, key)) for key in ACTIVATIONS[fastnet_name][0]}
    return Activation(fastnet_name, **params)


def _kind(nn: Any, module: Any) -> str:
    """"linear", "skip", "dropout" or "activation"; anything else is refused, naming what is supported."""
    cls = type(module)
    if cls is nn.Linear:
        return "linear"
    if cls is nn.Identity:
        return "skip"
    if cls is nn.Dropout:
        return "dropout"
    if any(cls is getattr(nn, name) for name, _ in TORCH_ACTIVATIONS.values()):
        return "activation"
    raise ValueError(f"{cls.__module__}.{cls.__qualname__} has no fastnet equivalent; supported: {_SUPPORTED}")


def _layers(nn: Any, module: Any) -> tuple[list[tuple[Any, Activation]], dict[int, Dropout]]:
    """(Linear or the width of an identity layer, activation) for each fastnet layer of the Sequential,
    and the Dropout after each layer that has one (by the layer's index)."""
    children = list(module)
    widths = [m.in_features for m in children if type(m) is nn.Linear]
    if not widths:
        raise ValueError(f"the Sequential has no nn.Linear (modules: {[type(m).__name__ for m in children]})")
    out: list[tuple[Any, Activation]] = []
    drops: dict[int, Dropout] = {}
    open_linear = False   # the last layer is a Linear that has no activation yet
    for i, child in enumerate(children):
        try:
            kind = _kind(nn, child)
            if kind == "linear":
                out.append((child, Activation("identity")))
                open_linear = True
            elif kind == "activation":
                activation = _activation(child)
                if open_linear:
                    out[-1] = (out[-1][0], activation)
                else:   # after another activation, or before any Linear: a layer that passes x through
                    out.append((_width(out[-1][0]) if out else widths[0], activation))
                open_linear = False
            elif kind == "dropout":
                drops[_dropout_place(out, drops)] = Dropout(float(child.p))
                open_linear = False   # an activation after the Dropout acts on the dropped output
        except (ValueError, TypeError) as exc:
            raise type(exc)(f"module {i} of the Sequential ({type(child).__name__}): {exc}") from None
    if len(out) - 1 in drops:
        i = len(children) - 1 - [type(m) for m in reversed(children)].index(nn.Dropout)
        raise ValueError(f"module {i} of the Sequential (Dropout) drops the network's outputs; fastnet's "
                         "Dropout sits between two layers (remove it: it is the identity in eval())")
    return out, drops


def _dropout_place(out: list[tuple[Any, Activation]], drops: dict[int, Dropout]) -> int:
    """The index of the layer whose output a Dropout read now drops."""
    if not out:
        raise ValueError("a Dropout before the first Linear drops the inputs; fastnet's Dropout drops a "
                         "layer's output")
    if len(out) - 1 in drops:
        raise ValueError(f"a second Dropout on one layer's output (after {drops[len(out) - 1]!r}); "
                         "fastnet has one per layer: use one Dropout with the combined rate")
    return len(out) - 1


def _width(item: Any) -> int:
    return item if isinstance(item, int) else int(item.out_features)


def _network_dtype(nn: Any, layers: list[tuple[Any, Activation]], dtype: npt.DTypeLike | None) -> np.dtype[Any]:
    """The dtype asked for, else the parameters' one (float32 or float64, the same for all)."""
    if dtype is not None:
        return as_dtype(dtype)
    found = {str(p.dtype) for linear, _ in layers if not isinstance(linear, int) for p in linear.parameters()}
    if len(found) != 1 or next(iter(found)) not in _TORCH_DTYPES:
        raise TypeError(f"the module's parameters are {', '.join(sorted(found))}; fastnet follows them when they "
                        "are all torch.float32 or all torch.float64, otherwise pass dtype='float32' or 'float64'")
    return _TORCH_DTYPES[found.pop()]


def _default_loss(layers: list[tuple[Any, Activation]]) -> str:
    last, n_out = layers[-1][1].name, _width(layers[-1][0])
    if last == "softmax" and n_out >= 2:
        return "cross_entropy"
    return "binary_cross_entropy" if last == "sigmoid" else "mse"


def _flat_params(layers: list[tuple[Any, Activation]], n_in: int) -> npt.NDArray[np.float64]:
    """The parameters in the network's layout (W (n_in, n_out) then b, layer after layer), in float64."""
    parts = []
    for linear, _ in layers:
        if isinstance(linear, int):
            parts += [np.eye(linear).ravel(), np.zeros(linear)]
        else:
            weight = linear.weight.detach().cpu().double().numpy()
            if weight.shape[1] != n_in:
                raise ValueError(f"a Linear takes {weight.shape[1]} inputs but the layer before gives {n_in}")
            bias = np.zeros(weight.shape[0]) if linear.bias is None else linear.bias.detach().cpu().double().numpy()
            parts += [weight.T.ravel(), bias]
        n_in = _width(linear)
    return np.concatenate(parts)


def from_torch(module: Any, dtype: npt.DTypeLike | None = None, loss: Loss | str | None = None) -> Network:
    """The Network computing what ``module`` (an ``nn.Sequential``) computes, its weights copied.

    ``dtype``: the network's; by default the module's parameters' (float32 or
    float64). ``loss``: by default ``cross_entropy`` after a final Softmax,
    ``binary_cross_entropy`` after a final Sigmoid, else ``mse``. Raises
    TypeError for anything but an ``nn.Sequential``, and ValueError naming the
    first module fastnet cannot express (its index and class) with the list of
    those it can. An ``nn.Dropout(p)`` becomes a ``fastnet.Dropout(p)``.
    """
    nn = _torch().nn
    if not isinstance(module, nn.Sequential):
        raise TypeError(f"from_torch takes a torch.nn.Sequential of Linear layers and activations, "
                        f"got {type(module).__module__}.{type(module).__qualname__}")
    layers, drops = _layers(nn, module)
    net_dtype = _network_dtype(nn, layers, dtype)
    n_features = _width(layers[0][0]) if isinstance(layers[0][0], int) else int(layers[0][0].in_features)
    params = _flat_params(layers, n_features)
    stack: list[Dense | Dropout] = []
    n_in = n_features
    for i, (linear, activation) in enumerate(layers):
        stack.append(Dense(n_in, _width(linear), activation))
        if i in drops:
            stack.append(drops[i])
        n_in = _width(linear)
    net = Network(stack, loss=_default_loss(layers) if loss is None else loss, dtype=net_dtype)
    net.params = params
    return net


def to_torch(net: Network) -> Any:
    """An ``nn.Sequential`` computing ``net.predict``: per layer an ``nn.Linear``, then its activation's module.

    An identity layer is a Linear alone, a ``Dropout`` an ``nn.Dropout``. The module's dtype is the network's;
    its parameters are copies (torch's weight is ``W`` transposed).
    """
    torch = _torch()
    dtype = getattr(torch, np.dtype(net.dtype).name)
    modules = []
    for layer in net.layers:
        if isinstance(layer, Dropout):   # torch's Dropout: the same inverted masks in train(), identity in eval()
            modules.append(torch.nn.Dropout(layer.p))
            continue
        linear = torch.nn.Linear(layer.n_in, layer.n_out, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(layer.W.T)))
            linear.bias.copy_(torch.from_numpy(layer.b.copy()))
        modules.append(linear)
        name = layer.activation.name
        if name != "identity":
            cls, arguments = TORCH_ACTIVATIONS[name]
            modules.append(getattr(torch.nn, cls)(**arguments(dict(layer.activation.params))))
    return torch.nn.Sequential(*modules)


conversions.register("torch", to_torch)
conversions.register_importer("torch", from_torch)
