"""scikit-learn in: :func:`from_sklearn` turns a fitted ``MLPClassifier`` / ``MLPRegressor`` into a Network.

scikit-learn's MLP is fastnet's model: ``coefs_[i]`` is a layer's ``W``, in
the same (n_in, n_out) layout, and ``intercepts_[i]`` its ``b``; the hidden
layers use ``activation`` (``identity``, ``logistic`` = fastnet's
``sigmoid``, ``tanh``, ``relu``), the output layer ``out_activation_``
(``identity``, ``logistic``, ``softmax``). The loss is the one scikit-learn
trained with, so that ``fit`` can continue: ``cross_entropy`` after softmax,
``binary_cross_entropy`` after logistic, ``half_mse`` (its squared error)
for a regressor.

What ``predict`` returns is what scikit-learn computes before its last
step: for a multiclass classifier (and a multilabel one) ``predict_proba``
itself; for a **binary** classifier the one logistic output, the probability
of ``classes_[1]``, which is ``predict_proba(X)[:, 1]`` (``predict_proba`` is
``np.column_stack([1 - p, p])`` of it); for a regressor ``predict``, as a
column (n_samples, n_outputs) where scikit-learn returns a 1-D array for one
output. A classifier's labels are kept in ``net.metadata["classes"]`` (what
``fastnet predict`` reads). fastnet's own ``fastnet.sklearn`` estimators are
accepted too: their network (``net_``) is copied. Needs scikit-learn,
imported when called.
"""

from __future__ import annotations

import importlib
import pickle
from typing import Any

import numpy as np
import numpy.typing as npt

from ..checks.arrays import as_dtype
from ..nn import conversions
from ..nn.layers import Dense, layer_specs, layers_from_specs
from ..nn.network import Network

__all__ = ["from_sklearn", "SKLEARN_ACTIVATIONS"]

#: scikit-learn's activation names -> fastnet's.
SKLEARN_ACTIVATIONS: dict[str, str] = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh",
                                       "relu": "relu", "softmax": "softmax"}
_OUTPUT_LOSSES = {"softmax": "cross_entropy", "logistic": "binary_cross_entropy", "identity": "half_mse"}


def _neural_network() -> Any:
    try:
        return importlib.import_module("sklearn.neural_network")
    except ImportError:
        raise ImportError("converting a scikit-learn model needs the scikit-learn package: "
                          "pip install scikit-learn") from None


def _fastnet_estimator(estimator: Any, dtype: npt.DTypeLike | None) -> Network:
    """A copy of the network of one of fastnet.sklearn's estimators (in ``dtype`` if given)."""
    net = estimator.__dict__.get("net_")
    if not isinstance(net, Network):
        raise ValueError(f"this {type(estimator).__name__} is not fitted yet: call fit before from_sklearn")
    copy: Network = pickle.loads(pickle.dumps(net))
    if dtype is None or as_dtype(dtype) == copy.dtype:
        return copy
    layers = layers_from_specs(layer_specs(copy.layers))
    converted = Network(layers, loss=copy.criterion, dtype=dtype, seed=copy.seed)
    converted.params = copy.params
    converted.metadata = copy.metadata
    return converted


def _check_estimator(nn: Any, estimator: Any) -> None:
    if not isinstance(estimator, (nn.MLPClassifier, nn.MLPRegressor)):
        cls = type(estimator)
        raise TypeError(f"from_sklearn takes a fitted sklearn.neural_network.MLPClassifier or MLPRegressor "
                        f"(or fastnet.sklearn's), got {cls.__module__}.{cls.__qualname__}")
    if not hasattr(estimator, "coefs_"):
        exceptions = importlib.import_module("sklearn.exceptions")
        raise exceptions.NotFittedError(f"this {type(estimator).__name__} is not fitted yet: call fit "
                                        "before from_sklearn")
    for what, name in (("activation", estimator.activation), ("out_activation_", estimator.out_activation_)):
        if name not in SKLEARN_ACTIVATIONS:
            # 'exp' is MLPRegressor(loss='poisson')'s: fastnet's poisson network outputs the log-rate instead.
            raise ValueError(f"{what}={name!r} has no fastnet equivalent; expected one of "
                             f"{', '.join(SKLEARN_ACTIVATIONS)}")


def from_sklearn(estimator: Any, dtype: npt.DTypeLike | None = None) -> Network:
    """The Network that predicts what the fitted scikit-learn MLP ``estimator`` predicts (see the module doc).

    ``dtype``: the network's; by default that of ``coefs_`` (float64, or
    float32 for a model fitted on float32 data). Raises TypeError for another
    kind of estimator and ``sklearn.exceptions.NotFittedError`` (a ValueError)
    for one that is not fitted.
    """
    if type(estimator).__module__.startswith("fastnet.sklearn"):
        return _fastnet_estimator(estimator, dtype)
    nn = _neural_network()
    _check_estimator(nn, estimator)
    coefs, intercepts = list(estimator.coefs_), list(estimator.intercepts_)
    net_dtype = as_dtype(np.asarray(coefs[0]).dtype.name if dtype is None else dtype)
    hidden = SKLEARN_ACTIVATIONS[estimator.activation]
    names = [hidden] * (len(coefs) - 1) + [SKLEARN_ACTIVATIONS[estimator.out_activation_]]
    layers = [Dense(W.shape[0], W.shape[1], name) for W, name in zip(coefs, names)]
    net = Network(layers, loss=_OUTPUT_LOSSES[estimator.out_activation_], dtype=net_dtype)
    net.params = np.concatenate([part for W, b in zip(coefs, intercepts) for part in (np.ravel(W), np.ravel(b))])
    if hasattr(estimator, "classes_"):
        net.metadata["classes"] = np.asarray(estimator.classes_).tolist()
    return net


conversions.register_importer("sklearn", from_sklearn)
