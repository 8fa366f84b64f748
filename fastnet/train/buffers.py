"""What ``fit`` keeps: the rollback copy of an epoch's start, and the arrays every fit of a network reuses."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..checks.arrays import Floats, OptimizerArrays
from ..optim.optimizers import Optimizer
from ..runtime.blas_calls import training_rows_without_blas

__all__ = ["Buffers", "Rollback"]


class Rollback:
    """The parameters, optimizer state and step count at the start of an epoch, to undo one that diverges."""

    def __init__(self, params: Floats) -> None:
        self.params = np.empty_like(params)
        self.state: Floats | None = None
        self.t = 0
        self.taken = False

    def take(self, params: Floats, state: Floats, optimizer: Optimizer) -> None:
        # Taken every epoch, not once: a callback may have changed them.
        self.params[:] = params
        if self.state is None or self.state.shape != state.shape:
            self.state = np.empty_like(state)
        self.state[...] = state
        self.t, self.taken = optimizer.t, True

    def restore(self, params: Floats, state: Floats, optimizer: Optimizer) -> None:
        assert self.state is not None, "restore() before take()"
        params[:] = self.params
        state[...] = self.state
        optimizer.t = self.t


class Buffers:
    """The arrays each ``fit`` of a network needs, made by its first and kept on it (``net._fit_buffers``).

    Allocating and checking them again is most of a tiny network's ``fit(epochs=1)``
    (#17: fit's fixed cost). One set per network is enough: its fits hold its
    lock, so they never overlap. The rollback copy scales with the parameters and
    is kept only while small (up to ``_KEPT_ROLLBACK`` bytes), so that a large
    network does not hold a second copy of its parameters between fits.
    """

    __slots__ = ("checked_arrays", "order", "step", "rollback", "loop_rows")

    def __init__(self, net: Any) -> None:
        self.checked_arrays = OptimizerArrays(net.n_params, net.dtype)
        self.loop_rows = training_rows_without_blas(net.sizes, net.n_params)   # batches needing no BLAS scope
        self.order = np.empty(0, dtype=np.intp)
        self.step = np.zeros(1, dtype=np.int64)
        self.rollback: Rollback | None = None

    @classmethod
    def of(cls, net: Any) -> Buffers:
        buffers: Buffers | None = net._fit_buffers
        if buffers is None:
            buffers = net._fit_buffers = cls(net)
        return buffers

    def order_of(self, n_samples: int) -> npt.NDArray[np.intp]:
        if self.order.shape[0] != n_samples:
            self.order = np.empty(n_samples, dtype=np.intp)   # filled by every epoch's kernel
        return self.order

    def rollback_of(self, params: Floats) -> Rollback:
        rollback = self.rollback if self.rollback is not None else Rollback(params)
        rollback.taken = False
        self.rollback = rollback if params.nbytes <= _KEPT_ROLLBACK else None
        return rollback


_KEPT_ROLLBACK = 1 << 20
