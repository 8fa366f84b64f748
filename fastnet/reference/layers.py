"""The reference's dense layer: ``z = x W + b`` and its backward pass, in plain Python (nn/layers.py's twin)."""

from __future__ import annotations

from collections.abc import Sequence

from ..checks.scalars import check_int
from ..nn.activations import Activation
from ..nn.init import init_scale, layer_init
from .random import SplitMix64

__all__ = ["Dense"]


def _dot(u: Sequence[float], v: Sequence[float]) -> float:
    return sum(a * b for a, b in zip(u, v))


def _columns(rows: Sequence[Sequence[float]]) -> list[list[float]]:
    """The transpose of a list of rows."""
    return [list(col) for col in zip(*rows)]


class Dense:
    """A fully connected layer: ``z = x W + b``, ``a = activation(z)``.

    W: ``n_in`` lists of ``n_out`` floats (``W[i][j]`` joins input ``i`` to unit ``j``);
    b: ``n_out`` floats. They start at zero; the :class:`Network` that the layer is
    given to initialises them from its seed, as ``init`` says (the compiled
    :class:`fastnet.Dense`'s argument: a name in ``fastnet.INITIALIZERS``, or None
    for the activation's default). ``dW`` and ``db`` hold the gradients of the
    last backward pass.
    """

    n_in: int
    n_out: int
    activation: Activation
    init: str  # a name in fastnet.nn.init.INITIALIZERS
    W: list[list[float]]  # n_in lists of n_out floats
    b: list[float]
    dW: list[list[float]]
    db: list[float]

    def __init__(self, n_in: int, n_out: int, activation: Activation | str = "identity",
                 init: str | None = None) -> None:
        self.n_in = check_int("n_in", n_in, low=1)
        self.n_out = check_int("n_out", n_out, low=1)
        self.activation = Activation.coerce(activation)
        self.init = layer_init(init, self.activation)
        self.W = [[0.0] * self.n_out for _ in range(self.n_in)]
        self.b = [0.0] * self.n_out
        self.dW = [[0.0] * self.n_out for _ in range(self.n_in)]
        self.db = [0.0] * self.n_out

    @property
    def n_params(self) -> int:
        return self.n_in * self.n_out + self.n_out

    def initialise(self, rng: SplitMix64) -> None:
        """Weights drawn from ``rng`` in row-major order as ``init`` says; zero biases.

        ``scale`` is the uniform's limit (``U(-limit, limit)``: ``(2u - 1) * limit``)
        or the truncated normal's standard deviation (docs/MATH.md). Variance
        ``scale / fan`` keeps that of ``z`` about that of ``x`` at the start: He
        (fan ``n_in``, scale 2) for the relus, which zero half their inputs,
        Glorot (fan ``(n_in + n_out) / 2``, scale 1) for the rest by default.
        """
        distribution, scale = init_scale(self.init, self.n_in, self.n_out)
        for row in self.W:
            for j in range(self.n_out):
                if distribution == "uniform":
                    row[j] = (2.0 * rng.uniform() - 1.0) * scale
                elif distribution == "truncated_normal":
                    row[j] = rng.truncated_normal() * scale
                else:  # zeros: draws nothing
                    row[j] = 0.0
        self.b = [0.0] * self.n_out

    def linear(self, x_rows: Sequence[Sequence[float]]) -> list[list[float]]:
        """``z = x W + b`` for a batch of rows."""
        W_columns = _columns(self.W)   # column j holds the weights into unit j
        return [[_dot(x, w_j) + b_j for w_j, b_j in zip(W_columns, self.b)] for x in x_rows]

    def backward(self, x_rows: Sequence[Sequence[float]], delta_rows: Sequence[Sequence[float]],
                 want_input_grad: bool = True) -> list[list[float]] | None:
        """Chain rule through ``z = x W + b``, given ``delta = dL/dz``.

        Sets ``dW = x^T delta`` and ``db = sum over rows of delta`` (each sample's
        contribution adds up, since the loss is a sum over samples); returns
        ``dL/dx = delta W^T`` for the layer below (None if not wanted).
        """
        x_columns, delta_columns = _columns(x_rows), _columns(delta_rows)
        self.dW = [[_dot(x_i, d_j) for d_j in delta_columns] for x_i in x_columns]
        self.db = [sum(d_j) for d_j in delta_columns]
        if not want_input_grad:
            return None
        return [[_dot(delta, w_i) for w_i in self.W] for delta in delta_rows]

    def __repr__(self) -> str:
        return f"Dense({self.n_in}, {self.n_out}, {self.activation!r})"
