"""Exceptions fastnet raises beyond ValueError and TypeError."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .history import History

#: What the network holds after the error (see TrainingDivergedError).
ParamsKept = Literal["last_epoch", "last_batch", "none"]

__all__ = ["TrainingDivergedError"]


class TrainingDivergedError(FloatingPointError, ValueError):
    """The training loss, a gradient, a parameter or the optimizer's state became NaN or infinite; see ``params_kept``.

    Also a ValueError, which scikit-learn's MLPs raise for non-finite weights,
    so that code written for them catches it from fastnet's estimators too.

    ``params_kept`` says what the network holds afterwards:

    - ``"last_epoch"``: the parameters, the optimizer's state and its step count
      at the end of the last finite epoch (the start of ``fit`` if it was the
      first) were restored;
    - ``"last_batch"``: ``fit(rollback=False)`` keeps no copy to restore, so
      training stopped before the update of the first non-finite batch: the
      parameters are those after ``batches_done`` batches of epoch ``epoch``;
    - ``"none"``: with ``rollback=False`` an update itself overflowed (a finite
      gradient times an enormous step): the parameters are not finite.

    ``state_finite`` is False when the optimizer's state (momentum, Adam's
    moments, ...) is left non-finite, which only ``rollback=False`` can leave
    (a finite gradient whose square overflows Adam's, say). Training on needs
    ``reset_optimizer=True`` then. ``history`` holds the epochs completed
    before ``epoch``.
    """

    def __init__(self, epoch: int, history: History | None = None, lr: float | None = None, *,
                 params_kept: ParamsKept = "last_epoch", batches_done: int | None = None,
                 state_finite: bool = True) -> None:
        self.epoch = epoch
        self.history = history
        self.lr = lr
        self.params_kept = params_kept
        self.batches_done = batches_done
        self.state_finite = state_finite
        hint = f" (lr={lr:g})" if lr is not None else ""
        if params_kept == "last_batch" and batches_done == 0:
            kept = ("the parameters are those at the start of the epoch, whose first batch was not finite "
                    "(rollback=False keeps no copy of the last epoch's)")
        elif params_kept == "last_batch":
            batches = f"{batches_done} batch" + ("" if batches_done == 1 else "es")
            kept = (f"the parameters are those after its first {batches}, the last with a finite loss and "
                    f"gradient (rollback=False keeps no copy of the last epoch's)")
        elif params_kept == "none":
            kept = ("an update overflowed, and the parameters are not finite: rollback=False keeps no copy "
                    "to restore (fit with rollback=True, the default, to keep one)")
        else:
            kept = "the parameters and optimizer state of the last finite epoch were restored"
        if not state_finite:
            kept += ("; the optimizer's state overflowed and is not finite: train on with "
                     "reset_optimizer=True")
        super().__init__(
            f"training diverged in epoch {epoch} (a loss, gradient, parameter or the optimizer's state "
            f"became NaN or infinite); {kept}. "
            f"Try a lower learning rate{hint}, gradient clipping, or scaled inputs."
        )

    def __reduce__(self) -> tuple[Any, tuple[int, History | None, float | None]]:
        # Exceptions pickle as cls(*args), and args is the message: rebuild from the fields
        # instead, so that a copy (multiprocessing, dask) has the same message and fields.
        return (functools.partial(type(self), params_kept=self.params_kept, batches_done=self.batches_done,
                                  state_finite=self.state_finite),
                (self.epoch, self.history, self.lr))
