"""Callbacks of ``fit`` as Keras has them: :class:`ModelCheckpoint` and :class:`CSVLogger`.

A callback of ``fit`` is any callable ``cb(epoch, logs)``, called after every
epoch with that epoch's figures (``loss``, ``val_loss``, ``val_accuracy``,
``lr``, ``time``); returning True stops training. Callbacks run per epoch,
never per batch: an epoch is one nogil call into the compiled engine, and
Python, callbacks included, runs only between two.

A callback that needs the network being trained has a ``set_network(net)``
method: ``fit`` calls it once at the start of every fit, before the first
epoch, as Keras's ``fit`` calls ``set_model``. The same callback can serve
several fits, one after the other. An exception a callback raises ends
``fit`` there, and the network keeps the parameters of the last completed
epoch (the one whose figures the callback was given).

This module names no layer: a checkpoint calls the network's own ``save``.
"""

from __future__ import annotations

import abc
import csv
import math
import os
import string
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeAlias

from ..checks.monitor import Figures, Mode, check_monitor, figures_seen, resolve_monitor
from ..checks.scalars import check_bool

__all__ = ["Callback", "ModelCheckpoint", "CSVLogger", "check_callbacks", "give_network", "monitored_value"]

#: What fit takes as a callback: f(epoch, logs) -> True to stop.
CallbackFn: TypeAlias = Callable[[int, dict[str, float]], "bool | None"]


def check_callbacks(callbacks: Iterable[CallbackFn]) -> list[CallbackFn]:
    """``callbacks`` as a list, each one callable; else a TypeError."""
    if isinstance(callbacks, (str, bytes)) or not hasattr(callbacks, "__iter__"):
        raise TypeError(f"callbacks must be a list of callables f(epoch, logs), got "
                        f"{type(callbacks).__name__} {callbacks!r}")
    callbacks = list(callbacks)
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"callbacks must be callables f(epoch, logs), got {cb!r}")
    return callbacks


def give_network(callbacks: Iterable[Any], net: Any) -> None:
    """Keras's ``set_model``: each callback with a ``set_network`` method gets the network."""
    for cb in callbacks:
        set_network = getattr(cb, "set_network", None)
        if set_network is not None:
            set_network(net)


def monitored_value(logs: Mapping[str, Any], monitor: str, who: str) -> float:
    """``logs[monitor]`` as a float, or a ValueError naming the key and the keys there are."""
    if monitor not in logs:
        hint = (" (val_* figures need validation_data or validation_split)" if monitor.startswith("val_")
                else "")
        raise ValueError(f"{who}: monitor={monitor!r} is not in the logs of this epoch, which hold "
                         f"{', '.join(repr(key) for key in logs) or 'nothing'}{hint}")
    return float(logs[monitor])


def _check_path(path: Any, who: str) -> str:
    try:
        raw = os.fspath(path)
    except TypeError:
        raise TypeError(f"{who}: path must be a str or os.PathLike, got {type(path).__name__}") from None
    return os.fsdecode(raw) if isinstance(raw, bytes) else raw


def _existing_directory(path: str, who: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"{who}: cannot write {path}: the directory {directory} does not exist")


class Callback(abc.ABC):
    """A base for callbacks that need the network: ``set_network`` keeps it in ``self.network``.

    Subclasses define ``__call__(epoch, logs)``, called after every epoch.
    """

    network: Any = None

    def set_network(self, net: Any) -> None:
        """Called by ``fit`` with the network it trains, before the first epoch of every fit."""
        self.network = net

    @abc.abstractmethod
    def __call__(self, epoch: int, logs: Mapping[str, Any]) -> bool | None:
        """After every epoch, with its figures; True stops training."""

    def _network(self) -> Any:
        if self.network is None:
            raise RuntimeError(f"{type(self).__name__} has no network: pass it to fit(callbacks=[...]), "
                               "which calls its set_network(net), or call set_network(net) first")
        return self.network


class ModelCheckpoint(Callback):
    """Save the network after an epoch, or only after one that improves ``monitor`` (Keras's ``ModelCheckpoint``).

    Parameters
    ----------
    path : str or os.PathLike
        The model file (``Network.save``: ``.npz`` appended when missing, written
        atomically, so a crash mid-save leaves the previous checkpoint whole).
        It may name figures of the epoch, as in Keras: ``"ckpt-{epoch:03d}-{val_loss:.3f}.npz"``.
    monitor : str
        The figure of the logs that decides which epoch is best: ``loss``,
        ``val_loss``, a metric of ``fit(metrics=[...])`` and its ``val_`` twin
        (``"auto"``: ``val_loss`` with validation data, else ``loss``). One the fit
        does not record is a ValueError before its first epoch.
    save_best_only : bool
        True: save only when ``monitor`` improves on the best value seen so far
        by this callback (across fits, as Keras's does); a NaN never improves.
        False: save after every epoch (``monitor`` is then not read).
    mode : "auto", "min" or "max"
        "auto" takes the monitored figure's direction when the fit starts (as
        Keras 3): "max" for accuracies, R² and scikit-learn's ``val_score``, "min"
        for losses, log_loss, MAE and RMSE; ``mode`` then holds the one chosen.
    include_optimizer : bool
        Also save the optimizer's state, so that training resumes exactly.

    Notes
    -----
    ``best`` holds the best value so far, ``last_path`` the file last written.
    """

    def __init__(self, path: Any, monitor: str = "val_loss", save_best_only: bool = True, mode: Mode = "auto",
                 include_optimizer: bool = True) -> None:
        who = "ModelCheckpoint"
        self.path = _check_path(path, who)
        try:
            self._fields = {name for _, name, _, _ in string.Formatter().parse(self.path) if name is not None}
        except ValueError as exc:
            raise ValueError(f"{who}: path {self.path!r} is not a valid format string ({exc}); "
                             "write a literal brace as '{{' or '}}'") from None
        self.monitor, self.mode = check_monitor(who, monitor, mode)
        self._mode: Mode = self.mode    # as given: "auto" is resolved again by each fit
        self._key: str | None = None    # the figure resolved, by fit (check_monitor) or at the first call
        self.save_best_only = check_bool("save_best_only", save_best_only)
        self.include_optimizer = check_bool("include_optimizer", include_optimizer)
        self.best: float | None = None if self.mode == "auto" else math.inf if self.mode == "min" else -math.inf
        self.last_path: str | None = None

    def check_monitor(self, figures: Figures) -> None:
        """Called by ``fit`` before its first epoch with the figures it records."""
        if self.save_best_only:
            self._resolve(figures)

    def _resolve(self, figures: Figures) -> None:
        key, direction = resolve_monitor("ModelCheckpoint", self.monitor, self._mode, figures)
        self._key, self.mode = key, direction
        if self.best is None:
            self.best = math.inf if direction == "min" else -math.inf

    def set_network(self, net: Any) -> None:
        _existing_directory(self.path, "ModelCheckpoint")   # before the first epoch, not after it
        super().set_network(net)

    def __call__(self, epoch: int, logs: Mapping[str, Any]) -> None:
        net = self._network()
        if self.save_best_only:
            if self._key is None:   # called by hand, outside fit
                self._resolve(figures_seen(logs))
            assert self._key is not None and self.best is not None
            value = monitored_value(logs, self._key, "ModelCheckpoint")
            improved = value < self.best if self.mode == "min" else value > self.best
            if not improved:
                return
        self.last_path = net.save(self._path_of(epoch, logs), include_optimizer=self.include_optimizer)
        if self.save_best_only:
            self.best = value   # once saved: a save that fails keeps the best of the file there is

    def _path_of(self, epoch: int, logs: Mapping[str, Any]) -> str:
        if not self._fields:
            return self.path
        missing = sorted(self._fields - {"epoch", *logs})
        if missing:
            raise ValueError(f"ModelCheckpoint: path {self.path!r} names {', '.join(map(repr, missing))}, "
                             f"not in the logs of this epoch, which hold 'epoch', "
                             f"{', '.join(repr(key) for key in logs)}")
        return self.path.format(epoch=epoch, **logs)

    def __repr__(self) -> str:
        return (f"ModelCheckpoint({self.path!r}, monitor={self.monitor!r}, save_best_only={self.save_best_only}, "
                f"mode={self.mode!r})")


class CSVLogger(Callback):
    """One row per epoch in a CSV file: the epoch, then every figure of the logs (Keras's ``CSVLogger``).

    The columns are Keras's: ``epoch`` first, then the logged figures in
    alphabetical order, under a header row. The epoch is fastnet's, counted
    from 1 in each fit as in ``History.epoch`` (Keras counts from 0). Floats
    are written exactly (``repr``), so the file reads back to the History's
    values. Each row is written and the file closed at once, so the file
    holds every finished epoch even if the process dies.

    Parameters
    ----------
    path : str or os.PathLike
    separator : str
        One character between the fields.
    append : bool
        False: every fit starts the file afresh. True: add the rows to the
        file (a header only if the file is new or empty; an existing header
        must name the same columns).
    """

    def __init__(self, path: Any, separator: str = ",", append: bool = False) -> None:
        self.path = _check_path(path, "CSVLogger")
        if not isinstance(separator, str) or len(separator) != 1 or separator in "\r\n\"":
            raise ValueError(f"CSVLogger: separator must be one character other than a quote or a line break, "
                             f"got {separator!r}")
        self.separator = separator
        self.append = check_bool("append", append)
        self._columns: list[str] | None = None
        self._begun = False

    def set_network(self, net: Any) -> None:
        super().set_network(net)
        self._begin()

    def _begin(self) -> None:
        """The start of a fit: a fresh file unless appending; the columns are those of its first epoch."""
        _existing_directory(self.path, "CSVLogger")
        if not self.append:
            with open(self.path, "w", newline="", encoding="utf-8"):
                pass
        self._columns, self._begun = None, True

    def __call__(self, epoch: int, logs: Mapping[str, Any]) -> None:
        if not self._begun:   # called outside fit, without set_network
            self._begin()
        with open(self.path, "a+", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, delimiter=self.separator, lineterminator="\n")
            if self._columns is None:
                self._columns = ["epoch", *sorted(logs)]
                self._header(f, writer)
            writer.writerow([epoch, *(_cell(logs.get(key)) for key in self._columns[1:])])

    def _header(self, f: Any, writer: Any) -> None:
        """Write the header to a new or empty file; check it against an existing one's."""
        assert self._columns is not None
        f.seek(0)
        first = f.readline()
        if not first.strip():
            writer.writerow(self._columns)
            return
        existing = next(csv.reader([first], delimiter=self.separator))
        if existing != self._columns:
            raise ValueError(f"CSVLogger: {self.path} has the columns {existing}, but this fit logs "
                             f"{self._columns}; append to another file, or pass append=False to start afresh")

    def __repr__(self) -> str:
        return f"CSVLogger({self.path!r}, separator={self.separator!r}, append={self.append})"


def _cell(value: Any) -> Any:
    """A figure as Keras writes it: "NA" when the epoch has none, floats exactly."""
    if value is None:
        return "NA"
    return repr(float(value)) if isinstance(value, float) else value
