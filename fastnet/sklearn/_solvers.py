"""scikit-learn's names for activations and solvers, and the fastnet optimizer each solver becomes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
}

LEARNING_RATES = ("constant", "invscaling", "adaptive")

#: Where each hyperparameter that an estimator parameter sets must be set, instead of optimizer_options.
OWNER_OF = {"lr": "learning_rate_init", "betas": "beta_1 and beta_2", "eps": "epsilon",
            "weight_decay": "alpha", "momentum": "momentum", "nesterov": "nesterovs_momentum"}


def make_optimizer(est: _BaseMLP, batch_size: int, mean_weight: float) -> Optimizer:
    """The fastnet optimizer of ``est.solver``, its hyperparameters from the estimator's parameters.

    ``alpha`` becomes a coupled ``weight_decay`` of ``alpha / (batch_size *
    mean_weight)``: scikit-learn's penalty gradient ``alpha * W / s``, ``s``
    the sum of a batch's sample weights (exact for every full batch). For
    ``"adamw"`` ``alpha`` is the decoupled decay itself.
    """
    cls, _ = SOLVERS[est.solver]
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
