"""Progress display for ``fit``: a tqdm bar when tqdm is installed, else a plain log.

Called once per epoch, from Python, between the nogil epochs. Output is
throttled to a few updates a second, so that epochs of microseconds do not pay
for printing.
"""

import sys
import time

__all__ = ["make_progress"]

_MIN_INTERVAL = 0.25  # seconds between two printed updates


def _describe(logs):
    return ", ".join(f"{k}={v:.4g}" for k, v in logs.items() if isinstance(v, float))


class _Log:
    """One line every _MIN_INTERVAL seconds at most, and always the last epoch."""

    def __init__(self, epochs, stream):
        self.epochs = epochs
        self.stream = stream
        self.last = 0.0
        self.pending = None

    def update(self, epoch, logs):
        now = time.monotonic()
        if now - self.last >= _MIN_INTERVAL or epoch == self.epochs:
            print(f"epoch {epoch}/{self.epochs}: {_describe(logs)}", file=self.stream, flush=True)
            self.last, self.pending = now, None
        else:
            self.pending = (epoch, logs)

    def close(self):
        if self.pending is not None:  # training stopped early: show where it ended
            epoch, logs = self.pending
            print(f"epoch {epoch}/{self.epochs}: {_describe(logs)}", file=self.stream, flush=True)


class _Bar:
    def __init__(self, epochs, tqdm):
        self.bar = tqdm(total=epochs, unit="epoch", mininterval=_MIN_INTERVAL, leave=True)

    def update(self, epoch, logs):
        self.bar.update(epoch - self.bar.n)
        self.bar.set_postfix_str(_describe(logs), refresh=False)

    def close(self):
        self.bar.close()


class _Silent:
    def update(self, epoch, logs):
        pass

    def close(self):
        pass


def make_progress(progress, epochs, stream=None):
    """``progress``: False (silent), True (tqdm if installed, else the log), ``"bar"`` or ``"log"``."""
    if progress is False or progress is None:
        return _Silent()
    if progress not in (True, "bar", "log"):
        raise ValueError(f"progress must be True, False, 'bar' or 'log', got {progress!r}")
    if progress in (True, "bar"):
        try:
            from tqdm.auto import tqdm
        except ImportError:
            if progress == "bar":
                raise ImportError("progress='bar' needs tqdm: pip install tqdm (or fastnet[progress])") from None
        else:
            return _Bar(epochs, tqdm)
    return _Log(epochs, stream or sys.stderr)
