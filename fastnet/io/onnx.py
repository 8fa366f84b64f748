"""A Network as an ONNX model: ``to_onnx(net, "model.onnx")`` (also ``net.to_onnx``), for serving elsewhere.

The graph computes what :meth:`Network.predict` returns: each dense layer is
one ``Gemm`` (``x W + b``, ``W`` stored as the network holds it, n_in x
n_out), then its activation; the cross-entropies' fused output activation is
the last layer's ``Softmax`` (axis 1) or ``Sigmoid``, so the graph outputs
probabilities as ``predict`` does. Input ``X`` is (batch, n_features) with a
symbolic batch size, output ``Y`` (batch, n_outputs), both in the network's
dtype (``tensor(float)`` or ``tensor(double)``).

Activations use ONNX's own operators where one has the same definition
(``Relu``, ``LeakyRelu``, ``Sigmoid``, ``Tanh``, ``Softmax``, ``Elu``; ``Gelu``
from opset 20) and otherwise these decompositions, with fastnet's formulas
(docs/MATH.md):

- ``leaky_relu`` and ``elu`` in float64: ``Where(x > 0, x, slope x)`` and
  ``Where(x > 0, x, alpha (Exp(x) - 1))``, since the operators' ``alpha`` is a
  32-bit attribute and would round a float64 network's parameter;

- ``gelu``: ``0.5 x (1 + Erf(x / sqrt 2))`` below opset 20;
- ``gelu_tanh``: ``0.5 x (1 + Tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` below opset 20;
- ``silu``: ``x Sigmoid(x)``;
- ``softplus``: ``Where(beta x > threshold, x, s(beta x) / beta)`` (torch's rule), with
  ``s(t) = Relu(t) + Log(1 + Exp(-Abs(t)))`` (ONNX's ``Softplus`` overflows for large
  ``t`` and ONNX Runtime has no float64 kernel of it).

The default opset, 17, is read by every ONNX Runtime since 1.12. ONNX Runtime
(1.32) has no float64 ``Erf`` kernel, so it cannot run a float64 network with
``gelu``; the graph is valid ONNX and other runtimes (onnx's reference
evaluator) run it, and a float32 copy of the network runs everywhere. Needs the
``onnx`` package (``pip install 'fastnet[onnx]'``), imported when called.
"""

from __future__ import annotations

import importlib
import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .._version import __version__
from ..checks.scalars import check_int
from ..nn import conversions

if TYPE_CHECKING:
    from ..nn.network import Network

__all__ = ["to_onnx", "DEFAULT_OPSET", "MIN_OPSET"]

DEFAULT_OPSET = 17
#: Softmax normalises along one axis from opset 13 (before, it flattened the trailing axes).
MIN_OPSET = 13


def _onnx() -> Any:
    try:
        return importlib.import_module("onnx")
    except ImportError:
        raise ImportError("exporting to ONNX needs the onnx package: pip install 'fastnet[onnx]'") from None


class _Graph:
    """The nodes and weights of the graph being built, with fresh tensor names."""

    def __init__(self, onnx: Any, dtype: np.dtype[Any], opset: int) -> None:
        self.onnx, self.dtype, self.opset = onnx, dtype, opset
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def constant(self, stem: str, value: Any) -> str:
        name = self.name(stem)
        array = np.asarray(value, dtype=self.dtype)
        self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, *inputs: str, **attributes: Any) -> str:
        out = self.name(op_type.lower())
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), [out], **attributes))
        return out


def _gelu(g: _Graph, x: str, params: dict[str, float]) -> str:
    if g.opset >= 20:
        return g.op("Gelu", x, approximate="none")
    erf = g.op("Erf", g.op("Mul", x, g.constant("inv_sqrt2", 1 / math.sqrt(2))))
    return g.op("Mul", g.op("Mul", x, g.constant("half", 0.5)), g.op("Add", erf, g.constant("one", 1.0)))


def _gelu_tanh(g: _Graph, x: str, params: dict[str, float]) -> str:
    if g.opset >= 20:
        return g.op("Gelu", x, approximate="tanh")
    cube = g.op("Mul", g.op("Mul", x, x), x)
    inner = g.op("Add", x, g.op("Mul", cube, g.constant("c", 0.044715)))
    tanh = g.op("Tanh", g.op("Mul", inner, g.constant("sqrt_2_over_pi", math.sqrt(2 / math.pi))))
    return g.op("Mul", g.op("Mul", x, g.constant("half", 0.5)), g.op("Add", tanh, g.constant("one", 1.0)))


def _softplus(g: _Graph, x: str, params: dict[str, float]) -> str:
    beta, threshold = params.get("beta", 1.0), params.get("threshold", 20.0)
    scaled = g.op("Mul", x, g.constant("beta", beta))
    # log(1 + e^t) as max(t, 0) + log(1 + e^-|t|), as fastnet computes it: no overflow, and unlike
    # ONNX's Softplus it has float64 kernels in ONNX Runtime.
    tail = g.op("Log", g.op("Add", g.constant("one", 1.0), g.op("Exp", g.op("Neg", g.op("Abs", scaled)))))
    smooth = g.op("Div", g.op("Add", g.op("Relu", scaled), tail), g.constant("beta", beta))
    linear = g.op("Greater", scaled, g.constant("threshold", threshold))
    return g.op("Where", linear, x, smooth)


def _leaky_relu(g: _Graph, x: str, params: dict[str, float]) -> str:
    slope = float(params["negative_slope"])
    if g.dtype == np.float32:
        return g.op("LeakyRelu", x, alpha=slope)
    # LeakyRelu's alpha is a 32-bit attribute: a float64 network keeps its slope in a double constant.
    return g.op("Where", g.op("Greater", x, g.constant("zero", 0.0)), x, g.op("Mul", x, g.constant("slope", slope)))


def _elu(g: _Graph, x: str, params: dict[str, float]) -> str:
    alpha = float(params.get("alpha", 1.0))
    if g.dtype == np.float32:
        return g.op("Elu", x, alpha=alpha)
    negative = g.op("Mul", g.op("Sub", g.op("Exp", x), g.constant("one", 1.0)), g.constant("alpha", alpha))
    return g.op("Where", g.op("Greater", x, g.constant("zero", 0.0)), x, negative)   # Elu's alpha: 32 bits too


#: fastnet activation name -> the nodes that compute it from tensor x (one entry per name in ACTIVATIONS).
ACTIVATION_NODES: dict[str, Callable[[_Graph, str, dict[str, float]], str]] = {
    "identity": lambda g, x, p: x,
    "relu": lambda g, x, p: g.op("Relu", x),
    "leaky_relu": _leaky_relu,
    "sigmoid": lambda g, x, p: g.op("Sigmoid", x),
    "tanh": lambda g, x, p: g.op("Tanh", x),
    "softmax": lambda g, x, p: g.op("Softmax", x, axis=1),
    "gelu": _gelu,
    "gelu_tanh": _gelu_tanh,
    "silu": lambda g, x, p: g.op("Mul", x, g.op("Sigmoid", x)),
    "elu": _elu,
    "softplus": _softplus,
}


def _check_exportable(net: Network, opset: Any) -> int:
    checked = check_int("opset", opset, low=MIN_OPSET)
    newest = int(_onnx().defs.onnx_opset_version())
    if checked > newest:
        raise ValueError(f"opset must be at most {newest} (the newest this onnx package knows), got {checked}")
    for i, layer in enumerate(net.dense_layers):
        if layer.activation.name not in ACTIVATION_NODES:
            raise ValueError(f"layer {i}'s activation {layer.activation.name!r} has no ONNX form in "
                             f"fastnet.io.onnx.ACTIVATION_NODES")
    return checked


def to_onnx(net: Network, path: str | os.PathLike[str] | None = None, *, opset: int = DEFAULT_OPSET) -> Any:
    """The network as an ``onnx.ModelProto`` computing ``net.predict``; also written to ``path`` when given.

    ``opset``: the ONNX operator set (default 17, at least 13). The model is
    checked with ``onnx.checker.check_model`` before it is returned.
    """
    opset = _check_exportable(net, opset)
    onnx = _onnx()
    dtype = np.dtype(net.dtype)
    g = _Graph(onnx, dtype, opset)
    x = "X"
    for i, layer in enumerate(net.dense_layers):   # Dropout layers are the identity at inference: skipped
        W = g.constant(f"W{i}", layer.W)
        b = g.constant(f"b{i}", layer.b)
        x = g.op("Gemm", x, W, b)
        x = ACTIVATION_NODES[layer.activation.name](g, x, dict(layer.activation.params))
    g.nodes.append(onnx.helper.make_node("Identity", [x], ["Y"]))
    elem = onnx.helper.np_dtype_to_tensor_dtype(dtype)
    graph = onnx.helper.make_graph(
        g.nodes, "fastnet_network",
        [onnx.helper.make_tensor_value_info("X", elem, ["batch", net.n_features])],
        [onnx.helper.make_tensor_value_info("Y", elem, ["batch", net.n_outputs])],
        initializer=g.initializers)
    model = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset)],
                                   producer_name="fastnet", producer_version=__version__,
                                   doc_string=f"fastnet Network, sizes {net.sizes}, loss {net.criterion.name!r}")
    onnx.checker.check_model(model, full_check=True)
    if path is not None:
        onnx.save_model(model, os.fspath(path))
    return model


conversions.register("onnx", to_onnx)
