"""The estimators' checks: hyperparameters at fit time, sample weights, random_state, epochs.

Each error names the parameter and says what it must be, as scikit-learn's do.
The hyperparameters are checked in ``fit``, not in ``__init__``: scikit-learn's
contract is that ``__init__`` only stores its arguments (``set_params`` and
``clone`` go through it).
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ..nn.init import INITIALIZERS
from ._compat import check_random_state
from ._solvers import ACTIVATIONS, LEARNING_RATES, OWNER_OF, SOLVERS

if TYPE_CHECKING:
    from ._typing import Features
    from .base import _BaseMLP

__all__ = ["check_params", "check_sample_weight", "check_epochs", "dense", "drop_zero_weights", "seed_from"]


def check_params(est: _BaseMLP) -> list[int]:
    """Raise on a bad hyperparameter of ``est``, naming it; return the hidden layer sizes as a list."""
    sizes = _hidden_layer_sizes(est.hidden_layer_sizes)
    _check_choices(est)
    _check_numbers(est)
    _check_dtype(est.dtype)
    _check_optimizer_options(est.optimizer_options, est.solver)
    if est.solver == "lbfgs" and est.dropout:
        # fit evaluates a full-batch optimizer's loss without masks: the rate would never be trained with.
        raise ValueError(f"dropout={est.dropout!r} does not apply to solver='lbfgs': its line search needs a loss "
                         "without random masks; use dropout=0.0 or a stochastic solver")
    return sizes


def _hidden_layer_sizes(value: Any) -> list[int]:
    sizes = list(value) if np.iterable(value) else [value]
    if not all(_is_integer(s) and s > 0 for s in sizes):
        raise ValueError(f"hidden_layer_sizes must hold integers > 0, got {value!r}")
    return [int(s) for s in sizes]


def _is_integer(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _one_of(name: str, value: Any, choices: Any) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")


def _check_choices(est: _BaseMLP) -> None:
    _one_of("activation", est.activation, ACTIVATIONS)
    _one_of("solver", est.solver, SOLVERS)
    _one_of("learning_rate", est.learning_rate, LEARNING_RATES)
    # None (the activation's default) or a full name: not the aliases Network.mlp also takes.
    if est.init is not None and (not isinstance(est.init, str) or est.init not in INITIALIZERS):
        raise ValueError(f"init must be None or one of {', '.join(map(repr, INITIALIZERS))}, got {est.init!r}")


def _real(est: _BaseMLP, name: str, low: float, high: float = np.inf, *,
          low_open: bool = False, high_open: bool = False) -> None:
    value = getattr(est, name)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(float(value)):
        raise ValueError(f"{name} must be a finite real number, got {value!r}")
    x = float(value)
    if x < low or (low_open and x == low) or x > high or (high_open and x == high):
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ValueError(f"{name} must lie in {interval}, got {value!r}")


def _integer(est: _BaseMLP, name: str, low: int) -> None:
    value = getattr(est, name)
    if not _is_integer(value) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def _check_numbers(est: _BaseMLP) -> None:
    if not (isinstance(est.batch_size, str) and est.batch_size == "auto"):
        _integer(est, "batch_size", 1)
    _real(est, "alpha", 0.0)
    _real(est, "learning_rate_init", 0.0, low_open=True)
    _real(est, "power_t", 0.0)
    _integer(est, "max_iter", 1)
    _real(est, "tol", 0.0)
    _real(est, "momentum", 0.0, 1.0)
    _real(est, "validation_fraction", 0.0, 1.0, high_open=True)
    _real(est, "beta_1", 0.0, 1.0, high_open=True)
    _real(est, "beta_2", 0.0, 1.0, high_open=True)
    _real(est, "epsilon", 0.0, low_open=True)
    _integer(est, "n_iter_no_change", 1)
    _integer(est, "max_fun", 1)
    _integer(est, "n_threads", 1)
    _real(est, "dropout", 0.0, 1.0, high_open=True)


def _check_dtype(dtype: Any) -> None:
    if dtype is None:
        return
    try:
        ok = np.dtype(dtype) in (np.float32, np.float64)
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f"dtype must be None, 'float32' or 'float64', got {dtype!r}")


def _check_optimizer_options(options: Any, solver: str) -> None:
    if options is None:
        return
    if not isinstance(options, dict):
        raise TypeError(f"optimizer_options must be a dict or None, got {type(options).__name__}")
    for key in options:
        if key in SOLVERS[solver][1]:
            raise ValueError(f"optimizer_options[{key!r}] is set by the estimator's {OWNER_OF[key]}; "
                             "set that parameter instead")


def check_epochs(epochs: Any) -> int:
    """partial_fit's ``epochs``: an integer >= 1."""
    if not _is_integer(epochs) or epochs < 1:
        raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
    return int(epochs)


def dense(X: Features) -> npt.NDArray[Any]:
    """X as a dense array: fastnet's kernels gather rows of dense matrices."""
    if hasattr(X, "toarray"):
        return np.asarray(X.toarray())
    return np.asarray(X)


def check_sample_weight(sample_weight: npt.ArrayLike | None, n_samples: int) -> npt.NDArray[np.float64]:
    """sample_weight as a float64 (n_samples,) array of finite values >= 0 (ones for None)."""
    if sample_weight is None:
        return np.ones(n_samples)
    if isinstance(sample_weight, numbers.Number):
        return np.full(n_samples, float(sample_weight))  # type: ignore[arg-type]
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim != 1 or sw.shape[0] != n_samples:
        raise ValueError(f"sample_weight must have shape ({n_samples},), one weight per sample, "
                         f"got shape {sw.shape}")
    if not np.isfinite(sw).all():
        raise ValueError("sample_weight contains NaN or infinity")
    if (sw < 0).any():
        raise ValueError(f"sample_weight must be >= 0, got {sw.min():g}")
    return sw


def seed_from(random_state: Any) -> int:
    """fastnet's seed: the int itself, else an int drawn from the RandomState (or numpy's global one)."""
    if _is_integer(random_state):
        if not 0 <= random_state < 2**32:
            raise ValueError(f"random_state must be an int in [0, 2**32 - 1], None or a RandomState, "
                             f"got {random_state!r}")
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def drop_zero_weights(X: npt.NDArray[Any], Y: npt.NDArray[Any], weights: npt.NDArray[np.float64],
                      ) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[np.float64]]:
    # Rows of weight 0 take no part in the loss: dropping them makes a zero weight
    # exactly "this row is not there" (the batches are those of the remaining rows).
    kept = weights > 0
    if not kept.any():
        raise ValueError("sample_weight is zero for every training row; at least one must be > 0")
    if kept.all():
        return X, Y, weights
    return X[kept], Y[kept], weights[kept]
