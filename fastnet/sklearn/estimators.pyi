from collections.abc import Sequence
from typing import Any, Literal, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt
from typing_extensions import Self

from ..train.history import History
from ..nn.network import Network
from ..optim.optimizers import Optimizer

__all__ = ["MLPClassifier", "MLPRegressor"]

# The classes derive from scikit-learn's BaseEstimator and ClassifierMixin/RegressorMixin
# at run time. scikit-learn ships no types (mypy --strict rejects subclassing Any), so
# here they stand alone, with the methods those bases give them (score from the mixins).

#: The network's arrays: float32 or float64, as the network's dtype says.
_FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]

class _SparseMatrix(Protocol):
    """A scipy.sparse matrix or array (csr, csc or coo); scipy ships no types."""

    def toarray(self) -> Any: ...

#: X: (n_samples, n_features), dense or sparse.
_Features: TypeAlias = npt.ArrayLike | _SparseMatrix
#: validation_data: (X_val, y_val) or (X_val, y_val, sample_weight_val).
_ValidationData: TypeAlias = (
    tuple[_Features, npt.ArrayLike] | tuple[_Features, npt.ArrayLike, npt.ArrayLike | None]
)
#: A metadata request of scikit-learn's routing (set_fit_request and the like).
_Request: TypeAlias = bool | str | None

class _BaseMLP:
    """What the classifier and the regressor share: parameters, fitted attributes, fit."""

    hidden_layer_sizes: int | Sequence[int]
    activation: Literal["identity", "logistic", "tanh", "relu"]
    solver: Literal["adam", "sgd", "adamw", "rmsprop", "adagrad"]
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
    dtype: npt.DTypeLike | None  # None follows X
    optimizer_options: dict[str, Any] | None
    n_threads: int
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
    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: Literal["identity", "logistic", "tanh", "relu"] = "relu",
        *,
        solver: Literal["adam", "sgd", "adamw", "rmsprop", "adagrad"] = "adam",
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
        dtype: npt.DTypeLike | None = None,
        optimizer_options: dict[str, Any] | None = None,
        n_threads: int = 1,
    ) -> None: ...
    @property
    def coefs_(self) -> list[_FloatArray]: ...  # (n_in, n_out) per layer, views of net_.params
    @property
    def intercepts_(self) -> list[_FloatArray]: ...  # (n_out,) per layer, views of net_.params
    def fit(
        self,
        X: _Features,
        y: npt.ArrayLike,
        sample_weight: npt.ArrayLike | None = None,
        *,
        validation_data: _ValidationData | None = None,
    ) -> Self: ...
    def get_params(self, deep: bool = True) -> dict[str, Any]: ...
    def set_params(self, **params: Any) -> Self: ...
    def set_fit_request(self, *, sample_weight: _Request = ..., validation_data: _Request = ...) -> Self: ...
    def __sklearn_tags__(self) -> Any: ...  # a sklearn.utils.Tags

class MLPClassifier(_BaseMLP):
    """Multi-layer perceptron classifier trained by fastnet (scikit-learn's API and parameters)."""

    class_weight: dict[Any, float] | Literal["balanced"] | None
    classes_: npt.NDArray[Any]  # the labels (column indices for multilabel targets)
    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: Literal["identity", "logistic", "tanh", "relu"] = "relu",
        *,
        solver: Literal["adam", "sgd", "adamw", "rmsprop", "adagrad"] = "adam",
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
        dtype: npt.DTypeLike | None = None,
        optimizer_options: dict[str, Any] | None = None,
        n_threads: int = 1,
        class_weight: dict[Any, float] | Literal["balanced"] | None = None,
    ) -> None: ...
    def partial_fit(
        self,
        X: _Features,
        y: npt.ArrayLike,
        sample_weight: npt.ArrayLike | None = None,
        classes: npt.ArrayLike | None = None,  # required on the first call
        *,
        epochs: int = 1,
        validation_data: _ValidationData | None = None,
    ) -> Self: ...
    def set_partial_fit_request(
        self,
        *,
        classes: _Request = ...,
        epochs: _Request = ...,
        sample_weight: _Request = ...,
        validation_data: _Request = ...,
    ) -> Self: ...
    def predict_proba(self, X: _Features) -> _FloatArray: ...  # (n_samples, n_classes), classes_'s order
    def predict_log_proba(self, X: _Features) -> _FloatArray: ...
    def predict(self, X: _Features) -> npt.NDArray[Any]: ...  # labels (n_samples,), or an indicator matrix
    def score(
        self, X: _Features, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None
    ) -> float: ...  # accuracy
    def set_score_request(self, *, sample_weight: _Request = ...) -> Self: ...

class MLPRegressor(_BaseMLP):
    """Multi-layer perceptron regressor trained by fastnet, minimising half the squared error."""

    def partial_fit(
        self,
        X: _Features,
        y: npt.ArrayLike,
        sample_weight: npt.ArrayLike | None = None,
        *,
        epochs: int = 1,
        validation_data: _ValidationData | None = None,
    ) -> Self: ...
    def set_partial_fit_request(
        self,
        *,
        epochs: _Request = ...,
        sample_weight: _Request = ...,
        validation_data: _Request = ...,
    ) -> Self: ...
    def predict(self, X: _Features) -> _FloatArray: ...  # (n_samples,) for one target, else (n_samples, n_outputs_)
    def score(
        self, X: _Features, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None
    ) -> float: ...  # R^2
    def set_score_request(self, *, sample_weight: _Request = ...) -> Self: ...
