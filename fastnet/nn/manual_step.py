"""An optimizer step on the compiled network outside ``fit``: ``net.backward(X, Y); optimizer.step(net)``.

``fit`` takes its steps inside the nogil epoch kernel. This is the slow path,
one step per call, and it can afford to keep copies: a step that overflows the
parameters (or the optimizer's state) is undone instead of losing the model.
:class:`fastnet.Optimizer` calls these through the network's hooks
``_new_optimizer_state`` and ``_optimizer_update``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._core import optimizers as _optimizers
from ..checks.arrays import Floats, exclusive_zeros

if TYPE_CHECKING:
    from ..optim.optimizers import Optimizer
    from .network import Network

__all__ = ["new_state", "step"]


def new_state(net: Network, optimizer: Optimizer) -> Floats:
    """``optimizer``'s state rows for ``net``, (n_state, n_params), each at its initial value."""
    state: Floats = exclusive_zeros((optimizer.n_state, net.n_params), net.dtype)
    for row in range(optimizer.n_state):
        state[row] = optimizer.initial_state_value(row)
    return state


def step(net: Network, optimizer: Optimizer) -> None:
    """One update of ``net.params`` from ``net.grads``, in place; undone if it overflows."""
    with net._lock:
        if not np.isfinite(net._grads).all():
            raise FloatingPointError("net.grads holds NaN or infinity; the step was not taken "
                                     "(lower the learning rate, clip gradients or scale the inputs)")
        params, state = net._params.copy(), optimizer.state.copy()
        _optimizers.step(optimizer.kernel_id, np.asarray(optimizer.hyper_vector(), dtype=np.float64),
                         optimizer.t, net._params, net._grads, optimizer.state)
        params_finite = bool(np.isfinite(net._params).all())
        if not (params_finite and np.isfinite(optimizer.state).all()):
            # The state too: a finite gradient's square can overflow Adam's, and then
            # every later step of those weights is 0 or NaN.
            net._params[:] = params
            optimizer.state[:] = state
            what = "the parameters" if not params_finite else "the optimizer's state"
            raise FloatingPointError(f"this {type(optimizer).__name__} step overflowed {what}; "
                                     "it was undone (lower the learning rate, or scale the inputs)")
