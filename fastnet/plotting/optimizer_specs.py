"""Optimizers as the plots take them: by name, class, instance or a function of the learning rate."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from ..optim.optimizers import OPTIMIZERS, SGD, Optimizer

__all__ = ["OptimizerSpec", "MakeOptimizer", "optimizer_factory"]

#: An optimizer: a name ("sgd", "momentum", "nesterov", "adam", ...), an Optimizer
#: class or instance, or a function lr -> Optimizer.
OptimizerSpec = str | type[Optimizer] | Optimizer | Callable[[float], Optimizer]
#: A fresh optimizer at a learning rate (None: an instance's own).
MakeOptimizer = Callable[[float], Optimizer]

# Optimizers by name, each a function of the learning rate. "momentum" and
# "nesterov" are SGD with momentum 0.9, as the seed texts and most courses use.
_NAMED: dict[str, tuple[str, MakeOptimizer]] = {
    "gd": ("gradient descent", lambda lr: SGD(lr=lr)),
    "sgd": ("SGD", lambda lr: SGD(lr=lr)),
    "momentum": ("momentum 0.9", lambda lr: SGD(lr=lr, momentum=0.9)),
    "nesterov": ("Nesterov 0.9", lambda lr: SGD(lr=lr, momentum=0.9, nesterov=True)),
}


def _from_name(spec: str) -> tuple[str, MakeOptimizer]:
    key = spec.lower()
    if key in _NAMED:
        return _NAMED[key]
    if key in OPTIMIZERS:
        cls = OPTIMIZERS[key]
        return cls.__name__, lambda lr: cls(lr=lr)
    raise ValueError(f"unknown optimizer {spec!r}; expected one of "
                     f"{', '.join(map(repr, [*_NAMED, *OPTIMIZERS]))}, a class or an instance")


def _from_instance(spec: Optimizer) -> tuple[str, MakeOptimizer]:
    # A copy per use: an optimizer keeps state for one network only.
    hyper = dict(spec.hyperparameters)
    cls = type(spec)

    def make(lr: float | None) -> Optimizer:
        return cls(**{**hyper, "lr": hyper["lr"] if lr is None else lr})

    return cls.__name__, make


def optimizer_factory(spec: OptimizerSpec) -> tuple[str, MakeOptimizer]:
    """(label, make(lr) -> a fresh Optimizer) from a name, class, instance or callable."""
    if isinstance(spec, str):
        return _from_name(spec)
    if isinstance(spec, type) and issubclass(spec, Optimizer):
        cls = spec
        return cls.__name__, lambda lr: cls(lr=lr)
    if isinstance(spec, Optimizer):
        return _from_instance(spec)
    if callable(spec):
        return str(getattr(spec, "__name__", "optimizer")), cast(MakeOptimizer, spec)
    raise TypeError(f"optimizer must be a name, an Optimizer class or instance, or a function of lr; "
                    f"got {type(spec).__name__}")
