"""Exceptions fastnet raises beyond ValueError and TypeError."""

__all__ = ["TrainingDivergedError"]


class TrainingDivergedError(FloatingPointError):
    """The training loss became NaN or infinite.

    The network's parameters have been restored to those at the end of the
    last epoch whose loss was finite (the start of ``fit`` if it was the first);
    ``history`` holds the epochs completed before.
    """

    def __init__(self, epoch, history=None, lr=None):
        self.epoch = epoch
        self.history = history
        hint = f" (lr={lr:g})" if lr is not None else ""
        super().__init__(
            f"the training loss became non-finite in epoch {epoch}; the parameters of the last finite "
            f"epoch were restored. Try a lower learning rate{hint}, gradient clipping, or scaled inputs."
        )
