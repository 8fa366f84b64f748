"""The loop around the engine: ``fit`` in named phases, its history, progress
display, the error a diverged run raises, and the callbacks (checkpoints, CSV
logs, Optuna's pruning). It knows the engine and the optimizers, never a
layer: :class:`fastnet.Network` calls it."""

from .callbacks import Callback, CSVLogger, ModelCheckpoint
from .errors import TrainingDivergedError
from .history import History
from .pruning import OptunaPruningCallback

__all__ = ["Callback", "CSVLogger", "History", "ModelCheckpoint", "OptunaPruningCallback", "TrainingDivergedError"]
