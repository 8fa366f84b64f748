"""scikit-learn estimators over fastnet: ``MLPClassifier`` and ``MLPRegressor``.

They follow the estimator contract (``__init__`` stores its arguments, fitted
attributes end in ``_``, ``get_params``/``set_params``/``clone``, pickling) and
take the parameters of :class:`sklearn.neural_network.MLPClassifier` with the
same meaning, so that a pipeline, a grid search or a cross-validation written
for scikit-learn's MLP runs unchanged. Training is fastnet's: a whole epoch is
one nogil call, so ``GridSearchCV(..., n_jobs=k)`` under joblib's threading
backend trains k networks on k cores at once.

How scikit-learn's parameters map onto fastnet (``docs/SCALING.md`` has the
parallel side; the formulas are in ``docs/MATH.md``):

=====================  =====================================================
``solver="adam"``      ``fastnet.Adam(lr=learning_rate_init, betas=(beta_1,
                       beta_2), eps=epsilon)``. scikit-learn folds the bias
                       corrections into the step size and adds ``epsilon``
                       to ``sqrt(v)``; torch (and fastnet) add it to
                       ``sqrt(v / (1 - beta_2**t))``: the same rule up to
                       where ``epsilon`` sits.
``solver="sgd"``       ``fastnet.SGD(lr, momentum, nesterov=nesterovs_momentum
                       and momentum > 0)``. scikit-learn's velocity
                       ``v = momentum v - lr g`` is torch's buffer times
                       ``-lr``: the same updates for a constant rate.
                       ``learning_rate`` ("constant", "invscaling",
                       "adaptive") and ``power_t`` as in scikit-learn.
``solver="adamw"``,    fastnet's other optimizers (``fastnet.AdamW``,
``"rmsprop"``,         ``RMSprop``, ``Adagrad``) with ``lr=learning_rate_init``;
``"adagrad"``          ``optimizer_options`` sets their other hyperparameters.
``solver="lbfgs"``     not supported (ValueError): fastnet trains by
                       mini-batch gradient descent.
``alpha``              scikit-learn adds ``alpha * W / s`` to each batch's
                       gradient, ``s`` the batch's sum of sample weights (its
                       size when unweighted): an L2 penalty
                       ``alpha/2 ||W||^2 / s`` per batch. fastnet's coupled
                       ``weight_decay`` adds ``weight_decay * p``, so
                       ``weight_decay = alpha / (batch_size * mean weight)``,
                       exact for every full batch. Two differences: fastnet
                       decays the biases too (negligible: 5e-7 per step at the
                       defaults), and the last, shorter batch of an epoch gets
                       the full batches' decay. For ``"adamw"`` ``alpha`` is
                       the decoupled decay itself (``p -= lr * alpha * p``).
``loss_curve_``        the mean training loss of each epoch plus scikit-
                       learn's penalty term ``alpha/2 ||W||^2 * n_batches /
                       (n_samples * mean weight)``, as scikit-learn reports it
                       (with several regression targets the squared error is
                       averaged over them, with several labels the log-loss
                       summed, as scikit-learn reports; ``tol`` applies to
                       these values). ``validation_loss_curve_`` likewise,
                       without the penalty.
``activation``         "identity", "logistic" (fastnet "sigmoid"), "tanh",
                       "relu". Initialisation is fastnet's (He uniform for
                       relu, Glorot uniform otherwise, zero biases), not
                       scikit-learn's (Glorot for all, random biases).
``tol``,               scikit-learn's rule exactly: an epoch that does not
``n_iter_no_change``   improve the best training loss by more than ``tol``
                       (or, with ``early_stopping``, the best validation score
                       by at least ``tol``) counts; ``n_iter_no_change + 1``
                       such epochs in a row stop training (with "adaptive"
                       they divide the rate by 5 first).
``early_stopping``     holds out ``validation_fraction`` of the rows
                       (stratified for single-label classification, as
                       scikit-learn) and keeps the parameters of the epoch
                       with the best validation score (accuracy, or R^2).
``random_state``       an int is fastnet's ``seed`` (initialisation and
                       shuffling); None or a RandomState draws one. The
                       validation split uses ``check_random_state``.
=====================  =====================================================

Losses: multiclass classification is softmax cross-entropy; binary
classification is one sigmoid output with binary cross-entropy, as in
scikit-learn (the same loss as a 2-unit softmax with half the output
parameters, and the same model family, so results compare directly);
multilabel classification (a 0/1 indicator matrix ``y``) is one sigmoid per
label, fastnet's binary cross-entropy averaging over labels where scikit-learn
sums (a factor ``1/n_labels`` on the gradient). Regression is ``"half_mse"``,
scikit-learn's half squared error.

fastnet's own parameters: ``dtype`` (None follows the input: float32 stays
float32, anything else is float64), ``optimizer_options`` (a dict of further
hyperparameters for the fastnet optimizer, such as ``{"amsgrad": True}``),
``n_threads`` (see below) and, for the classifier, ``class_weight``.

Threads. fastnet's kernels never start threads, but their matrix products go
through OpenBLAS (numpy's or scipy's bundled copy, fastnet/_blas.py), which may.
``n_threads`` (default 1) is the network's ``Network.n_threads``: the BLAS
threads its calls may use. With the default, each thread of a
``GridSearchCV(n_jobs=k)`` under joblib's threading backend trains on one
core and the k fits run side by side, without oversubscription. OpenBLAS
keeps one thread count for the whole process, so the estimators hold
it at ``n_threads`` from the start of the first concurrent fit (or predict) to
the end of the last, then restore it (``_BlasScope``); they only ever lower it,
so a tighter ``threadpoolctl.threadpool_limits`` stays in force. Other BLAS
libraries loaded in the process are not touched.
"""

import contextlib
import numbers
import threading
import warnings

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.metrics import accuracy_score, r2_score
    from sklearn.model_selection import train_test_split
    from sklearn.utils import check_random_state
    from sklearn.utils.class_weight import compute_class_weight
    from sklearn.utils.multiclass import check_classification_targets, type_of_target
    from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("fastnet.sklearn.estimators needs scikit-learn >= 1.6: pip install 'fastnet[sklearn]'") from exc


from ..nn.network import Network
from ..optim.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

__all__ = ["MLPClassifier", "MLPRegressor"]

#: scikit-learn's activation names -> fastnet's
_ACTIVATIONS = {"identity": "identity", "logistic": "sigmoid", "tanh": "tanh", "relu": "relu"}

#: solver -> (fastnet optimizer class, hyperparameters the estimator's own parameters set)
_SOLVERS = {
    "adam": (Adam, ("lr", "betas", "eps", "weight_decay")),
    "sgd": (SGD, ("lr", "momentum", "nesterov", "weight_decay")),
    "adamw": (AdamW, ("lr", "betas", "eps", "weight_decay")),
    "rmsprop": (RMSprop, ("lr", "weight_decay")),
    "adagrad": (Adagrad, ("lr", "weight_decay")),
}

_LEARNING_RATES = ("constant", "invscaling", "adaptive")

# Where each parameter that names it should be set instead of optimizer_options.
_OWNER_OF = {"lr": "learning_rate_init", "betas": "beta_1 and beta_2", "eps": "epsilon",
             "weight_decay": "alpha", "momentum": "momentum", "nesterov": "nesterovs_momentum"}


# ---------------------------------------------------------------------------
# BLAS threads across concurrent fits
# ---------------------------------------------------------------------------

class _BlasScope:
    """Holds the BLAS fastnet calls at ``n_threads`` while any estimator in this process trains or predicts.

    ``Network`` sets its ``n_threads`` around each call (fastnet/_threads.py)
    and restores the previous count on exit. With OpenBLAS that
    setting is process-wide (``openblas_set_num_threads_local`` changes the
    global count, as one can observe from another thread), so two fits in
    two threads race: the first to finish restores the user's count while
    the other still trains (oversubscription), and the last may leave the
    process at one thread. This scope is reference-counted: the count is set
    when the first estimator call starts and restored when the last one ends;
    the Network's own set/restore inside then changes nothing. It only ever
    lowers the count (a tighter limit set with threadpoolctl stays).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._users = 0
        self._restore = None

    @staticmethod
    def _setter():
        """A function ``set(n) -> previous`` for the BLAS fastnet calls, or None."""
        from ..runtime import threads as _threads

        setter = _threads._get_setter()
        if setter is not None:
            return setter
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            return None
        libs = ThreadpoolController().select(user_api="blas").lib_controllers

        def set_all(n):
            previous = max((lib.num_threads for lib in libs), default=1)
            for lib in libs:
                lib.set_num_threads(n)
            return previous
        return set_all if libs else None

    @contextlib.contextmanager
    def __call__(self, n_threads):
        with self._lock:
            if self._users == 0:
                setter = self._setter()
                if setter is not None:
                    previous = setter(n_threads)
                    if 0 < previous < n_threads:
                        setter(previous)   # never raise a tighter limit
                    self._restore = (setter, previous)
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0 and self._restore is not None:
                    setter, previous = self._restore
                    self._restore = None
                    if previous > 0:
                        setter(previous)


_blas_scope = _BlasScope()


# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

def _dense(X):
    """X as a dense array: fastnet's kernels gather rows of dense matrices."""
    if hasattr(X, "toarray"):
        return X.toarray()
    return X


def _check_sample_weight(sample_weight, n_samples):
    """sample_weight as a float64 (n_samples,) array of finite values >= 0 (ones for None)."""
    if sample_weight is None:
        return np.ones(n_samples)
    if isinstance(sample_weight, numbers.Number):
        return np.full(n_samples, float(sample_weight))
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim != 1 or sw.shape[0] != n_samples:
        raise ValueError(f"sample_weight must have shape ({n_samples},), one weight per sample, "
                         f"got shape {sw.shape}")
    if not np.isfinite(sw).all():
        raise ValueError("sample_weight contains NaN or infinity")
    if (sw < 0).any():
        raise ValueError(f"sample_weight must be >= 0, got {sw.min():g}")
    return sw


def _seed_from(random_state):
    """fastnet's seed: the int itself, else an int drawn from the RandomState (or numpy's global one)."""
    if isinstance(random_state, numbers.Integral) and not isinstance(random_state, bool):
        if not 0 <= random_state < 2**32:
            raise ValueError(f"random_state must be an int in [0, 2**32 - 1], None or a RandomState, "
                             f"got {random_state!r}")
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


# ---------------------------------------------------------------------------
# The estimators
# ---------------------------------------------------------------------------

class _BaseMLP(BaseEstimator):
    """What the classifier and the regressor share: checks, the optimizer, the training loop."""

    _loss_name = None  # set per problem by _encode_targets

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, dtype=None,
                 optimizer_options=None, n_threads=1):
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
        self.dtype = dtype
        self.optimizer_options = optimizer_options
        self.n_threads = n_threads

    # -- parameters -------------------------------------------------------------------
    def _check_params(self):
        """Raise on a bad hyperparameter, naming it (done at fit time, as scikit-learn does)."""
        def real(name, low, high=np.inf, low_open=False, high_open=False):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
                raise ValueError(f"{name} must be a finite real number, got {value!r}")
            if value < low or (low_open and value == low) or value > high or (high_open and value == high):
                interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
                raise ValueError(f"{name} must lie in {interval}, got {value!r}")

        def integer(name, low):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")

        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if np.iterable(sizes) else [sizes]
        if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in sizes):
            raise ValueError(f"hidden_layer_sizes must hold integers > 0, got {self.hidden_layer_sizes!r}")
        if self.activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(map(repr, _ACTIVATIONS))}, "
                             f"got {self.activation!r}")
        if self.solver == "lbfgs":
            raise ValueError("solver='lbfgs' is not supported: fastnet trains by mini-batch gradient descent "
                             "(one nogil call per epoch). Use solver='adam' or 'sgd', or "
                             "sklearn.neural_network's MLP for L-BFGS.")
        if self.solver not in _SOLVERS:
            raise ValueError(f"solver must be one of {', '.join(map(repr, _SOLVERS))}, got {self.solver!r}")
        if self.learning_rate not in _LEARNING_RATES:
            raise ValueError(f"learning_rate must be one of {', '.join(map(repr, _LEARNING_RATES))}, "
                             f"got {self.learning_rate!r}")
        if not (isinstance(self.batch_size, str) and self.batch_size == "auto"):
            integer("batch_size", 1)
        real("alpha", 0.0)
        real("learning_rate_init", 0.0, low_open=True)
        real("power_t", 0.0)
        integer("max_iter", 1)
        real("tol", 0.0)
        real("momentum", 0.0, 1.0)
        real("validation_fraction", 0.0, 1.0, high_open=True)
        real("beta_1", 0.0, 1.0, high_open=True)
        real("beta_2", 0.0, 1.0, high_open=True)
        real("epsilon", 0.0, low_open=True)
        integer("n_iter_no_change", 1)
        integer("n_threads", 1)
        if self.dtype is not None:
            try:
                ok = np.dtype(self.dtype) in (np.float32, np.float64)
            except TypeError:
                ok = False
            if not ok:
                raise ValueError(f"dtype must be None, 'float32' or 'float64', got {self.dtype!r}")
        options = self.optimizer_options
        if options is not None:
            if not isinstance(options, dict):
                raise TypeError(f"optimizer_options must be a dict or None, got {type(options).__name__}")
            for key in options:
                if key in _SOLVERS[self.solver][1]:
                    raise ValueError(f"optimizer_options[{key!r}] is set by the estimator's "
                                     f"{_OWNER_OF[key]}; set that parameter instead")
        return sizes

    def _make_optimizer(self, batch_size, mean_weight):
        cls, _ = _SOLVERS[self.solver]
        options = dict(self.optimizer_options or {})
        lr = float(self.learning_rate_init)
        # scikit-learn's penalty gradient alpha * W / (sum of the batch's weights), as a coupled decay.
        decay = float(self.alpha) / (batch_size * mean_weight)
        if cls is SGD:
            momentum = float(self.momentum)
            return SGD(lr=lr, momentum=momentum, nesterov=bool(self.nesterovs_momentum) and momentum > 0,
                       weight_decay=decay, **options)
        if cls is AdamW:
            return AdamW(lr=lr, betas=(self.beta_1, self.beta_2), eps=self.epsilon,
                         weight_decay=float(self.alpha), **options)
        if cls is Adam:
            return Adam(lr=lr, betas=(self.beta_1, self.beta_2), eps=self.epsilon, weight_decay=decay, **options)
        return cls(lr=lr, weight_decay=decay, **options)

    # -- fitted attributes that are views of the network ------------------------------
    @property
    def coefs_(self):
        """The weight matrices, layer by layer: live views of ``net_.params``, shape (n_in, n_out)."""
        net = self.__dict__.get("net_")
        if net is None:
            raise AttributeError("coefs_ exists once the estimator is fitted")
        return [layer.W for layer in net.layers]

    @property
    def intercepts_(self):
        """The bias vectors, layer by layer: live views of ``net_.params``."""
        net = self.__dict__.get("net_")
        if net is None:
            raise AttributeError("intercepts_ exists once the estimator is fitted")
        return [layer.b for layer in net.layers]

    # -- fitting ----------------------------------------------------------------------------
    def _input_dtype(self):
        return (np.float64, np.float32) if self.dtype is None else np.dtype(self.dtype)

    def _fit(self, X, y, sample_weight, *, incremental, epochs, validation_data=None, classes=None):
        hidden = self._check_params()
        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True (there is no held-out set "
                             "to watch across calls); pass validation_data to monitor one")
        first = incremental and not hasattr(self, "net_")
        fresh = (not incremental and not (self.warm_start and hasattr(self, "net_"))) or first
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        X, y = validate_data(self, X, y, reset=fresh, accept_sparse=["csr", "csc", "coo"],
                              dtype=self._input_dtype() if fresh else (np.float64, np.float32),
                              multi_output=True, y_numeric=not isinstance(self, ClassifierMixin))
        X = _dense(X)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        weights = _check_sample_weight(sample_weight, X.shape[0])
        Y, weights = self._encode_targets(y, weights, fresh=fresh, incremental=incremental, classes=classes)

        if fresh:
            self._initialize(X, hidden)

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

        # Rows of weight 0 take no part in the loss: dropping them makes a zero weight
        # exactly "this row is not there" (the batches are those of the remaining rows).
        kept = weights > 0
        if not kept.any():
            raise ValueError("sample_weight is zero for every training row; at least one must be > 0")
        if not kept.all():
            X, Y, weights = X[kept], Y[kept], weights[kept]
        n_samples = X.shape[0]
        mean_weight = float(weights.mean())
        unit = bool((weights == 1.0).all())

        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn("Got `batch_size` less than 1 or larger than sample size. It is going to be "
                              "clipped", UserWarning, stacklevel=3)
            batch_size = int(np.clip(self.batch_size, 1, n_samples))

        optimizer = self._make_optimizer(batch_size, mean_weight)
        previous = getattr(self, "optimizer_", None)
        if incremental and not first and previous is not None and type(previous) is type(optimizer) \
                and previous.state is not None:
            # partial_fit keeps the optimizer's state (Adam's moments, the momentum, the
            # step count) and, for a scheduled SGD rate, the rate reached; scikit-learn's
            # partial_fit does the same for one epoch per call.
            optimizer.bind(self.net_)
            optimizer.state[:] = previous.state
            optimizer.t = previous.t
            if self.solver == "sgd" and self.learning_rate != "constant":
                optimizer.lr = previous.lr
        self.optimizer_ = optimizer

        n_batches = -(-n_samples // batch_size)
        penalty_scale = (0.0 if self.solver == "adamw"
                         else 0.5 * float(self.alpha) * n_batches / (n_samples * mean_weight))
        loss_scale = self._reported_loss_scale()
        self.n_iter_ = 0
        watch_stop = not incremental

        def after_epoch(epoch, logs):
            net = self.net_
            self.n_iter_ += 1
            self.t_ += n_samples
            loss = float(logs["loss"]) * loss_scale
            if penalty_scale:
                loss += penalty_scale * sum(float(np.dot(W.ravel(), W.ravel())) for W in self.coefs_)
            self.loss_ = loss
            self.loss_curve_.append(loss)
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {loss:.8f}")
            if validation is not None:
                X_val, Y_val, w_val = validation
                self.validation_loss_curve_.append(net.loss(X_val, Y_val, sample_weight=w_val) * loss_scale)
                score = self._validation_score(X_val, Y_val, w_val)
                self.validation_scores_.append(score)
                if self.verbose:
                    print(f"Validation score: {score:f}")
            self._update_no_improvement_count()
            stop = False
            if self.solver == "sgd" and self.learning_rate == "invscaling":
                optimizer.lr = float(self.learning_rate_init) / (self.t_ + 1) ** float(self.power_t)
            if self._no_improvement_count > self.n_iter_no_change:
                what = ("Validation score did not improve more than tol=%f for %d consecutive epochs."
                        if self.early_stopping else
                        "Training loss did not improve more than tol=%f for %d consecutive epochs.")
                message = what % (self.tol, self.n_iter_no_change)
                if self.solver == "sgd" and self.learning_rate == "adaptive":
                    if optimizer.lr <= 1e-6:
                        stop = True
                        message += " Learning rate too small. Stopping."
                    else:
                        optimizer.lr /= 5.0
                        self._no_improvement_count = 0
                        message += f" Setting learning rate to {optimizer.lr:f}"
                else:
                    stop = True
                    message += " Stopping."
                if self.verbose:
                    print(message)
            return bool(stop and watch_stop)

        self.net_.n_threads = self.n_threads
        with _blas_scope(self.n_threads):
            history = self.net_.fit(X, Y, optimizer=optimizer, epochs=epochs, batch_size=batch_size,
                                    shuffle=bool(self.shuffle), sample_weight=None if unit else weights,
                                    callbacks=[after_epoch])
        self.history_ = history
        if self.early_stopping and self._best_params is not None:
            self.net_.params = self._best_params  # scikit-learn keeps the best validation epoch
        if not incremental and not history.stopped_early and not history.interrupted and self.n_iter_ == epochs:
            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({epochs}) reached and the optimization "
                          "hasn't converged yet.", ConvergenceWarning, stacklevel=3)
        return self

    def _initialize(self, X, hidden):
        """Build the network and reset the fitted state: the first fit, or a fit without warm_start."""
        self._split_rng = check_random_state(self.random_state)
        seed = _seed_from(self._split_rng if not isinstance(self.random_state, numbers.Integral)
                          else self.random_state)
        dtype = X.dtype if self.dtype is None else np.dtype(self.dtype)
        sizes = [X.shape[1], *hidden, self.n_outputs_]
        self.net_ = Network.mlp(sizes, activation=_ACTIVATIONS[self.activation], loss=self._loss_name,
                                dtype=dtype.name, seed=seed, n_threads=self.n_threads)
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
        self.optimizer_ = None

    def _check_validation_data(self, validation_data):
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise TypeError("validation_data must be a pair (X_val, y_val) or a triple "
                            "(X_val, y_val, sample_weight_val)")
        X_val, y_val = validation_data[0], validation_data[1]
        X_val, y_val = validate_data(self, X_val, y_val, reset=False, accept_sparse=["csr", "csc", "coo"],
                                      dtype=(np.float64, np.float32), multi_output=True,
                                      y_numeric=not isinstance(self, ClassifierMixin))
        X_val = _dense(X_val)
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val)
        w_val = _check_sample_weight(validation_data[2] if len(validation_data) == 3 else None, X_val.shape[0])
        return X_val, self._encode_known(y_val), w_val

    def _update_no_improvement_count(self):
        """scikit-learn's rule (BaseMultilayerPerceptron._update_no_improvement_count)."""
        tol = float(self.tol)
        if self.early_stopping:
            score = self.validation_scores_[-1]
            if score < self.best_validation_score_ + tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                if self._best_params is None:
                    self._best_params = self.net_.params.copy()
                else:
                    self._best_params[:] = self.net_.params
        else:
            if self.validation_scores_ is not None:  # validation_data given: recorded, not used to stop
                self.best_validation_score_ = max(self.best_validation_score_, self.validation_scores_[-1])
            if self.loss_curve_[-1] > self.best_loss_ - tol:
                self._no_improvement_count += 1
            else:
                self._no_improvement_count = 0
            if self.loss_curve_[-1] < self.best_loss_:
                self.best_loss_ = self.loss_curve_[-1]

    def fit(self, X, y, sample_weight=None, *, validation_data=None):
        """Fit the model to X (n_samples, n_features) and y.

        ``sample_weight`` (n_samples,) weights each row's loss (a weight of 0
        drops the row). ``validation_data`` = ``(X_val, y_val)`` or ``(X_val,
        y_val, sample_weight_val)`` is evaluated after every epoch
        (``validation_loss_curve_``, ``validation_scores_``); with
        ``early_stopping=True`` it is the set watched, in place of the
        ``validation_fraction`` held out of X.
        """
        return self._fit(X, y, sample_weight, incremental=False, epochs=int(self.max_iter),
                         validation_data=validation_data)

    def _predict_raw(self, X):
        check_is_fitted(self, "net_")
        X = validate_data(self, X, reset=False, accept_sparse=["csr", "csc", "coo"],
                           dtype=(self.net_.dtype, np.float64, np.float32))
        if self.net_.n_threads != self.n_threads:   # set_params(n_threads=...) after fit
            self.net_.n_threads = self.n_threads
        X = _dense(X)
        with _blas_scope(self.n_threads):
            return self.net_.predict(X)


class MLPClassifier(ClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier trained by fastnet (scikit-learn's API and parameters).

    Parameters are those of :class:`sklearn.neural_network.MLPClassifier`
    (``solver="lbfgs"`` excepted) with the same meaning, plus fastnet's own:

    dtype : None, "float32" or "float64", default=None
        The network's dtype; None follows X (float32 stays float32).
    optimizer_options : dict or None
        Further hyperparameters of the fastnet optimizer (``{"amsgrad": True}``).
    n_threads : int >= 1, default=1
        BLAS threads for the thread running fit or predict (``Network.n_threads``;
        see the module docstring).
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

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=0.0001,
                 batch_size="auto", learning_rate="constant", learning_rate_init=0.001, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False, warm_start=False,
                 momentum=0.9, nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1,
                 beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, dtype=None,
                 optimizer_options=None, n_threads=1, class_weight=None):
        super().__init__(hidden_layer_sizes, activation, solver=solver, alpha=alpha, batch_size=batch_size,
                         learning_rate=learning_rate, learning_rate_init=learning_rate_init, power_t=power_t,
                         max_iter=max_iter, shuffle=shuffle, random_state=random_state, tol=tol,
                         verbose=verbose, warm_start=warm_start, momentum=momentum,
                         nesterovs_momentum=nesterovs_momentum, early_stopping=early_stopping,
                         validation_fraction=validation_fraction, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, n_iter_no_change=n_iter_no_change, dtype=dtype,
                         optimizer_options=optimizer_options, n_threads=n_threads)
        self.class_weight = class_weight

    def _encode_targets(self, y, weights, *, fresh, incremental, classes):
        check_classification_targets(y)
        target = type_of_target(y)
        if target not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(f"MLPClassifier supports binary, multiclass and multilabel-indicator targets, "
                             f"got {target!r}")
        multilabel = target == "multilabel-indicator"
        if fresh:
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
                self.n_outputs_, self.out_activation_, self._loss_name = y.shape[1], "logistic", \
                    "binary_cross_entropy"
            elif len(self.classes_) == 2:
                self.n_outputs_, self.out_activation_, self._loss_name = 1, "logistic", "binary_cross_entropy"
            else:
                self.n_outputs_, self.out_activation_, self._loss_name = len(self.classes_), "softmax", \
                    "cross_entropy"
        else:
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
        if self.class_weight is not None:
            if multilabel:
                raise ValueError("class_weight is not supported for multilabel targets")
            if isinstance(self.class_weight, str) and self.class_weight == "balanced" and incremental:
                raise ValueError("class_weight='balanced' is not supported for partial_fit: compute the "
                                 "weights once with sklearn.utils.class_weight.compute_class_weight and pass "
                                 "them as a dict")
            per_class = compute_class_weight(self.class_weight, classes=self.classes_, y=y)
            weights = weights * per_class[np.searchsorted(self.classes_, y)]
        return self._encode_known(y), weights

    def _encode_known(self, y):
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

    def _reported_loss_scale(self):
        # scikit-learn reports the binary log-loss summed over the labels, fastnet's averages.
        return float(self.n_outputs_) if self._multilabel else 1.0

    def _validation_score(self, X_val, Y_val, w_val):
        return float(accuracy_score(Y_val, self._decide(self.net_.predict(X_val)), sample_weight=w_val))

    def _decide(self, proba):
        """Class indices (0/1 columns for multilabel) from the network's outputs."""
        if self._multilabel:
            return (proba >= 0.5).astype(np.int64)
        if self.n_outputs_ == 1:
            return (proba[:, 0] >= 0.5).astype(np.int64)
        return proba.argmax(axis=1)

    def fit(self, X, y, sample_weight=None, *, validation_data=None):
        return super().fit(X, y, sample_weight, validation_data=validation_data)

    fit.__doc__ = _BaseMLP.fit.__doc__

    def partial_fit(self, X, y, sample_weight=None, classes=None, *, epochs=1, validation_data=None):
        """Train ``epochs`` more epochs (default 1) on (X, y), keeping the optimizer's state.

        ``classes`` (all the classes y can hold) is required on the first call.
        Unlike scikit-learn's, which runs one epoch, several epochs per call are
        one fastnet call; Adam's moments and the step count carry over.
        """
        if epochs is None or isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
            raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
        return self._fit(X, y, sample_weight, incremental=True, epochs=int(epochs),
                         validation_data=validation_data, classes=classes)

    def predict_proba(self, X):
        """Class probabilities, (n_samples, n_classes) in the order of ``classes_`` (network dtype)."""
        out = self._predict_raw(X)
        if self.n_outputs_ == 1 and not self._multilabel:
            return np.hstack([1 - out, out])
        return out

    def predict_log_proba(self, X):
        proba = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(proba, out=proba)

    def predict(self, X):
        """The predicted class of each row of X (an indicator matrix for multilabel targets)."""
        decided = self._decide(self._predict_raw(X))
        return decided if self._multilabel else self.classes_[decided]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor trained by fastnet, minimising half the squared error.

    Parameters and fitted attributes: as :class:`MLPClassifier` (without
    ``class_weight`` and ``classes_``). ``predict`` returns (n_samples,) for one
    target and (n_samples, n_outputs) for several, in the network's dtype.
    """

    _loss_name = "half_mse"

    def _encode_targets(self, y, weights, *, fresh, incremental, classes):
        if fresh:
            self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
            self.out_activation_ = "identity"
        elif (1 if y.ndim == 1 else y.shape[1]) != self.n_outputs_:
            raise ValueError(f"y has {1 if y.ndim == 1 else y.shape[1]} targets but the model was fitted "
                             f"with {self.n_outputs_}")
        return self._encode_known(y), weights

    def _encode_known(self, y):
        return np.asarray(y, dtype=np.float64)

    def _reported_loss_scale(self):
        # scikit-learn reports half the squared error averaged over the targets, fastnet's
        # half_mse sums them (and both train on the sum's gradient).
        return 1.0 / self.n_outputs_

    def _validation_score(self, X_val, Y_val, w_val):
        pred = self.net_.predict(X_val)
        if not np.isfinite(pred).all():
            return np.nan
        return float(r2_score(Y_val, pred.reshape(Y_val.shape), sample_weight=w_val))

    def partial_fit(self, X, y, sample_weight=None, *, epochs=1, validation_data=None):
        """Train ``epochs`` more epochs (default 1) on (X, y), keeping the optimizer's state."""
        if epochs is None or isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 1:
            raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
        return self._fit(X, y, sample_weight, incremental=True, epochs=int(epochs),
                         validation_data=validation_data)

    def predict(self, X):
        """Predictions, (n_samples,) for one target else (n_samples, n_outputs)."""
        out = self._predict_raw(X)
        return out.ravel() if out.shape[1] == 1 else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
