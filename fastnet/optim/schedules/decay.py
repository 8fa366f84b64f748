"""The closed-form decays of ``torch.optim.lr_scheduler``: a function of the epoch and ``base_lr`` alone."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from ...checks.scalars import check_int, check_real
from .base import HistoryLike, LRSchedule

__all__ = ["StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"]


class StepLR(LRSchedule):
    """``base_lr * gamma ** (epoch // step_size)``."""

    def __init__(self, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = check_int("step_size", step_size, low=1)
        self.gamma = check_real("gamma", gamma, low=0.0, low_open=True)

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)

    def lr_steps(self, steps: npt.NDArray[np.int64], base_lr: float) -> npt.NDArray[np.float64]:
        return base_lr * self.gamma ** (steps // self.step_size).astype(np.float64)


class ExponentialLR(LRSchedule):
    """``base_lr * gamma ** epoch``."""

    def __init__(self, gamma: float) -> None:
        self.gamma = check_real("gamma", gamma, low=0.0, low_open=True)

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        return base_lr * self.gamma ** epoch

    def lr_steps(self, steps: npt.NDArray[np.int64], base_lr: float) -> npt.NDArray[np.float64]:
        return base_lr * self.gamma ** steps.astype(np.float64)


class CosineAnnealingLR(LRSchedule):
    """``eta_min + (base_lr - eta_min) (1 + cos(pi * epoch / T_max)) / 2``, then ``eta_min``."""

    def __init__(self, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = check_int("T_max", T_max, low=1)
        self.eta_min = check_real("eta_min", eta_min, low=0.0)

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        if epoch >= self.T_max:
            return self.eta_min
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2

    def lr_steps(self, steps: npt.NDArray[np.int64], base_lr: float) -> npt.NDArray[np.float64]:
        rates = self.eta_min + (base_lr - self.eta_min) * (1 + np.cos(np.pi * steps / self.T_max)) / 2
        return np.where(steps >= self.T_max, self.eta_min, rates)


class LinearLR(LRSchedule):
    """``base_lr`` times a factor going linearly from ``start_factor`` to ``end_factor``
    over ``total_iters`` epochs, then ``end_factor`` (torch's ``LinearLR``):
    ``base_lr * (start_factor + (end_factor - start_factor) * min(epoch, total_iters) / total_iters)``.

    With ``end_factor=1`` (the default) it is a linear warm-up; see also
    :class:`fastnet.schedules.LinearWarmup`. Torch allows ``end_factor=0``; here
    a rate must stay > 0, so ``end_factor`` is in (0, 1].
    """

    def __init__(self, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5) -> None:
        self.start_factor = check_real("start_factor", start_factor, low=0.0, high=1.0, low_open=True)
        self.end_factor = check_real("end_factor", end_factor, low=0.0, high=1.0, low_open=True)
        self.total_iters = check_int("total_iters", total_iters, low=1)

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        # torch's closed form, in its order of operations
        return base_lr * (self.start_factor
                          + (self.end_factor - self.start_factor) * min(self.total_iters, epoch) / self.total_iters)

    def lr_steps(self, steps: npt.NDArray[np.int64], base_lr: float) -> npt.NDArray[np.float64]:
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor)
                          * np.minimum(self.total_iters, steps) / self.total_iters)
