"""fastnet: dense neural networks trained on the CPU, fast.

A whole training epoch is one call into typed Cython that runs without the
GIL; :mod:`fastnet.reference` is the same math in pure Python, the oracle for
the tests. See ``docs/MATH.md`` for the exact formulas.
"""

from ._version import __version__
from .activations import ACTIVATIONS, Activation
from .errors import TrainingDivergedError
from . import datasets, schedules
from ._config import get_include, show_config
from . import reference  # first: fastnet.gradcheck and fastnet.reference import each other
from .gradcheck import gradcheck
from .history import History
from .io import load
from .losses import LOSSES, Loss
from .network import Dense, Network
from .optimizers import OPTIMIZERS, SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from . import _blas

_blas.select()  # which OpenBLAS the kernels call: $FASTNET_BLAS, by default numpy's when found

__all__ = [
    "__version__", "ACTIVATIONS", "Activation", "LOSSES", "Loss", "OPTIMIZERS", "Optimizer",
    "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "History", "TrainingDivergedError",
    "Network", "Dense", "gradcheck", "load", "get_include", "show_config",
]
