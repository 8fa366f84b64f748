"""The loop around the engine: ``fit`` in named phases, its history, progress
display and the error a diverged run raises. It knows the engine and the
optimizers, never a layer: :class:`fastnet.Network` calls it."""

from .errors import TrainingDivergedError
from .history import History

__all__ = ["History", "TrainingDivergedError"]
