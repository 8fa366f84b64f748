"""fastnet: dense neural networks trained on the CPU, fast.

A whole training epoch is one call into typed Cython that runs without the
GIL; :mod:`fastnet.reference` is the same math in pure Python, the oracle for
the tests. See ``docs/MATH.md`` for the exact formulas and
``docs/ARCHITECTURE.md`` for the layout of the package.
"""

from ._version import __version__
from . import datasets
from .io import load
from .nn import ACTIVATIONS, INITIALIZERS, LOSSES, Activation, CustomLoss, Dense, Dropout, Loss, Network
from .optim import LBFGS, OPTIMIZERS, SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop, schedules
from .optim.schedules import (CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, LinearWarmup, LRSchedule,
                              OneCycleLR, PerBatch, ReduceLROnPlateau, SequentialLR, StepLR)
from .reference import gradcheck
from .runtime import blas as _blas
from .runtime.config import get_include, show_config
from .train import CSVLogger, History, ModelCheckpoint, OptunaPruningCallback, TrainingDivergedError
from .train.metrics import METRICS, Metric
from . import _aliases

_blas.select()  # which OpenBLAS the kernels call: $FASTNET_BLAS, by default numpy's when found
_aliases.install(__import__(__name__))  # the import paths of fastnet 0.1

__all__ = [
    "__version__", "ACTIVATIONS", "Activation", "INITIALIZERS", "LOSSES", "Loss", "CustomLoss", "OPTIMIZERS",
    "Optimizer",
    "SGD", "Adam", "AdamW", "RMSprop", "Adagrad",
    "LBFGS",  # the full-batch optimizer: not in OPTIMIZERS (the kernel list)
    "History", "TrainingDivergedError",
    "Network", "Dense", "Dropout", "gradcheck", "load", "get_include", "show_config",
    "ModelCheckpoint", "CSVLogger", "OptunaPruningCallback", "METRICS", "Metric",
    # the learning-rate schedules (also fastnet.schedules.X)
    "LRSchedule", "LambdaLR", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "SequentialLR",
    "LinearWarmup", "OneCycleLR", "PerBatch", "ReduceLROnPlateau",
]
