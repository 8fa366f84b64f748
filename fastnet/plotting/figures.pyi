from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import numpy.typing as npt

from ..train.history import History
from ..nn.network import Network
from ..optim.optimizers import Optimizer

__all__ = ["plot_history", "plot_learning_rates", "plot_loss_surface"]

#: What the functions return: a matplotlib.figure.Figure. matplotlib is an optional
#: dependency (the plot extra), so the stubs do not import it: Any.
_Figure: TypeAlias = Any
#: An optimizer: a name ("sgd", "momentum", "nesterov", "adam", ...), an Optimizer
#: class or instance, or a function lr -> Optimizer.
_OptimizerSpec: TypeAlias = str | type[Optimizer] | Optimizer | Callable[[float], Optimizer]

def plot_history(
    history: History | Mapping[str, Sequence[float | None]],  # or Keras's history.history
    title: str | None = None,
) -> _Figure: ...
def plot_learning_rates(
    make_network: Callable[[], Network] | Network,  # a Network is copied once per rate
    X: npt.ArrayLike,
    Y: npt.ArrayLike,
    lrs: Iterable[float] = (1e-3, 1e-1, 10.0),
    optimizer: _OptimizerSpec = "sgd",
    epochs: int = 50,
    batch_size: int | None = None,  # None: full-batch gradient descent
    divergence_factor: float = 100.0,
    title: str | None = None,
) -> _Figure: ...
def plot_loss_surface(
    net: Network,
    X: npt.ArrayLike,
    Y: npt.ArrayLike,
    optimizers: _OptimizerSpec | Iterable[_OptimizerSpec] = ("sgd", "momentum", "adam"),
    params: tuple[int, int] | None = None,  # two parameter indices, in place of directions
    directions: Literal["random"] | tuple[npt.ArrayLike, npt.ArrayLike] = "random",
    span: float = 1.0,
    start: tuple[float, float] = (0.0, 0.0),
    steps: int = 60,
    lr: float | dict[str, float] | None = None,  # None: calibrated per optimizer
    resolution: int = 41,
    seed: int = 0,
    title: str | None = None,
) -> _Figure: ...
