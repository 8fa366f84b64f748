"""Progress display for ``fit``: a tqdm bar when tqdm is installed, else a plain log.

Called once per epoch, from Python, between the nogil epochs. Output is
throttled to a few updates a second, so that epochs of microseconds do not pay
for printing.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, Protocol, TextIO

__all__ = ["make_progress", "Progress"]

_MIN_INTERVAL = 0.25  # seconds between two printed updates


class Progress(Protocol):
    """What ``fit`` calls: ``update`` after every epoch, ``close`` once at the end."""

    def update(self, epoch: int, logs: Mapping[str, float]) -> None: ...

    def close(self) -> None: ...


def _describe(logs: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in logs.items() if isinstance(v, float))


class _Log:
    """One line every _MIN_INTERVAL seconds at most, and always the last epoch."""

    def __init__(self, epochs: int, stream: TextIO) -> None:
        self.epochs = epochs
        self.stream = stream
        self.last = 0.0
        self.pending: tuple[int, Mapping[str, float]] | None = None

    def update(self, epoch: int, logs: Mapping[str, float]) -> None:
        now = time.monotonic()
        if now - self.last >= _MIN_INTERVAL or epoch == self.epochs:
            print(f"epoch {epoch}/{self.epochs}: {_describe(logs)}", file=self.stream, flush=True)
            self.last, self.pending = now, None
        else:
            self.pending = (epoch, logs)

    def close(self) -> None:
        if self.pending is not None:  # training stopped early: show where it ended
            epoch, logs = self.pending
            print(f"epoch {epoch}/{self.epochs}: {_describe(logs)}", file=self.stream, flush=True)


class _Bar:
    def __init__(self, epochs: int, tqdm: Callable[..., Any]) -> None:
        self.bar = tqdm(total=epochs, unit="epoch", mininterval=_MIN_INTERVAL, leave=True)

    def update(self, epoch: int, logs: Mapping[str, float]) -> None:
        self.bar.update(epoch - self.bar.n)
        self.bar.set_postfix_str(_describe(logs), refresh=False)

    def close(self) -> None:
        self.bar.close()


class _Silent:
    def update(self, epoch: int, logs: Mapping[str, float]) -> None:
        pass

    def close(self) -> None:
        pass


def make_progress(progress: bool | str | None, epochs: int, stream: TextIO | None = None) -> Progress:
    """``progress``: False (silent), True (tqdm if installed, else the log), ``"bar"`` or ``"log"``."""
    if progress is False or progress is None:
        return _Silent()
    if progress not in (True, "bar", "log"):
        raise ValueError(f"progress must be True, False, 'bar' or 'log', got {progress!r}")
    if progress in (True, "bar"):
        try:
            # tqdm is optional, and its stubs (types-tqdm) may be absent
            from tqdm.auto import tqdm  # type: ignore[import-untyped,unused-ignore]
        except ImportError:
            if progress == "bar":
                raise ImportError("progress='bar' needs tqdm: pip install tqdm (or fastnet[progress])") from None
        else:
            return _Bar(epochs, tqdm)
    return _Log(epochs, stream or sys.stderr)
