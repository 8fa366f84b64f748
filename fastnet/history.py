"""What ``fit`` returns: the figures of each epoch."""

__all__ = ["History"]


class History:
    """Per-epoch training record, shared by the compiled and the reference networks.

    ``loss`` holds the mean training loss of each epoch (the batch losses
    weighted by batch size). ``fit`` may add more series (``val_loss``, ...);
    every series has one entry per epoch run.
    """

    def __init__(self):
        self.epoch = []
        self.loss = []

    def append(self, epoch, **figures):
        """Record one epoch; a series missing from ``figures`` gets None for it."""
        self.epoch.append(epoch)
        for key in set(self.history) | set(figures):
            series = getattr(self, key, None)
            if series is None:
                series = [None] * (len(self.epoch) - 1)
                setattr(self, key, series)
            series.append(figures.get(key))

    @property
    def history(self):
        """The series as a dict (Keras's ``History.history``)."""
        return {k: v for k, v in vars(self).items() if k != "epoch"}

    def __len__(self):
        return len(self.epoch)

    def __repr__(self):
        last = {k: v[-1] for k, v in self.history.items() if v}
        return f"History(epochs={len(self)}, last={last})"
