"""Learning-rate schedules, applied between epochs (the epoch itself stays one nogil call).

A schedule gives the learning rate of each epoch from the optimizer's
initial ``lr`` (the ``base_lr``), following the ``torch.optim.lr_scheduler``
formulas. ``epoch`` counts the epochs already run in this ``fit`` (0 first).
"""

from __future__ import annotations

import math
from typing import Literal, Protocol

from ..checks.scalars import check_int, check_real

__all__ = ["LRSchedule", "StepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau"]


class HistoryLike(Protocol):
    """What a schedule reads of the epochs run so far: :class:`fastnet.train.History` (train sits above optim)."""

    @property
    def loss(self) -> list[float]: ...


class LRSchedule:
    """Base class: ``lr(epoch, base_lr, history)`` is the learning rate of the coming epoch."""

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        return base_lr

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class StepLR(LRSchedule):
    """``base_lr * gamma ** (epoch // step_size)``."""

    def __init__(self, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = check_int("step_size", step_size, low=1)
        self.gamma = check_real("gamma", gamma, low=0.0, low_open=True)

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRSchedule):
    """``base_lr * gamma ** epoch``."""

    def __init__(self, gamma: float) -> None:
        self.gamma = check_real("gamma", gamma, low=0.0, low_open=True)

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        return base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRSchedule):
    """``eta_min + (base_lr - eta_min) (1 + cos(pi * epoch / T_max)) / 2``, then ``eta_min``."""

    def __init__(self, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = check_int("T_max", T_max, low=1)
        self.eta_min = check_real("eta_min", eta_min, low=0.0)

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        if epoch >= self.T_max:
            return self.eta_min
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


class ReduceLROnPlateau(LRSchedule):
    """Multiply the rate by ``factor`` when ``monitor`` has not improved by ``min_delta``
    for ``patience`` epochs; never below ``min_lr``.

    ``monitor`` is ``"val_loss"`` when there is validation data, else ``"loss"``
    (``"auto"``, the default).
    """

    def __init__(self, factor: float = 0.1, patience: int = 10, min_delta: float = 1e-4, min_lr: float = 0.0,
                 monitor: Literal["auto", "loss", "val_loss"] | str = "auto") -> None:
        self.factor = check_real("factor", factor, low=0.0, high=1.0, low_open=True, high_open=True)
        self.patience = check_int("patience", patience, low=0)
        self.min_delta = check_real("min_delta", min_delta, low=0.0)
        self.min_lr = check_real("min_lr", min_lr, low=0.0)
        self.monitor = monitor
        self._current: float | None = None
        self._best = math.inf
        self._waited = 0

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        if epoch == 0 or self._current is None:
            self._current, self._best, self._waited = base_lr, math.inf, 0
            return self._current
        key = self.monitor
        if key == "auto":
            key = "val_loss" if getattr(history, "val_loss", None) else "loss"
        value = getattr(history, key)[-1]
        if value < self._best - self.min_delta:
            self._best, self._waited = value, 0
        else:
            self._waited += 1
            if self._waited > self.patience:
                self._current = max(self._current * self.factor, self.min_lr)
                self._waited = 0
        return self._current
