from typing import Any

__all__ = ["History"]

class History:
    """Per-epoch training record, as ``fit`` returns it.

    ``loss`` always exists; ``fit`` adds ``val_loss`` and ``val_accuracy``
    (with validation data; accuracy for the classification losses), ``lr`` and
    ``time``, each with one entry per epoch. An epoch that ran but whose
    figures were not recorded (training interrupted by Ctrl-C) has None in
    every series.
    """

    epoch: list[int]
    loss: list[float]
    stopped_early: bool
    interrupted: bool
    best_epoch: int | None
    def __init__(self) -> None: ...
    def append(self, epoch: int, **figures: float | None) -> None: ...
    @property
    def history(self) -> dict[str, list[Any]]: ...
    def __len__(self) -> int: ...
    # The series added by fit (val_loss, val_accuracy, lr, time, or a callback's own).
    def __getattr__(self, name: str) -> list[float]: ...
