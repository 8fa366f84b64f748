from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias

import numpy.typing as npt

from ..nn.activations import Activation
from ..train.history import History
from ..nn.losses import Loss
from ..optim.optimizers import Optimizer
from .random import SplitMix64

__all__ = ["Dense", "Network"]

#: A batch: rows of floats (nested lists; a 2-D numpy array works too).
_Rows: TypeAlias = Sequence[Sequence[float]] | npt.NDArray[Any]
#: Targets: rows, or one value (or class index) per sample.
_Targets: TypeAlias = Sequence[Sequence[float]] | Sequence[float] | npt.NDArray[Any]
#: One weight (>= 0) per sample.
_Weights: TypeAlias = Sequence[float] | npt.NDArray[Any]

class Dense:
    """A fully connected layer in pure Python: ``z = x W + b``, ``a = activation(z)``."""

    n_in: int
    n_out: int
    activation: Activation
    W: list[list[float]]  # n_in lists of n_out floats
    b: list[float]
    dW: list[list[float]]
    db: list[float]
    def __init__(self, n_in: int, n_out: int, activation: Activation | str = "identity") -> None: ...
    @property
    def n_params(self) -> int: ...
    def initialise(self, rng: SplitMix64) -> None: ...
    def linear(self, x_rows: Sequence[Sequence[float]]) -> list[list[float]]: ...
    def backward(
        self,
        x_rows: Sequence[Sequence[float]],
        delta_rows: Sequence[Sequence[float]],
        want_input_grad: bool = True,
    ) -> list[list[float]] | None: ...

class Network:
    """The same network as fastnet.Network, in lists and floats: the oracle for the tests."""

    layers: list[Dense]
    criterion: Loss
    dtype: str  # "float32" or "float64"; the arithmetic is always Python floats (double)
    seed: int
    def __init__(
        self,
        layers: Dense | Iterable[Dense],
        loss: Loss | str = "mse",
        dtype: Any = "float64",
        seed: int = 0,
    ) -> None: ...
    @classmethod
    def mlp(
        cls,
        sizes: Sequence[int],
        activation: Activation | str = "relu",
        output_activation: Activation | str | None = None,
        loss: Loss | str = "mse",
        dtype: Any = "float64",
        seed: int = 0,
        negative_slope: float | None = None,
    ) -> Network: ...
    @property
    def n_features(self) -> int: ...
    @property
    def n_outputs(self) -> int: ...
    @property
    def n_params(self) -> int: ...
    @property
    def params(self) -> list[float]: ...  # a new flat list: layer by layer, W row by row, then b
    @params.setter
    def params(self, values: Sequence[float] | npt.NDArray[Any]) -> None: ...
    @property
    def grads(self) -> list[float]: ...
    def predict(self, X: _Rows) -> list[list[float]]: ...
    def loss(self, X: _Rows, Y: _Targets, sample_weight: _Weights | None = None) -> float: ...
    def backward(self, X: _Rows, Y: _Targets, sample_weight: _Weights | None = None) -> float: ...
    def fit(
        self,
        X: _Rows,
        Y: _Targets,
        optimizer: Optimizer | str | None = None,
        epochs: int = 1,
        batch_size: int | None = None,
        shuffle: bool = True,
        seed: int | None = None,
        sample_weight: _Weights | None = None,
    ) -> History: ...
    # Hooks for Optimizer.step (not for users).
    def _new_optimizer_state(self, opt: Optimizer) -> list[list[float]]: ...
    def _optimizer_update(self, opt: Optimizer) -> None: ...
