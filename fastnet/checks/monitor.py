"""Which figure a monitor watches, and whether smaller or larger is better: the one rule for
``ReduceLROnPlateau(monitor=...)``, ``ModelCheckpoint(monitor=...)``, ``OptunaPruningCallback`` and
``fit``'s early stopping.

``fit`` knows what it records before its first epoch: ``loss``, ``val_loss`` with
validation data, each metric of ``fit(metrics=[...])`` as ``<key>`` and
``val_<key>``, ``lr`` and ``time``, each with its direction (train/monitoring.py
takes the metrics' from ``METRICS``). It hands that table, the *figures*, to every
monitor, which resolves its key and direction here, so that a monitor naming
nothing the fit records fails before anything is trained. As Keras 3 does,
``mode="auto"`` takes the direction of the figure itself ("min" for a loss, "max"
for an accuracy or R², ...), and a figure without one (``lr``, ``time``) needs
``mode="min"`` or ``"max"``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, TypeAlias, cast

__all__ = ["Direction", "Mode", "Figures", "MODES", "check_monitor", "auto_monitor", "monitored_key",
           "resolve_monitor", "figures_seen"]

Direction: TypeAlias = Literal["min", "max"]
Mode: TypeAlias = Literal["auto", "min", "max"]
#: figure -> its direction, or None where it has none (lr, time): what a fit records.
Figures: TypeAlias = Mapping[str, "Direction | None"]
MODES = ("auto", "min", "max")
#: The figures every fit has, and their directions (fit's loss on the training and the validation data).
_LOSSES: dict[str, Direction] = {"loss": "min", "val_loss": "min"}


def check_monitor(who: str, monitor: object, mode: object) -> tuple[str, Mode]:
    """The checks at construction: ``monitor`` a non-empty str (``"auto"`` or a figure), ``mode`` one of MODES."""
    if not isinstance(monitor, str) or not monitor:
        raise TypeError(f"{who}: monitor must be the name of a logged figure (a str such as 'val_loss'), "
                        f"got {monitor!r}")
    if mode not in MODES:
        raise ValueError(f"{who}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    return monitor, cast(Mode, mode)   # one of MODES, checked just above


def auto_monitor(has_validation: bool) -> str:
    """``monitor="auto"``: the validation loss when the fit has validation data, else the training loss."""
    return "val_loss" if has_validation else "loss"


def monitored_key(who: str, monitor: str, figures: Figures) -> str:
    """The figure ``monitor`` names in a fit recording ``figures``; a ValueError listing them if there is none."""
    key = auto_monitor("val_loss" in figures) if monitor == "auto" else monitor
    if key not in figures:
        if key.startswith("val_") and "val_loss" not in figures:
            hint = " (val_* figures need validation_data or validation_split)"
        elif key not in _LOSSES:
            hint = " (a metric is recorded when fit(metrics=[...]) names it: fastnet.METRICS)"
        else:
            hint = ""
        raise ValueError(f"{who}(monitor={monitor!r}) watches {key!r}, which this fit does not record: it records "
                         f"{', '.join(map(repr, figures)) or 'nothing'}{hint}")
    return key


def resolve_monitor(who: str, monitor: str, mode: Mode, figures: Figures) -> tuple[str, Direction]:
    """The key and the direction of a monitor in a fit recording ``figures`` (see the module's docstring)."""
    key = monitored_key(who, monitor, figures)
    if mode != "auto":
        return key, mode
    direction = figures[key]
    if direction is None:
        raise ValueError(f"{who}(monitor={monitor!r}): {key!r} is neither better smaller nor larger; "
                         f"pass mode='min' or mode='max'")
    return key, direction


def figures_seen(keys: Iterable[str]) -> dict[str, Direction | None]:
    """The figures of a monitor that no fit told (driven by hand): the keys it is given, the losses' directions
    known and the others' not (mode="auto" on them is refused: pass mode="min" or "max")."""
    return {key: _LOSSES.get(key) for key in keys}
