"""Warnings reported at the user's line: the first frame outside the fastnet package.

A fixed ``stacklevel`` counts the frames between ``warnings.warn`` and the
user, and that count differs by entry point (``Network.fit`` or
``partial_fit``, an estimator's ``fit`` through its base class's), so it
points into fastnet's own code from all but one of them. Python 3.12's
``skip_file_prefixes`` does this walk; fastnet supports 3.10.
"""

from __future__ import annotations

import sys
import warnings
from types import FrameType

__all__ = ["warn_caller"]

_PACKAGE = __name__.partition(".")[0]   # "fastnet"


def _outside(frame: FrameType) -> bool:
    name = str(frame.f_globals.get("__name__", ""))
    return name != _PACKAGE and not name.startswith(_PACKAGE + ".")


def warn_caller(message: str, category: type[Warning]) -> None:
    """``warnings.warn(message, category)`` attributed to the nearest caller outside fastnet."""
    level = 1
    frame: FrameType | None = sys._getframe(1)   # warn_caller's caller is level 2
    while frame is not None and not _outside(frame):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level + 1)
