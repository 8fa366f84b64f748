"""What MLPClassifier and MLPRegressor share: their parameters, and fit as a sequence of phases.

``_fit`` checks the hyperparameters and the data, builds the network on a
fresh fit, sets the validation data aside, drops rows of weight 0, chooses
the batch size and the optimizer, then hands the epochs to ``Network.fit``
with an :class:`~fastnet.sklearn._monitor.EpochMonitor` as its callback.
The subclasses say how targets are encoded (``_encode_targets``), which loss
is reported, and how a validation set is scored.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numbers
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from ..nn.network import Network
from ..optim.lbfgs import LBFGS
from ..optim.optimizers import Optimizer
from ..runtime.caller import warn_caller
from ..runtime.threads import blas_threads
from ..train.callbacks import CallbackFn, check_callbacks
from ..train.history import History
from ._checks import check_params, check_sample_weight, dense, drop_zero_weights, seed_from
from ._compat import (
    BaseEstimator,
    ClassifierMixin,
    ConvergenceWarning,
    check_is_fitted,
    check_random_state,
    column_or_1d,
    train_test_split,
    validate_data,
)
from ._monitor import EpochMonitor, update_no_improvement_count, warn_lbfgs_not_converged
from ._solvers import ACTIVATIONS, make_optimizer

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._typing import Features, FloatArray, Request, ValidationData, ValidationSet

__all__ = ["_BaseMLP"]

_SPARSE_FORMATS = ["csr", "csc", "coo"]
_Array = npt.NDArray[Any]


class _BaseMLP(BaseEstimator, ABC):
    """What the classifier and the regressor share: parameters, fitted attributes, fit.

    Abstract, as scikit-learn's BaseMultilayerPerceptron: the four methods below are the problem's
    (classes or regression targets), defined by MLPClassifier and MLPRegressor.
    """

    hidden_layer_sizes: int | Sequence[int]
    activation: Literal["identity", "logistic", "tanh", "relu"]
    solver: Literal["adam", "sgd", "adamw", "rmsprop", "adagrad", "lbfgs"]
    alpha: float
    batch_size: int | Literal["auto"]
    learning_rate: Literal["constant", "invscaling", "adaptive"]
    learning_rate_init: float
    power_t: float
    max_iter: int
    shuffle: bool
    random_state: int | np.random.RandomState | None
    tol: float
    verbose: bool
    warm_start: bool
    momentum: float
    nesterovs_momentum: bool
    early_stopping: bool
    validation_fraction: float
    beta_1: float
    beta_2: float
    epsilon: float
    n_iter_no_change: int
    max_fun: int
    dtype: npt.DTypeLike | None  # None follows X
    optimizer_options: dict[str, Any] | None
    n_threads: int
    dropout: float
    init: str | None
    # Fitted attributes
    n_features_in_: int
    feature_names_in_: npt.NDArray[np.object_]  # only when X had string column names
    n_iter_: int
    t_: int
    loss_: float
    loss_curve_: list[float]
    validation_loss_curve_: list[float]  # empty without validation data
    validation_scores_: list[float] | None  # None without validation data
    best_validation_score_: float | None
    best_loss_: float | None  # None with early_stopping
    n_outputs_: int
    n_layers_: int
    out_activation_: str
    net_: Network
    optimizer_: Optimizer
    history_: History  # the last fit's
    # Fitting state
    _loss_name: str  # fastnet's loss: a class attribute, or set per problem by _encode_targets
    _split_rng: np.random.RandomState
    _no_improvement_count: int
    _best_params: FloatArray | None  # with early_stopping: the parameters of the best validation epoch

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
    ) -> None:
        # scikit-learn's contract: store the arguments unchanged (checked in fit).
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dtype = dtype
        self.optimizer_options = optimizer_options
        self.n_threads = n_threads
        self.dropout, self.init = dropout, init

    if TYPE_CHECKING:  # made by scikit-learn's metadata routing from fit's signature
        def set_fit_request(self, *, callbacks: Request = ..., sample_weight: Request = ...,
                            validation_data: Request = ...) -> Self: ...

    # -- what the classifier and the regressor define ------------------------------------
    @abstractmethod
    def _encode_targets(self, y: _Array, weights: npt.NDArray[np.float64], *, fresh: bool, incremental: bool,
                        classes: npt.ArrayLike | None) -> tuple[_Array, npt.NDArray[np.float64]]:
        """The targets for fastnet and the sample weights; on a fresh fit, sets n_outputs_ and the loss."""

    @abstractmethod
    def _encode_known(self, y: _Array) -> _Array:
        """Targets of a fitted problem (validation data) for fastnet."""

    @abstractmethod
    def _reported_loss_scale(self) -> float:
        """The factor from fastnet's loss to the loss scikit-learn reports."""

    @abstractmethod
    def _validation_score(self, X_val: _Array, Y_val: _Array, w_val: npt.NDArray[np.float64]) -> float:
        """Accuracy or R^2 on the validation set."""

    # -- fitted attributes that are views of the network ------------------------------
    @property
    def coefs_(self) -> list[FloatArray]:
        """The weight matrices, layer by layer: live views of ``net_.params``, shape (n_in, n_out)."""
        net = self.__dict__.get("net_")
        if net is None:
            raise AttributeError("coefs_ exists once the estimator is fitted")
        return [layer.W for layer in net.dense_layers]

    @property
    def intercepts_(self) -> list[FloatArray]:
        """The bias vectors, layer by layer: live views of ``net_.params``, shape (n_out,)."""
        net = self.__dict__.get("net_")
        if net is None:
            raise AttributeError("intercepts_ exists once the estimator is fitted")
        return [layer.b for layer in net.dense_layers]

    # -- fit and predict ---------------------------------------------------------------
    def fit(self, X: Features, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None, *,
            validation_data: ValidationData | None = None, callbacks: Iterable[CallbackFn] | None = None) -> Self:
        """Fit the model to X (n_samples, n_features) and y.

        ``sample_weight`` (n_samples,) weights each row's loss (a weight of 0
        drops the row). ``validation_data`` = ``(X_val, y_val)`` or ``(X_val,
        y_val, sample_weight_val)`` is evaluated after every epoch
        (``validation_loss_curve_``, ``validation_scores_``); with
        ``early_stopping=True`` it is the set watched, in place of the
        ``validation_fraction`` held out of X. ``callbacks`` (fastnet's, as
        ``Network.fit`` takes them: ``fastnet.ModelCheckpoint``, ...) are called
        after every epoch with ``loss`` (``loss_curve_``'s), ``lr``, ``time``
        and, with validation data, ``val_loss`` and ``val_score``; they get
        ``net_`` by ``set_network``, and True from one stops.
        """
        return self._fit(X, y, sample_weight, incremental=False, epochs=int(self.max_iter),
                         validation_data=validation_data, callbacks=callbacks)

    def _predict_raw(self, X: Features) -> FloatArray:
        """The network's outputs for X, (n_samples, n_outputs_) in the network's dtype."""
        check_is_fitted(self, "net_")
        X = validate_data(self, X, reset=False, accept_sparse=_SPARSE_FORMATS,
                          dtype=(self.net_.dtype, np.float64, np.float32))
        if self.net_.n_threads != self.n_threads:   # set_params(n_threads=...) after fit
            self.net_.n_threads = self.n_threads
        with blas_threads(self.n_threads):
            return self.net_.predict(dense(X))

    # -- the phases of fit -----------------------------------------------------------
    def _fit(self, X: Features, y: npt.ArrayLike | None, sample_weight: npt.ArrayLike | None, *,
             incremental: bool, epochs: int, validation_data: ValidationData | None = None,
             classes: npt.ArrayLike | None = None, callbacks: Iterable[CallbackFn] | None = None) -> Self:
        """fit (``incremental=False``) and partial_fit: ``epochs`` epochs on (X, y)."""
        hidden = check_params(self)
        user_callbacks = check_callbacks(() if callbacks is None else callbacks)
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True (there is no held-out set "
                             "to watch across calls); pass validation_data to monitor one")
        first = incremental and not hasattr(self, "net_")
        fresh = (not incremental and not (self.warm_start and hasattr(self, "net_"))) or first
        X_train, Y, weights = self._training_data(X, y, sample_weight, fresh=fresh, incremental=incremental,
                                                  classes=classes)
        if fresh:
            self._initialize(X_train, hidden)
        X_train, Y, weights, validation = self._set_validation_aside(X_train, Y, weights, validation_data)
        X_train, Y, weights = drop_zero_weights(X_train, Y, weights)
        n_samples = X_train.shape[0]
        mean_weight = float(weights.mean())
        batch_size = self._batch_size(n_samples)
        optimizer = self._optimizer(batch_size, mean_weight, resume=incremental and not first)
        monitor = EpochMonitor(self, optimizer, validation, n_samples=n_samples,
                               n_batches=-(-n_samples // batch_size), mean_weight=mean_weight,
                               may_stop=not incremental, callbacks=user_callbacks)
        self.n_iter_ = 0
        self.net_.n_threads = self.n_threads
        # Hold the BLAS at n_threads from the first concurrent fit to the last (fastnet/runtime/threads.py).
        with blas_threads(self.n_threads):
            history = self.net_.fit(X_train, Y, optimizer=optimizer, epochs=epochs, batch_size=batch_size,
                                    shuffle=bool(self.shuffle),
                                    sample_weight=None if bool((weights == 1.0).all()) else weights,
                                    callbacks=[monitor])
        self._finish(history, incremental=incremental, epochs=epochs)
        return self

    def _training_data(self, X: Features, y: npt.ArrayLike | None, sample_weight: npt.ArrayLike | None, *,
                       fresh: bool, incremental: bool, classes: npt.ArrayLike | None,
                       ) -> tuple[_Array, _Array, npt.NDArray[np.float64]]:
        """X dense, y encoded for fastnet, and the sample weights (times the class weights)."""
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        X_checked, y_checked = validate_data(
            self, X, y, reset=fresh, accept_sparse=_SPARSE_FORMATS,
            dtype=self._input_dtype() if fresh else (np.float64, np.float32),
            multi_output=True, y_numeric=not isinstance(self, ClassifierMixin))
        X_dense = dense(X_checked)
        if y_checked.ndim == 2 and y_checked.shape[1] == 1:
            y_checked = column_or_1d(y_checked, warn=True)
        weights = check_sample_weight(sample_weight, X_dense.shape[0])
        Y, weights = self._encode_targets(y_checked, weights, fresh=fresh, incremental=incremental,
                                          classes=classes)
        return X_dense, Y, weights

    def _input_dtype(self) -> Any:
        return (np.float64, np.float32) if self.dtype is None else np.dtype(self.dtype)

    def _initialize(self, X: _Array, hidden: list[int]) -> None:
        """Build the network and reset the fitted state: the first fit, or a fit without warm_start."""
        self._split_rng = check_random_state(self.random_state)
        seed = seed_from(self._split_rng if not isinstance(self.random_state, numbers.Integral)
                         else self.random_state)
        dtype = X.dtype if self.dtype is None else np.dtype(self.dtype)
        sizes = [X.shape[1], *hidden, self.n_outputs_]
        self.net_ = Network.mlp(sizes, activation=ACTIVATIONS[self.activation], loss=self._loss_name, dtype=dtype.name,
                                seed=seed, n_threads=self.n_threads, dropout=self.dropout, init=self.init)
        self.n_layers_ = len(sizes)
        self.t_ = 0
        self.loss_curve_ = []
        self.validation_loss_curve_ = []
        self._no_improvement_count = 0
        self._best_params = None
        if self.early_stopping:
            self.validation_scores_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        else:
            self.validation_scores_ = None
            self.best_validation_score_ = None
            self.best_loss_ = np.inf
        vars(self).pop("optimizer_", None)  # a new network: the last optimizer's state does not fit it

    def _set_validation_aside(self, X: _Array, Y: _Array, weights: npt.NDArray[np.float64],
                              validation_data: ValidationData | None,
                              ) -> tuple[_Array, _Array, npt.NDArray[np.float64], ValidationSet | None]:
        """The training rows, and the validation set: validation_data, or a split held out of X."""
        validation = None
        if validation_data is not None:
            validation = self._check_validation_data(validation_data)
        elif self.early_stopping:
            stratify = Y if (isinstance(self, ClassifierMixin) and Y.ndim == 1) else None
            X, X_val, Y, Y_val, weights, w_val = train_test_split(
                X, Y, weights, test_size=self.validation_fraction, random_state=self._split_rng,
                stratify=stratify)
            if X_val.shape[0] < 2:
                raise ValueError("The validation set is too small. Increase 'validation_fraction' "
                                 "or the size of your dataset.")
            validation = (X_val, Y_val, w_val)
        if validation is not None and self.validation_scores_ is None:
            # validation data in a warm-started or partial fit whose first fit had none
            self.validation_scores_, self.best_validation_score_ = [], -np.inf
        if not self.early_stopping and self.best_loss_ is None:   # early_stopping switched off
            self.best_loss_ = np.inf
        return X, Y, weights, validation

    def _check_validation_data(self, validation_data: ValidationData) -> ValidationSet:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise TypeError("validation_data must be a pair (X_val, y_val) or a triple "
                            "(X_val, y_val, sample_weight_val)")
        X_val, y_val = validate_data(self, validation_data[0], validation_data[1], reset=False,
                                     accept_sparse=_SPARSE_FORMATS, dtype=(np.float64, np.float32),
                                     multi_output=True, y_numeric=not isinstance(self, ClassifierMixin))
        X_val = dense(X_val)
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val)
        w_val = check_sample_weight(validation_data[2] if len(validation_data) == 3 else None, X_val.shape[0])
        return X_val, self._encode_known(y_val), w_val

    def _batch_size(self, n_samples: int) -> int:
        if self.solver == "lbfgs":   # full batch; scikit-learn ignores batch_size for it too
            return n_samples
        if self.batch_size == "auto":
            return min(200, n_samples)
        if self.batch_size > n_samples:
            warn_caller("Got `batch_size` less than 1 or larger than sample size. It is going to be "
                        "clipped", UserWarning)
        return int(np.clip(self.batch_size, 1, n_samples))

    def _optimizer(self, batch_size: int, mean_weight: float, *, resume: bool) -> Optimizer:
        """A new optimizer, or with ``resume`` (partial_fit after the first call) one that continues the last."""
        optimizer = make_optimizer(self, batch_size, mean_weight)
        previous = getattr(self, "optimizer_", None)
        if resume and isinstance(previous, LBFGS) and isinstance(optimizer, LBFGS):
            optimizer = previous   # partial_fit continues the L-BFGS memory (its pairs and point)
        elif resume and previous is not None and type(previous) is type(optimizer) and previous.state is not None:
            # partial_fit keeps the optimizer's state (Adam's moments, the momentum, the
            # step count) and, for a scheduled SGD rate, the rate reached; scikit-learn's
            # partial_fit does the same for one epoch per call.
            optimizer.bind(self.net_)
            optimizer.state[:] = previous.state
            optimizer.t = previous.t
            if self.solver == "sgd" and self.learning_rate != "constant":
                optimizer.lr = previous.lr
        self.optimizer_ = optimizer
        return optimizer

    def _update_no_improvement_count(self) -> None:
        """scikit-learn's stopping rule, after each epoch (fastnet/sklearn/_monitor.py)."""
        update_no_improvement_count(self)

    def _finish(self, history: History, *, incremental: bool, epochs: int) -> None:
        self.history_ = history
        if self.early_stopping and self._best_params is not None:
            self.net_.params = self._best_params  # scikit-learn keeps the best validation epoch
        if self.solver == "lbfgs":
            warn_lbfgs_not_converged(self.optimizer_, incremental, history, self.n_iter_, epochs)
        elif not incremental and not history.stopped_early and not history.interrupted and self.n_iter_ == epochs:
            warn_caller(f"Stochastic Optimizer: Maximum iterations ({epochs}) reached and the optimization "
                        "hasn't converged yet.", ConvergenceWarning)
