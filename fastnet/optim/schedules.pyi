from typing import Literal

from ..train.history import History

__all__ = ["LRSchedule", "StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau"]

class LRSchedule:
    """Base class: ``lr(epoch, base_lr, history)`` is the learning rate of the coming epoch."""

    def lr(self, epoch: int, base_lr: float, history: History) -> float: ...

class StepLR(LRSchedule):
    step_size: int
    gamma: float
    def __init__(self, step_size: int, gamma: float = 0.1) -> None: ...

class ExponentialLR(LRSchedule):
    gamma: float
    def __init__(self, gamma: float) -> None: ...

class CosineAnnealingLR(LRSchedule):
    T_max: int
    eta_min: float
    def __init__(self, T_max: int, eta_min: float = 0.0) -> None: ...

class ReduceLROnPlateau(LRSchedule):
    factor: float
    patience: int
    min_delta: float
    min_lr: float
    monitor: str
    def __init__(
        self,
        factor: float = 0.1,
        patience: int = 10,
        min_delta: float = 1e-4,
        min_lr: float = 0.0,
        monitor: Literal["auto", "loss", "val_loss"] | str = "auto",
    ) -> None: ...
