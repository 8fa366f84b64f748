"""MLPClassifier: binary, multiclass and multilabel classification, scikit-learn's API over fastnet.

Losses, as scikit-learn's: multiclass is softmax cross-entropy; binary is one
sigmoid output with binary cross-entropy (the same loss as a 2-unit softmax
with half the output parameters); multilabel (a 0/1 indicator matrix ``y``)
is one sigmoid per label, fastnet's binary cross-entropy averaging over the
labels where scikit-learn sums (a factor ``1/n_labels`` on the gradient; the
reported loss is scaled back to scikit-learn's).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from ._checks import check_epochs
from ._compat import (
    ClassifierMixin,
    accuracy_score,
    check_classification_targets,
    compute_class_weight,
    type_of_target,
)
from .base import _BaseMLP

if TYPE_CHECKING:
    from typing_extensions import Self

    from ..train.callbacks import CallbackFn
    from ._typing import Features, FloatArray, Request, ValidationData

__all__ = ["MLPClassifier"]

_Array = npt.NDArray[Any]
_Weights = npt.NDArray[np.float64]


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier trained by fastnet (scikit-learn's API and parameters).

    Parameters are those of :class:`sklearn.neural_network.MLPClassifier`
    with the same meaning (``solver="lbfgs"`` is :class:`fastnet.LBFGS` over the full batch: ``max_iter``
    iterations, ``max_fun`` evaluations, ``tol`` its ``gtol``), plus fastnet's own:

    dtype : None, "float32" or "float64", default=None
        The network's dtype; None follows X (float32 stays float32).
    optimizer_options : dict or None
        Further hyperparameters of the fastnet optimizer (``{"amsgrad": True}``).
    n_threads : int >= 1, default=1
        BLAS threads for the thread running fit or predict (``Network.n_threads``;
        see the docstring of :mod:`fastnet.sklearn`).
    dropout : float in [0, 1), default=0.0
        The rate of a :class:`fastnet.Dropout` after every hidden layer (training only).
    init : None or a name of ``fastnet.INITIALIZERS``, default=None
        How every layer's weights are drawn (``"he_normal"``, ``"glorot_uniform"``, ...; Keras's
        definitions); None: the activation's default (He uniform for relu, Glorot uniform otherwise).
    class_weight : None, "balanced" or dict {class: weight}
        Multiplies each row's sample weight by its class's weight.

    Fitted attributes: ``classes_``, ``n_features_in_``, ``n_iter_``,
    ``loss_``, ``loss_curve_``, ``validation_loss_curve_`` (empty without
    validation data), ``validation_scores_`` and ``best_validation_score_``
    (None without validation data), ``best_loss_``, ``t_``, ``n_outputs_``,
    ``n_layers_``, ``out_activation_``, ``coefs_``, ``intercepts_`` (views of
    the parameters), ``net_`` (the :class:`fastnet.Network`), ``optimizer_``
    and ``history_`` (the last ``fit``'s :class:`fastnet.History`).
    """

    class_weight: dict[Any, float] | Literal["balanced"] | None
    classes_: npt.NDArray[Any]  # the labels (column indices for multilabel targets)
    _multilabel: bool

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: Literal["identity", "logistic", "tanh", "relu"] = "relu",
        *,
        solver: Literal["adam", "sgd", "adamw", "rmsprop", "adagrad", "lbfgs"] = "adam",
        alpha: float = 0.0001,
        batch_size: int | Literal["auto"] = "auto",
        learning_rate: Literal["constant", "invscaling", "adaptive"] = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        dtype: npt.DTypeLike | None = None,
        optimizer_options: dict[str, Any] | None = None,
        n_threads: int = 1,
        dropout: float = 0.0,
        init: str | None = None,
        class_weight: dict[Any, float] | Literal["balanced"] | None = None,
    ) -> None:
        # scikit-learn reads the parameters from __init__'s signature: all of them are spelt out.
        super().__init__(hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
                         learning_rate=learning_rate, learning_rate_init=learning_rate_init, power_t=power_t,
                         max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol,
                         verbose=verbose, warm_start=warm_start, momentum=momentum,
                         nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
                         validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, n_iter_no_change=n_iter_no_change, max_fun=max_fun, dtype=dtype,
                         optimizer_options=optimizer_options, n_threads=n_threads, dropout=dropout,
                         init=init)
        self.class_weight = class_weight

    if TYPE_CHECKING:  # made by scikit-learn's metadata routing from partial_fit's signature
        def set_partial_fit_request(self, *, classes: Request = ..., epochs: Request = ...,
                                    sample_weight: Request = ..., validation_data: Request = ...) -> Self: ...

    # -- targets ---------------------------------------------------------------------------
    def _encode_targets(self, y: _Array, weights: _Weights, *, fresh: bool, incremental: bool,
                        classes: npt.ArrayLike | None) -> tuple[_Array, _Weights]:
        check_classification_targets(y)
        target = type_of_target(y)
        if target not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(f"MLPClassifier supports binary, multiclass and multilabel-indicator targets, "
                             f"got {target!r}")
        multilabel = target == "multilabel-indicator"
        if fresh:
            self._set_classes(y, multilabel=multilabel, incremental=incremental, classes=classes)
        else:
            self._check_same_classes(y, multilabel=multilabel, incremental=incremental, classes=classes)
        if self.class_weight is not None:
            weights = weights * self._class_weights(y, multilabel=multilabel, incremental=incremental)
        return self._encode_known(y), weights

    def _set_classes(self, y: _Array, *, multilabel: bool, incremental: bool,
                     classes: npt.ArrayLike | None) -> None:
        """A fresh fit: classes_, and the output layer and loss they call for."""
        if multilabel:
            self.classes_ = np.arange(y.shape[1])
        elif incremental:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit: all the "
                                 "classes the data can hold, e.g. np.unique(y_all)")
            self.classes_ = np.unique(np.asarray(classes))
        else:
            self.classes_ = np.unique(y)
        if not multilabel and len(self.classes_) < 2:
            raise ValueError(f"MLPClassifier needs samples of at least 2 classes in y, got 1 class: "
                             f"{self.classes_[0]!r}")
        self._multilabel = multilabel
        if multilabel:
            self.n_outputs_, self.out_activation_, self._loss_name = y.shape[1], "logistic", "binary_cross_entropy"
        elif len(self.classes_) == 2:
            self.n_outputs_, self.out_activation_, self._loss_name = 1, "logistic", "binary_cross_entropy"
        else:
            self.n_outputs_, self.out_activation_, self._loss_name = len(self.classes_), "softmax", "cross_entropy"

    def _check_same_classes(self, y: _Array, *, multilabel: bool, incremental: bool,
                            classes: npt.ArrayLike | None) -> None:
        """A warm-started or partial fit: y's classes must be those of the first fit."""
        if multilabel != self._multilabel:
            raise ValueError("y switched between multilabel and single-label targets since the last fit")
        if self.warm_start and not incremental and not multilabel:
            if set(np.unique(y)) != set(self.classes_):
                raise ValueError("warm_start can only be used where `y` has the same classes as in the "
                                 f"previous call to fit. Previously got {self.classes_}, `y` has "
                                 f"{np.unique(y)}")
        if classes is not None and not np.array_equal(np.unique(np.asarray(classes)), self.classes_):
            raise ValueError(f"classes={classes!r} is not the same as in the first call to partial_fit: "
                             f"{self.classes_}")

    def _class_weights(self, y: _Array, *, multilabel: bool, incremental: bool) -> _Weights:
        """class_weight's weight for each row of y."""
        if multilabel:
            raise ValueError("class_weight is not supported for multilabel targets")
        if isinstance(self.class_weight, str) and self.class_weight == "balanced" and incremental:
            raise ValueError("class_weight='balanced' is not supported for partial_fit: compute the "
                             "weights once with sklearn.utils.class_weight.compute_class_weight and pass "
                             "them as a dict")
        per_class = np.asarray(compute_class_weight(self.class_weight, classes=self.classes_, y=y),
                               dtype=np.float64)
        return per_class[np.searchsorted(self.classes_, y)]

    def _encode_known(self, y: _Array) -> _Array:
        """y as fastnet targets: 0/1 columns (binary, multilabel) or class indices (multiclass)."""
        if self._multilabel:
            if y.ndim != 2 or y.shape[1] != self.n_outputs_:
                raise ValueError(f"y must be an indicator matrix with {self.n_outputs_} columns")
            return np.asarray(y, dtype=np.float64)
        y = np.asarray(y)
        unknown = np.setdiff1d(np.unique(y), self.classes_)
        if unknown.size:
            raise ValueError(f"y has classes not in classes_ {self.classes_}: {unknown}")
        index = np.searchsorted(self.classes_, y)
        return index.astype(np.float64) if self.n_outputs_ == 1 else index

    def _reported_loss_scale(self) -> float:
        # scikit-learn reports the binary log-loss summed over the labels, fastnet's averages.
        return float(self.n_outputs_) if self._multilabel else 1.0

    def _validation_score(self, X_val: _Array, Y_val: _Array, w_val: _Weights) -> float:
        return float(accuracy_score(Y_val, self._decide(self.net_.predict(X_val)), sample_weight=w_val))

    def _decide(self, proba: FloatArray) -> npt.NDArray[np.integer[Any]]:
        """Class indices (0/1 columns for multilabel) from the network's outputs."""
        if self._multilabel:
            return (proba >= 0.5).astype(np.int64)
        if self.n_outputs_ == 1:
            return (proba[:, 0] >= 0.5).astype(np.int64)
        return np.asarray(proba.argmax(axis=1))

    # -- fit and predict -------------------------------------------------------------------
    def fit(self, X: Features, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None, *,
            validation_data: ValidationData | None = None, callbacks: Iterable[CallbackFn] | None = None) -> Self:
        return super().fit(X, y, sample_weight, validation_data=validation_data, callbacks=callbacks)

    fit.__doc__ = _BaseMLP.fit.__doc__

    def partial_fit(self, X: Features, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None,
                    classes: npt.ArrayLike | None = None, *, epochs: int = 1,
                    validation_data: ValidationData | None = None) -> Self:
        """Train ``epochs`` more epochs (default 1) on (X, y), keeping the optimizer's state.

        ``classes`` (all the classes y can hold) is required on the first call.
        Unlike scikit-learn's, which runs one epoch, several epochs per call are
        one fastnet call; Adam's moments and the step count carry over.
        """
        return self._fit(X, y, sample_weight, incremental=True, epochs=check_epochs(epochs),
                         validation_data=validation_data, classes=classes)

    def predict_proba(self, X: Features) -> FloatArray:
        """Class probabilities, (n_samples, n_classes) in the order of ``classes_`` (network dtype)."""
        out = self._predict_raw(X)
        if self.n_outputs_ == 1 and not self._multilabel:
            return np.hstack([1 - out, out])
        return out

    def predict_log_proba(self, X: Features) -> FloatArray:
        """The logarithm of :meth:`predict_proba` (-inf where a probability is 0)."""
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

    def predict(self, X: Features) -> npt.NDArray[Any]:
        """The predicted class of each row of X, (n_samples,) (an indicator matrix for multilabel targets)."""
        decided = self._decide(self._predict_raw(X))
        return decided if self._multilabel else self.classes_[decided]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags
