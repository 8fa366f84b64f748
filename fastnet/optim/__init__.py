"""Optimizers (the one list of the kernel ones, :data:`OPTIMIZERS`; the full-batch :class:`LBFGS`) and learning-rate schedules."""

from .lbfgs import LBFGS
from .optimizers import OPTIMIZERS, SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop, make_optimizer
from .schedules import (CosineAnnealingLR, ExponentialLR, LambdaLR, LinearLR, LinearWarmup, LRSchedule,
                        OneCycleLR, ReduceLROnPlateau, SequentialLR, StepLR)

__all__ = ["OPTIMIZERS", "Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "make_optimizer", "LBFGS",
           "LRSchedule", "LambdaLR", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "SequentialLR",
           "LinearWarmup", "OneCycleLR", "ReduceLROnPlateau"]
