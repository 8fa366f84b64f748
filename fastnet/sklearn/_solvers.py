"""scikit-learn's names for activations and solvers, and the fastnet optimizer each solver becomes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..optim.lbfgs import LBFGS
from ..optim.optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop

if TYPE_CHECKING:
    from .base import _BaseMLP

__all__ = ["ACTIVATIONS", "SOLVERS", "LEARNING_RATES", "OWNER_OF", "make_optimizer"]

#: scikit-learn's activation names -> fastnet's
ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}

#: solver -> (fastnet optimizer class, hyperparameters the estimator's own parameters set)
SOLVERS: dict[str, tuple[type[Optimizer], tuple[str, ...]]] = {
    "adam": (Adam, ("lr", "betas", "eps", "weight_decay")),
    "sgd": (SGD, ("lr", "momentum", "nesterov", "weight_decay")),
    "adamw": (AdamW, ("lr", "betas", "eps", "weight_decay")),
    "rmsprop": (RMSprop, ("lr", "weight_decay")),
    "adagrad": (Adagrad, ("lr", "weight_decay")),
    # full batch, one iteration per epoch (not a kernel optimizer): scikit-learn's meaning of tol and max_fun
    "lbfgs": (LBFGS, ("gtol", "max_fun", "weight_decay")),
}

LEARNING_RATES = ("constant", "invscaling", "adaptive")

#: Where each hyperparameter that an estimator parameter sets must be set, instead of optimizer_options.
OWNER_OF = {"lr": "learning_rate_init", "betas": "beta_1 and beta_2", "eps": "epsilon",
            "weight_decay": "alpha", "momentum": "momentum", "nesterov": "nesterovs_momentum",
            "gtol": "tol", "max_fun": "max_fun"}


def make_optimizer(est: _BaseMLP, batch_size: int, mean_weight: float) -> Optimizer:
    """The fastnet optimizer of ``est.solver``, its hyperparameters from the estimator's parameters.

    ``"lbfgs"`` is :class:`fastnet.LBFGS` over the full batch (``_lbfgs``).

    ``alpha`` becomes a coupled ``weight_decay`` of ``alpha / (batch_size *
    mean_weight)``: scikit-learn's penalty gradient ``alpha * W / s``, ``s``
    the sum of a batch's sample weights (exact for every full batch). For
    ``"adamw"`` ``alpha`` is the decoupled decay itself.
    """
    cls, _ = SOLVERS[est.solver]
    if cls is LBFGS:
        return _lbfgs(est, batch_size * mean_weight)
    hyper: dict[str, Any] = {"lr": float(est.learning_rate_init),
                             "weight_decay": float(est.alpha) / (batch_size * mean_weight)}
    if cls is SGD:
        momentum = float(est.momentum)
        hyper.update(momentum=momentum, nesterov=bool(est.nesterovs_momentum) and momentum > 0)
    elif cls is Adam or cls is AdamW:
        hyper.update(betas=(est.beta_1, est.beta_2), eps=est.epsilon)
        if cls is AdamW:
            hyper["weight_decay"] = float(est.alpha)
    return cls(**hyper, **(est.optimizer_options or {}))


def _weight_mask(net: Any) -> npt.NDArray[np.float64]:
    """1.0 where the flat buffer holds a weight, 0.0 where a bias: scikit-learn's penalty leaves biases out."""
    mask = np.zeros(net.n_params)
    base, itemsize = net.params.ctypes.data, net.params.itemsize
    for layer in net.dense_layers:
        start = (layer.W.ctypes.data - base) // itemsize   # W is a contiguous view into the buffer
        mask[start:start + layer.W.size] = 1.0
    return mask


def _lbfgs(est: _BaseMLP, weight_sum: float) -> LBFGS:
    """scikit-learn's L-BFGS-B options: ``gtol=tol``, ``max_fun``, its default ``ftol``; ``alpha`` on the weights.

    The penalty ``alpha/2 ||W||^2 / s`` (``s`` the sum of the sample weights)
    is the objective's, as in scikit-learn, not an update rule.
    """
    decay = _weight_mask(est.net_) * (float(est.alpha) / weight_sum)
    return LBFGS(gtol=float(est.tol), max_fun=int(est.max_fun), weight_decay=decay,
                 **(est.optimizer_options or {}))
