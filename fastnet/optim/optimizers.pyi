import abc
from typing import Any, ClassVar, TypeAlias

from ..nn.network import Network
from ..reference.network import Network as ReferenceNetwork

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "OPTIMIZERS", "make_optimizer"]

#: What an optimizer steps: the compiled network or the pure-Python reference one.
_Steppable: TypeAlias = Network | ReferenceNetwork

class Optimizer(abc.ABC):
    """Base class: hyperparameters, and the state kept for the one network it steps."""

    kernel_id: ClassVar[int]  # the kernel's OptimizerId
    name: ClassVar[str]
    lr: float
    t: int  # steps taken
    state: Any  # (n_state, n_params) array for fastnet.Network, lists for the reference; None before the first step
    def __init__(self, lr: float) -> None: ...
    @abc.abstractmethod
    def hyper_vector(self) -> list[float]: ...
    @property
    def state_rows(self) -> tuple[str, ...]: ...  # the state vectors these hyperparameters use, in kernel order
    @property
    def n_state(self) -> int: ...  # state rows, each as long as the parameter buffer
    def initial_state_value(self, row: int) -> float: ...
    def step(self, net: _Steppable) -> None: ...
    def bind(self, net: _Steppable) -> None: ...
    def reset(self) -> None: ...
    @property
    def hyperparameters(self) -> dict[str, Any]: ...

class SGD(Optimizer):
    momentum: float
    dampening: float
    nesterov: bool
    weight_decay: float
    def __init__(
        self,
        lr: float = 0.01,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None: ...
    def hyper_vector(self) -> list[float]: ...

class Adam(Optimizer):
    betas: tuple[float, float]
    eps: float
    weight_decay: float
    amsgrad: bool
    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None: ...
    def hyper_vector(self) -> list[float]: ...

class AdamW(Adam):
    def __init__(
        self,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None: ...

class RMSprop(Optimizer):
    alpha: float
    eps: float
    weight_decay: float
    momentum: float
    centered: bool
    def __init__(
        self,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None: ...
    def hyper_vector(self) -> list[float]: ...

class Adagrad(Optimizer):
    lr_decay: float
    weight_decay: float
    initial_accumulator_value: float
    eps: float
    def __init__(
        self,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None: ...
    def hyper_vector(self) -> list[float]: ...

#: name -> class, in the kernels' order
OPTIMIZERS: dict[str, type[Optimizer]]

def make_optimizer(optimizer: Optimizer | str) -> Optimizer: ...
