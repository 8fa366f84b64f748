"""What ``fit`` returns: the figures of each epoch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["History"]


class History:
    """Per-epoch training record, shared by the compiled and the reference networks.

    ``loss`` holds the mean training loss of each epoch (the batch losses
    weighted by batch size); ``fit`` adds more series (``val_loss``,
    ``val_accuracy``, ``lr``, ``time``), each with one entry per epoch run.

    ``stopped_early`` and ``best_epoch`` tell what early stopping did;
    ``interrupted`` is True when Ctrl-C ended training. An epoch that ran but
    whose figures were not recorded (training interrupted by Ctrl-C) has None
    in every series.
    """

    def __init__(self) -> None:
        self.epoch: list[int] = []
        self.loss: list[float] = []
        self._series = ["loss"]
        self.stopped_early = False
        self.interrupted = False
        self.best_epoch: int | None = None

    if TYPE_CHECKING:
        # The series added by fit (val_loss, val_accuracy, lr, time, or a callback's own)
        # are plain attributes, set in append; this tells type checkers they exist.
        def __getattr__(self, name: str) -> list[float]: ...

    def append(self, epoch: int, **figures: float | None) -> None:
        """Record one epoch; a series missing from ``figures`` gets None for it."""
        self.epoch.append(epoch)
        for key in figures:
            if key not in self._series:
                if key in vars(self) or key.startswith("_"):
                    raise ValueError(f"{key!r} cannot be a History series")
                self._series.append(key)
                setattr(self, key, [None] * (len(self.epoch) - 1))
        for key in self._series:
            getattr(self, key).append(figures.get(key))

    @property
    def history(self) -> dict[str, list[Any]]:
        """The series as a dict of lists (Keras's ``History.history``)."""
        return {key: getattr(self, key) for key in self._series}

    def __len__(self) -> int:
        return len(self.epoch)

    def __repr__(self) -> str:
        last = {k: v[-1] for k, v in self.history.items() if v}
        return f"History(epochs={len(self)}, last={last})"
