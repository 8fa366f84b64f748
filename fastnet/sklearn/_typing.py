"""The types of the estimators' signatures: what X, validation_data and the arrays they return are."""

from __future__ import annotations

from typing import Any, Protocol, TypeAlias

import numpy as np
import numpy.typing as npt

__all__ = ["FloatArray", "SparseMatrix", "Features", "ValidationData", "ValidationSet", "Request"]

#: The network's arrays: float32 or float64, as the network's dtype says.
FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]


class SparseMatrix(Protocol):
    """A scipy.sparse matrix or array (csr, csc or coo); scipy ships no types."""

    def toarray(self) -> Any: ...


#: X: (n_samples, n_features), dense or sparse.
Features: TypeAlias = npt.ArrayLike | SparseMatrix
#: validation_data as users pass it: (X_val, y_val) or (X_val, y_val, sample_weight_val).
ValidationData: TypeAlias = (
    tuple[Features, npt.ArrayLike] | tuple[Features, npt.ArrayLike, npt.ArrayLike | None]
)
#: validation data once checked: dense X_val, encoded targets, float64 weights (n_val,).
ValidationSet: TypeAlias = tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[np.float64]]
#: A metadata request of scikit-learn's routing (set_fit_request and the like).
Request: TypeAlias = bool | str | None
