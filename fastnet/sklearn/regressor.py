"""MLPRegressor: one or several real targets, half the squared error (scikit-learn's loss), over fastnet."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from ._checks import check_epochs
from ._compat import RegressorMixin, r2_score
from .base import _BaseMLP

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._typing import Features, FloatArray, Request, ValidationData

__all__ = ["MLPRegressor"]

_Array = npt.NDArray[Any]
_Weights = npt.NDArray[np.float64]


class MLPRegressor(RegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor trained by fastnet, minimising half the squared error.

    Parameters and fitted attributes: as :class:`MLPClassifier` (without
    ``class_weight`` and ``classes_``). ``predict`` returns (n_samples,) for one
    target and (n_samples, n_outputs) for several, in the network's dtype.
    """

    _loss_name = "half_mse"

    if TYPE_CHECKING:  # made by scikit-learn's metadata routing from partial_fit's signature
        def set_partial_fit_request(self, *, epochs: Request = ..., sample_weight: Request = ...,
                                    validation_data: Request = ...) -> Self: ...

    def _encode_targets(self, y: _Array, weights: _Weights, *, fresh: bool, incremental: bool,
                        classes: npt.ArrayLike | None) -> tuple[_Array, _Weights]:
        n_targets = 1 if y.ndim == 1 else y.shape[1]
        if fresh:
            self.n_outputs_ = n_targets
            self.out_activation_ = "identity"
        elif n_targets != self.n_outputs_:
            raise ValueError(f"y has {n_targets} targets but the model was fitted with {self.n_outputs_}")
        return self._encode_known(y), weights

    def _encode_known(self, y: _Array) -> _Array:
        return np.asarray(y, dtype=np.float64)

    def _reported_loss_scale(self) -> float:
        # scikit-learn reports half the squared error averaged over the targets, fastnet's
        # half_mse sums them (and both train on the sum's gradient).
        return 1.0 / self.n_outputs_

    def _validation_score(self, X_val: _Array, Y_val: _Array, w_val: _Weights) -> float:
        pred = self.net_.predict(X_val)
        if not np.isfinite(pred).all():
            return float("nan")  # a diverged network: r2_score would raise
        return float(r2_score(Y_val, pred.reshape(Y_val.shape), sample_weight=w_val))

    def partial_fit(self, X: Features, y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None, *,
                    epochs: int = 1, validation_data: ValidationData | None = None) -> Self:
        """Train ``epochs`` more epochs (default 1) on (X, y), keeping the optimizer's state."""
        return self._fit(X, y, sample_weight, incremental=True, epochs=check_epochs(epochs),
                         validation_data=validation_data)

    def predict(self, X: Features) -> FloatArray:
        """Predictions, ``(n_samples,)`` for one target else ``(n_samples, n_outputs_)``, in the network's dtype."""
        out = self._predict_raw(X)
        return out.ravel() if out.shape[1] == 1 else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
