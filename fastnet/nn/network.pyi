import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt

from .activations import Activation
from .layers import Dense
from ..train.history import History
from .losses import Loss
from ..optim.optimizers import Optimizer
from ..optim.schedules import LRSchedule

__all__ = ["Network"]

#: The network's arrays: float32 or float64, as the network's dtype says.
_FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]
#: A callback of fit: f(epoch, logs) -> True to stop.
_Callback: TypeAlias = Callable[[int, dict[str, float]], bool | None]

class Network:
    """A multi-layer perceptron whose parameters live in one flat buffer."""

    layers: list[Dense]
    criterion: Loss
    dtype: np.dtype[Any]
    seed: int
    metadata: dict[str, Any]  # free-form, JSON values: written by save(), restored by fastnet.load()
    def __init__(
        self,
        layers: Dense | Iterable[Dense],
        loss: Loss | str = "mse",
        dtype: npt.DTypeLike = "float32",
        seed: int = 0,
        n_threads: int = 1,  # BLAS threads for this network's calls
    ) -> None: ...
    @classmethod
    def mlp(
        cls,
        sizes: Sequence[int],
        activation: Activation | str = "relu",
        output_activation: Activation | str | None = None,
        loss: Loss | str = "mse",
        dtype: npt.DTypeLike = "float32",
        seed: int = 0,
        negative_slope: float | None = None,
        n_threads: int = 1,
    ) -> Network: ...
    def reset_parameters(self) -> None: ...
    @property
    def n_threads(self) -> int: ...  # BLAS threads this network's calls may use, >= 1
    @n_threads.setter
    def n_threads(self, value: int) -> None: ...
    @property
    def params(self) -> _FloatArray: ...  # (n_params,), live: the layers' W and b are views into it
    @params.setter
    def params(self, values: npt.ArrayLike) -> None: ...
    @property
    def grads(self) -> _FloatArray: ...  # (n_params,), same layout as params
    @property
    def n_params(self) -> int: ...
    @property
    def n_features(self) -> int: ...
    @property
    def n_outputs(self) -> int: ...
    @property
    def sizes(self) -> list[int]: ...
    def predict(self, X: npt.ArrayLike) -> _FloatArray: ...  # (n_samples, n_outputs)
    def loss(self, X: npt.ArrayLike, Y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None) -> float: ...
    def backward(self, X: npt.ArrayLike, Y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None) -> float: ...
    def fit(
        self,
        X: npt.ArrayLike,
        Y: npt.ArrayLike,
        optimizer: Optimizer | str | None = None,
        epochs: int = 1,
        batch_size: int | None = None,
        shuffle: bool = True,
        seed: int | None = None,
        *,
        sample_weight: npt.ArrayLike | None = None,  # (n_samples,), >= 0
        validation_data: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
        validation_split: float | None = None,
        early_stopping: int | None = None,
        min_delta: float = 0.0,
        lr_schedule: LRSchedule | None = None,
        max_norm: float | None = None,
        callbacks: Iterable[_Callback] = (),
        progress: bool | Literal["bar", "log"] = False,
        reset_optimizer: bool = False,
        rollback: bool = True,  # False: no copy of the parameters; each batch's gradient is checked
    ) -> History: ...
    def partial_fit(self, X: npt.ArrayLike, Y: npt.ArrayLike, epochs: int = 1, **kwargs: Any) -> History: ...
    def save(
        self,
        path: str | os.PathLike[str],
        include_optimizer: bool = True,
        metadata: dict[str, Any] | None = None,
    ) -> str: ...  # the path written (".npz" appended when missing)
    # Hooks for Optimizer.step (not for users).
    def _new_optimizer_state(self, optimizer: Optimizer) -> _FloatArray: ...
    def _optimizer_update(self, optimizer: Optimizer) -> None: ...
