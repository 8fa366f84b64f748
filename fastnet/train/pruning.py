"""Optuna's pruning, as a callback of ``fit``: :class:`OptunaPruningCallback`.

optuna is optional (``pip install 'fastnet[optuna]'``): this module imports
it only when a callback is made, so ``fastnet`` imports without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..checks.monitor import Figures, check_monitor, figures_seen, monitored_key
from .callbacks import monitored_value

__all__ = ["OptunaPruningCallback"]


def _optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise ImportError("OptunaPruningCallback needs optuna, which is not installed: "
                          "pip install 'fastnet[optuna]'") from None
    return optuna


class OptunaPruningCallback:
    """Report ``monitor`` to an Optuna trial after every epoch, and prune the trial when Optuna says so.

    After epoch ``e`` it calls ``trial.report(logs[monitor], step=e)`` and, when
    ``trial.should_prune()``, raises ``optuna.TrialPruned``, which ends ``fit``
    there (the network keeps the parameters of epoch ``e``) and tells Optuna's
    ``study.optimize`` that the trial was pruned. Steps are ``fit``'s epochs,
    from 1; a second ``fit`` in the same trial starts again at 1, and Optuna
    keeps the first value reported for a step, so report one fit per trial.

    Parameters
    ----------
    trial : optuna.trial.Trial
    monitor : str
        The figure of the logs to report, ``"val_loss"`` by default (which needs
        ``validation_data`` or ``validation_split``). Optuna's study direction
        says whether smaller is better.
    """

    def __init__(self, trial: Any, monitor: str = "val_loss") -> None:
        optuna = _optuna()
        monitor, _ = check_monitor("OptunaPruningCallback", monitor, "auto")   # the study's direction rules
        if not (hasattr(trial, "report") and hasattr(trial, "should_prune")):
            raise TypeError(f"OptunaPruningCallback: trial must be an optuna.trial.Trial (with report and "
                            f"should_prune), got {type(trial).__name__}")
        self.trial = trial
        self.monitor = monitor
        self._key = None if monitor == "auto" else monitor   # "auto": val_loss or loss, as the fit has
        self._pruned = optuna.TrialPruned

    def check_monitor(self, figures: Figures) -> None:
        """Called by ``fit`` before its first epoch: a monitor the fit does not record is a ValueError there."""
        self._key = monitored_key("OptunaPruningCallback", self.monitor, figures)

    def __call__(self, epoch: int, logs: Mapping[str, Any]) -> None:
        key = self._key if self._key is not None else monitored_key("OptunaPruningCallback", self.monitor,
                                                                    figures_seen(logs))
        value = monitored_value(logs, key, "OptunaPruningCallback")
        self.trial.report(value, step=epoch)
        if self.trial.should_prune():
            raise self._pruned(f"trial {getattr(self.trial, 'number', '?')} pruned at epoch {epoch} "
                               f"({self.monitor}={value:g})")

    def __repr__(self) -> str:
        return f"OptunaPruningCallback(trial={getattr(self.trial, 'number', '?')}, monitor={self.monitor!r})"
