"""Learning-rate schedules, applied between epochs (the epoch itself stays one nogil call).

A schedule gives the learning rate of each epoch from the optimizer's
initial ``lr`` (the ``base_lr``), following the ``torch.optim.lr_scheduler``
formulas. ``epoch`` counts the epochs already run in this ``fit`` (0 first);
a step of a torch scheduler is an epoch here: the rate is the same for every
batch of an epoch, unless the schedule is wrapped in :class:`PerBatch`, which
steps it per batch (from a table of rates the epoch kernel reads). ``fit(lr_schedule=f)`` also takes a plain function
``f(epoch)``, a factor of the optimizer's ``lr`` (:class:`LambdaLR`).
"""

from .base import HistoryLike, LambdaLR, LRSchedule, LRScheduleLike, as_schedule
from .decay import CosineAnnealingLR, ExponentialLR, LinearLR, StepLR
from .one_cycle import OneCycleLR
from .per_batch import PerBatch
from .plateau import ReduceLROnPlateau
from .sequential import LinearWarmup, SequentialLR

__all__ = ["LRSchedule", "LRScheduleLike", "HistoryLike", "LambdaLR", "StepLR", "ExponentialLR",
           "CosineAnnealingLR", "LinearLR", "SequentialLR", "LinearWarmup", "OneCycleLR", "ReduceLROnPlateau",
           "PerBatch", "as_schedule"]
