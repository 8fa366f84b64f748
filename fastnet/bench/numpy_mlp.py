"""The NumPy peer's network, written by hand the way a competent person would.

float32 (or float64), ``@`` matmuls into preallocated arrays, one flat
parameter buffer in fastnet's layout (so the SGD update is one in-place pass),
the epoch's shuffle as one gather, then contiguous batch slices.
tests/bench/test_bench.py checks that it computes what fastnet computes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["NumpyMLP", "split_params", "one_hot"]

Array = npt.NDArray[Any]


def split_params(flat: Array, sizes: Sequence[int]) -> list[tuple[Array, Array]]:
    """[(W, b), ...] views of a flat buffer in fastnet's layout (W (n_in, n_out) row-major, then b)."""
    out: list[tuple[Array, Array]] = []
    off = 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = flat[off:off + n_in * n_out].reshape(n_in, n_out)
        off += n_in * n_out
        b = flat[off:off + n_out]
        off += n_out
        out.append((W, b))
    if off != len(flat):
        raise ValueError(f"a flat buffer of {len(flat)} numbers does not fit sizes {list(sizes)} "
                         f"({off} parameters)")
    return out


def one_hot(labels: npt.ArrayLike, n_classes: int, dtype: npt.DTypeLike) -> Array:
    """(n, n_classes) targets of ``dtype``, 1 in each row's label column."""
    labels = np.asarray(labels)
    Y = np.zeros((len(labels), n_classes), dtype=dtype)
    Y[np.arange(len(labels)), labels] = 1
    return Y


class NumpyMLP:
    """A relu MLP trained by SGD in plain NumPy: the hand-written baseline.

    sizes: layer widths; loss: "mse" (mean of squares over rows and outputs) or
    "cross_entropy" (softmax on logits, one-hot targets); params: a flat buffer
    in fastnet's layout to start from (copied), else He-uniform from ``seed``.
    Arrays are preallocated once per batch size; ``W`` and ``b`` are views into
    one flat ``params`` buffer, so the SGD update is one in-place pass.
    """

    def __init__(self, sizes: Sequence[int], loss: str = "cross_entropy", dtype: npt.DTypeLike = "float32",
                 params: npt.ArrayLike | None = None, seed: int = 0) -> None:
        if loss not in ("mse", "cross_entropy"):
            raise ValueError(f"NumpyMLP implements 'mse' and 'cross_entropy', got {loss!r}")
        self.sizes = list(sizes)
        self.loss = loss
        self.dtype = np.dtype(dtype)
        n_params = sum(a * b + b for a, b in zip(self.sizes[:-1], self.sizes[1:]))
        self.params: Array = np.zeros(n_params, dtype=self.dtype)
        self.grads: Array = np.zeros(n_params, dtype=self.dtype)
        if params is not None:
            self.params[:] = params
        else:
            rng = np.random.default_rng(seed)
            for W, _ in split_params(self.params, self.sizes):
                limit = math.sqrt(6.0 / W.shape[0])
                W[:] = rng.uniform(-limit, limit, size=W.shape)
        self.layers = split_params(self.params, self.sizes)
        self.grad_layers = split_params(self.grads, self.sizes)
        self._buffers: dict[int, tuple[list[Array], list[Array]]] = {}

    def _buffers_for(self, m: int) -> tuple[list[Array], list[Array]]:
        buf = self._buffers.get(m)
        if buf is None:
            acts = [np.empty((m, n), dtype=self.dtype) for n in self.sizes[1:]]
            deltas = [np.empty((m, n), dtype=self.dtype) for n in self.sizes[1:]]
            buf = self._buffers[m] = (acts, deltas)
        return buf

    def forward(self, x: Array, acts: list[Array]) -> Array:
        """Hidden activations and the output layer's logits (or outputs, for MSE) into acts."""
        a = x
        last = len(self.layers) - 1
        for l, (W, b) in enumerate(self.layers):
            z = acts[l]
            np.matmul(a, W, out=z)
            z += b
            if l < last:
                np.maximum(z, 0, out=z)
            a = z
        return a

    def train_batch(self, x: Array, y: Array, lr: float) -> float:
        """One SGD step on the batch (x (m, n_in), y (m, k) one-hot or values); returns its loss."""
        m = x.shape[0]
        acts, deltas = self._buffers_for(m)
        out = self.forward(x, acts)
        d = deltas[-1]
        if self.loss == "cross_entropy":
            zmax = out.max(axis=1, keepdims=True)
            np.subtract(out, zmax, out=d)
            np.exp(d, out=d)
            total = d.sum(axis=1, keepdims=True)
            # loss = mean(logsumexp(z) - z[label]); gradient (softmax - y) / m
            loss = float(np.mean(zmax[:, 0] + np.log(total[:, 0]) - np.einsum("ij,ij->i", out, y)))
            d /= total
            d -= y
            d *= 1.0 / m
        else:
            np.subtract(out, y, out=d)
            loss = float(np.vdot(d, d)) / d.size
            d *= 2.0 / d.size
        for l in range(len(self.layers) - 1, -1, -1):
            W, _ = self.layers[l]
            dW, db = self.grad_layers[l]
            a_prev = x if l == 0 else acts[l - 1]
            np.matmul(a_prev.T, d, out=dW)
            np.sum(d, axis=0, out=db)
            if l > 0:
                d_prev = deltas[l - 1]
                np.matmul(d, W.T, out=d_prev)
                d_prev *= a_prev > 0          # relu backward
                d = d_prev
        self.grads *= lr
        self.params -= self.grads
        return loss

    def epoch(self, X: Array, Y: Array, batch_size: int, lr: float,
              rng: np.random.Generator | None = None) -> float:
        """One epoch over (X, Y); shuffled by ``rng`` (a numpy Generator) unless None. Mean loss."""
        n: int = X.shape[0]
        if rng is not None:
            order = rng.permutation(n)
            X, Y = X[order], Y[order]
        total = 0.0
        for s in range(0, n, batch_size):
            xb, yb = X[s:s + batch_size], Y[s:s + batch_size]
            total += self.train_batch(xb, yb, lr) * xb.shape[0]
        return total / n
