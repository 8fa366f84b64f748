"""``ReduceLROnPlateau``: cut the rate when a monitored figure stops improving, with torch's semantics."""

from __future__ import annotations

import math
import warnings
from typing import Literal

from ...checks.monitor import Direction, Figures, Mode, check_monitor, figures_seen, resolve_monitor
from ...checks.scalars import check_choice, check_int, check_real
from .base import HistoryLike, LRSchedule

__all__ = ["ReduceLROnPlateau"]

_WHO = "ReduceLROnPlateau"


class ReduceLROnPlateau(LRSchedule):
    """Multiply the rate by ``factor`` when ``monitor`` has not improved for ``patience`` epochs
    (torch's ``ReduceLROnPlateau``, step for step).

    After each epoch, with ``value`` the monitored figure and ``best`` the best
    so far: ``value`` improves on ``best`` if it is below ``best * (1 - threshold)``
    (``mode="min"``, ``threshold_mode="rel"``), below ``best - threshold``
    (``"abs"``), above ``best * (1 + threshold)`` or ``best + threshold``
    (``mode="max"``). An improvement resets the count of bad epochs; in the
    ``cooldown`` epochs after a cut bad epochs are not counted. When the count
    exceeds ``patience``, the rate becomes ``max(rate * factor, min_lr)``
    (unless that changes it by ``eps`` or less), and cooldown starts.

    ``monitor`` is ``"val_loss"`` when ``fit`` has validation data, else
    ``"loss"`` (``"auto"``, the default), or any figure the fit records: a
    metric of ``fit(metrics=[...])`` (``"mae"``, ``"val_accuracy"``, ``"val_r2"``, ...).
    ``mode="auto"`` (the default, Keras's) takes that figure's direction: "max"
    for the accuracies and R², "min" for the losses, log_loss, MAE and RMSE
    (fastnet.METRICS); ``"min"`` or ``"max"`` say it outright. A monitor the fit
    does not record is a ValueError before the first epoch. Each ``fit`` starts
    afresh from the optimizer's ``lr``.

    ``min_delta`` (fastnet 0.1, an absolute threshold in mode "min") is
    deprecated: it means ``threshold=min_delta, threshold_mode="abs"``.
    """

    def __init__(self, factor: float = 0.1, patience: int = 10, *, mode: Mode = "auto",
                 threshold: float = 1e-4, threshold_mode: Literal["rel", "abs"] = "rel", cooldown: int = 0,
                 min_lr: float = 0.0, eps: float = 1e-8,
                 monitor: str = "auto", min_delta: float | None = None) -> None:
        if isinstance(factor, str):
            raise TypeError(f"factor must be a real number in (0, 1), got {factor!r} (mode is a keyword "
                            f"argument here: ReduceLROnPlateau(mode={factor!r}))")
        self.monitor, self.mode = check_monitor(_WHO, monitor, mode)
        self.factor = check_real("factor", factor, low=0.0, high=1.0, low_open=True, high_open=True)
        self.patience = check_int("patience", patience, low=0)
        if min_delta is not None:
            if threshold != 1e-4 or threshold_mode != "rel":
                raise ValueError("give threshold (and threshold_mode) or the deprecated min_delta, not both")
            warnings.warn("ReduceLROnPlateau(min_delta=...) is deprecated: use threshold=..., "
                          "threshold_mode='abs' (torch's names; the default threshold is now relative)",
                          DeprecationWarning, stacklevel=2)
            threshold, threshold_mode = min_delta, "abs"
        self.threshold = check_real("min_delta" if min_delta is not None else "threshold", threshold, low=0.0)
        self.threshold_mode = check_choice("threshold_mode", threshold_mode, ("rel", "abs"))
        self.cooldown = check_int("cooldown", cooldown, low=0)
        self.min_lr = check_real("min_lr", min_lr, low=0.0)
        self.eps = check_real("eps", eps, low=0.0)
        self._told: tuple[str, Direction] | None = None   # the key and direction fit resolved
        self._restart(0.0)

    def check_monitor(self, figures: Figures) -> None:
        """Called by ``fit`` before its first epoch with what it records: a ValueError if ``monitor`` is not there."""
        self._told = resolve_monitor(_WHO, self.monitor, self.mode, figures)

    def _restart(self, lr: float) -> None:
        self._current = lr
        self._best: float | None = None   # inf (min) or -inf (max) once the direction is known
        self._bad_epochs = 0
        self._cooldown_left = 0

    def _is_better(self, value: float, direction: Direction) -> bool:
        # torch's comparisons exactly (a NaN is never better), from torch's start at +-inf
        if self._best is None:
            self._best = math.inf if direction == "min" else -math.inf
        if direction == "min":
            bar = self._best * (1.0 - self.threshold) if self.threshold_mode == "rel" else self._best - self.threshold
            return value < bar
        bar = self._best * (self.threshold + 1.0) if self.threshold_mode == "rel" else self._best + self.threshold
        return value > bar

    def _step(self, value: float, direction: Direction) -> float:
        """Take the monitored figure of the epoch just run; return the rate of the next (torch's ``step``)."""
        value = float(value)
        if self._is_better(value, direction):
            self._best, self._bad_epochs = value, 0
        else:
            self._bad_epochs += 1
        if self._cooldown_left > 0:
            self._cooldown_left -= 1
            self._bad_epochs = 0   # bad epochs in cooldown are not counted
        if self._bad_epochs > self.patience:
            reduced = max(self._current * self.factor, self.min_lr)
            if self._current - reduced > self.eps:
                self._current = reduced
            self._cooldown_left, self._bad_epochs = self.cooldown, 0
        return self._current

    def lr(self, epoch: int, base_lr: float, history: HistoryLike) -> float:
        if epoch == 0:
            self._restart(base_lr)
            return self._current
        key, direction = self._told if self._told is not None else self._hand_driven(history)
        return self._step(getattr(history, key)[-1], direction)

    def _hand_driven(self, history: HistoryLike) -> tuple[str, Direction]:
        """Outside ``fit`` (no check_monitor): the key and direction from the series the history holds."""
        series = getattr(history, "history", None)
        if isinstance(series, dict):
            keys = [key for key, values in series.items() if values]
        else:   # a HistoryLike of loss (and val_loss) only
            keys = ["loss", *(["val_loss"] if getattr(history, "val_loss", None) else [])]
        return resolve_monitor(_WHO, self.monitor, self.mode, figures_seen(keys))
