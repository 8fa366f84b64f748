"""A plane through parameter space: its directions, the loss on it, and the optimizers' paths across it.

The paths are those of the real optimizers: ``Optimizer.step`` and the
compiled update kernels move two plane coordinates, with gradients from the
network's own backpropagation projected onto the plane.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from .._core import optimizers as _kernels
from ..nn.network import Network
from ..optim.optimizers import Optimizer
from .optimizer_specs import MakeOptimizer

__all__ = ["Plane", "Slice", "random_directions", "run_path", "calibrated_lr"]

Vector = npt.NDArray[np.float64]


class Plane:
    """Two coordinates that stand in for a network, so that the real ``Optimizer.step``
    and the compiled update kernels move them (the optimizers only need
    ``params``, ``grads`` and these two hooks)."""

    dtype = np.dtype(np.float64)

    def __init__(self, start: npt.ArrayLike) -> None:
        self.params: Vector = np.array(start, dtype=np.float64)
        self.grads: Vector = np.zeros(2, dtype=np.float64)

    def _new_optimizer_state(self, optimizer: Optimizer) -> Vector:
        state = np.zeros((optimizer.n_state, 2), dtype=np.float64)
        for row in range(optimizer.n_state):
            state[row] = optimizer.initial_state_value(row)
        return state

    def _optimizer_update(self, optimizer: Optimizer) -> None:
        _kernels.step(optimizer.kernel_id, np.asarray(optimizer.hyper_vector(), dtype=np.float64),
                      optimizer.t, self.params, self.grads, optimizer.state)


def random_directions(net: Network, seed: int) -> tuple[Vector, Vector]:
    """Two seeded Gaussian directions, each scaled neuron by neuron to the norm of that
    neuron's weights and bias (the filter normalisation of Li et al., 2018, "Visualizing
    the loss landscape of neural nets"), so that 1 unit along a direction is about
    as large a change for every neuron, whatever the layers' scales."""
    rng = np.random.default_rng(seed)
    p = net.params.astype(np.float64)
    directions = []
    for _ in range(2):
        d = rng.standard_normal(net.n_params)
        offset = 0
        for layer in net.dense_layers:
            n_w = layer.n_in * layer.n_out
            W = p[offset:offset + n_w].reshape(layer.n_in, layer.n_out)
            b = p[offset + n_w:offset + n_w + layer.n_out]
            dW = d[offset:offset + n_w].reshape(layer.n_in, layer.n_out)   # views into d
            db = d[offset + n_w:offset + n_w + layer.n_out]
            target = np.sqrt((W * W).sum(axis=0) + b * b)
            current = np.sqrt((dW * dW).sum(axis=0) + db * db)
            scale = np.where(current > 0, target / np.where(current > 0, current, 1.0), 0.0)
            dW *= scale
            db *= scale
            offset += n_w + layer.n_out
        directions.append(d)
    return directions[0], directions[1]


class Slice:
    """The loss on the plane ``p0 + a d1 + b d2`` and its gradient in (a, b), from the real kernels."""

    def __init__(self, net: Network, X: npt.ArrayLike, Y: npt.ArrayLike, d1: Vector, d2: Vector) -> None:
        self.net, self.X, self.Y = net, X, Y
        self.p0: Vector = net.params.astype(np.float64)
        self.d1, self.d2 = d1, d2
        self.point: Vector = np.empty_like(self.p0)

    def _move(self, a: float, b: float) -> None:
        np.multiply(self.d1, a, out=self.point)
        self.point += self.p0
        self.point += b * self.d2
        self.net.params[:] = self.point    # the live buffer; rounded to the network's dtype

    def loss(self, a: float, b: float) -> float:
        self._move(a, b)
        return self.net.loss(self.X, self.Y)

    def gradient(self, a: float, b: float, out: Vector) -> float:
        """Fill ``out`` with (dL/da, dL/db) = (g . d1, g . d2), g from backpropagation; returns L."""
        self._move(a, b)
        value = self.net.backward(self.X, self.Y)
        g = self.net.grads.astype(np.float64)
        out[0] = g @ self.d1
        out[1] = g @ self.d2
        return value


def run_path(surface: Slice, make_optimizer: MakeOptimizer, lr: float, start: Vector, steps: int,
             limit: float) -> npt.NDArray[np.float64]:
    """Plane coordinates visited (steps + 1, 2) by the optimizer, stopping early if it leaves
    ``limit`` or the loss stops being finite."""
    plane = Plane(start)
    optimizer = make_optimizer(lr)
    visited = [plane.params.copy()]
    for _ in range(steps):
        value = surface.gradient(plane.params[0], plane.params[1], plane.grads)
        if not (math.isfinite(value) and np.isfinite(plane.grads).all()):
            break
        optimizer.step(plane)
        if not np.isfinite(plane.params).all():
            break
        visited.append(plane.params.copy())
        if np.abs(plane.params).max() > limit:
            break
    return np.array(visited)


def calibrated_lr(surface: Slice, make_optimizer: MakeOptimizer, start: Vector, target_step: float) -> float | None:
    """The lr whose first step from ``start`` has length ``target_step``.

    Every optimizer here takes a first step proportional to lr (SGD: lr g; Adam:
    about lr per coordinate; ...), so one trial step with lr = 1 gives the scale.
    """
    plane = Plane(start)
    surface.gradient(plane.params[0], plane.params[1], plane.grads)
    trial = make_optimizer(1.0)
    trial.step(plane)
    length = float(np.hypot(*(plane.params - np.asarray(start, dtype=np.float64))))
    return target_step / length if length > 0 and math.isfinite(length) else None
