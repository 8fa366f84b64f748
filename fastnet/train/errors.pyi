from typing import Literal

from .history import History

__all__ = ["TrainingDivergedError"]

class TrainingDivergedError(FloatingPointError, ValueError):
    """The training loss, a gradient, a parameter or the optimizer's state became NaN or infinite; see ``params_kept``."""

    epoch: int
    history: History | None
    lr: float | None
    params_kept: Literal["last_epoch", "last_batch", "none"]
    batches_done: int | None
    state_finite: bool
    def __init__(
        self,
        epoch: int,
        history: History | None = None,
        lr: float | None = None,
        *,
        params_kept: Literal["last_epoch", "last_batch", "none"] = "last_epoch",
        batches_done: int | None = None,
        state_finite: bool = True,
    ) -> None: ...
