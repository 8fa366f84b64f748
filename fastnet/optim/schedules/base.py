"""What every schedule is (:class:`LRSchedule`), a plain function as one (:class:`LambdaLR`),
and :func:`as_schedule`, which ``fit`` calls once on its ``lr_schedule`` argument."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Protocol, Union

import numpy as np
import numpy.typing as npt

from ...checks.monitor import Figures
from ...checks.scalars import check_real

__all__ = ["HistoryLike", "LRSchedule", "LambdaLR", "LRScheduleLike", "as_schedule"]


class HistoryLike(Protocol):
    """What a schedule reads of the epochs run so far: :class:`fastnet.train.History` (train sits above optim)."""

    @property
    def loss(self) -> list[float]: ...


class LRSchedule:
    """Base class: ``lr(epoch, base_lr, history)`` is the learning rate of the coming epoch.

    ``epoch`` counts the epochs this ``fit`` has run (0 for the first), ``base_lr``
    is the optimizer's own ``lr`` and ``history`` holds the figures of those
    epochs. A schedule is asked once per epoch, before it; the rate holds for
    every batch of the epoch (a step of a torch scheduler is an epoch here).
    """

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        return base_lr

    def lr_steps(self, steps: npt.NDArray[np.int64], base_lr: float) -> npt.NDArray[np.float64]:
        """The rates of many steps at once, for :class:`PerBatch` (the closed-form schedules).

        A schedule that reads the history or calls Python per step has none:
        per-batch rates are computed by NumPy before each epoch, never by
        Python per batch.
        """
        raise TypeError(f"{type(self).__name__} has no closed form to give every batch its rate (it reads the "
                        "history or calls Python per step): PerBatch takes StepLR, ExponentialLR, "
                        "CosineAnnealingLR, LinearLR, OneCycleLR, SequentialLR and LinearWarmup of these")

    def check_epochs(self, epochs: int) -> None:
        """Raise ``ValueError`` if this schedule has no rate for some of ``fit``'s ``epochs``.

        ``fit`` calls it before the first epoch, so that a schedule too short
        for the run fails before any training rather than halfway.
        """

    def check_monitor(self, figures: Figures) -> None:
        """``fit`` calls it before the first epoch with the figures it records (fastnet/checks/monitor.py):
        a schedule that watches one (``ReduceLROnPlateau``) raises ``ValueError`` if it is not there."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class LambdaLR(LRSchedule):
    """``base_lr * lr_lambda(epoch)``: torch's ``LambdaLR``, the function giving a factor of the optimizer's lr.

    ``lr_lambda(epoch)`` must return a finite real number > 0 (``epoch`` is
    0-based); anything else stops ``fit`` before that epoch with an error
    naming the function and the epoch.
    """

    def __init__(self, lr_lambda: Callable[[int], float]) -> None:
        self.lr_lambda = _check_one_argument_callable("lr_lambda", lr_lambda)
        self._name = "lr_lambda"   # "lr_schedule" when fit wrapped a plain function

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        factor = check_real(f"{self._name}(epoch={epoch}), the factor of the optimizer's lr,",
                            self.lr_lambda(epoch), low=0.0, low_open=True)
        return base_lr * factor


#: What ``fit(lr_schedule=...)`` takes: a schedule, or a function of the epoch as :class:`LambdaLR` takes.
LRScheduleLike = Union[LRSchedule, Callable[[int], float]]


def _check_one_argument_callable(name: str, value: object) -> Callable[[int], float]:
    if not callable(value):
        raise TypeError(f"{name} must be a callable f(epoch) -> factor, got {type(value).__name__} {value!r}")
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):   # a builtin without a signature: its call will tell
        return value
    try:
        signature.bind(0)
    except TypeError:
        raise TypeError(f"{name} must be callable with one argument, the 0-based epoch (f(epoch) -> factor of "
                        f"the optimizer's lr, as torch's LambdaLR); got {value!r} with signature {signature}"
                        ) from None
    return value


def as_schedule(value: object, epochs: int) -> LRSchedule | None:
    """``fit``'s ``lr_schedule``, checked once before the first epoch: None, a schedule
    (anything with ``lr(epoch, base_lr, history)``), or a function ``f(epoch)``
    wrapped in :class:`LambdaLR`; a schedule too short for ``epochs`` is refused."""
    if value is None:
        return None
    if hasattr(value, "lr"):
        if isinstance(value, LRSchedule):
            value.check_epochs(epochs)
        return value   # type: ignore[return-value]
    if not callable(value):
        raise TypeError(f"lr_schedule must be a fastnet.schedules.LRSchedule or a function f(epoch) -> factor "
                        f"of the optimizer's lr, got {type(value).__name__} {value!r}")
    wrapped = LambdaLR(_check_one_argument_callable("lr_schedule", value))
    wrapped._name = "lr_schedule"
    return wrapped
