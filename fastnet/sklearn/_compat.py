"""scikit-learn, imported in one place: the import guard, and typed stand-ins of its base classes.

scikit-learn is optional (``pip install 'fastnet[sklearn]'``), so this is the
one module that imports it, and the one error message a missing or too old
scikit-learn gives.

scikit-learn ships no type information, and ``mypy --strict`` rejects a class
derived from an untyped one (an ``Any``). At run time the estimators derive
from scikit-learn's ``BaseEstimator`` and ``ClassifierMixin`` /
``RegressorMixin``; to a type checker they derive from the stand-ins below,
which declare the methods those bases give them (the ``set_*_request``
methods of metadata routing are declared on the estimators themselves, since
their keywords are those of each estimator's ``fit``, ``partial_fit`` and
``score``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    from sklearn.exceptions import ConvergenceWarning  # type: ignore[import-untyped]
    from sklearn.metrics import accuracy_score, r2_score  # type: ignore[import-untyped]
    from sklearn.model_selection import train_test_split  # type: ignore[import-untyped]
    from sklearn.utils import check_random_state  # type: ignore[import-untyped]
    from sklearn.utils.class_weight import compute_class_weight  # type: ignore[import-untyped]
    from sklearn.utils.multiclass import (  # type: ignore[import-untyped]
        check_classification_targets,
        type_of_target,
    )
    from sklearn.utils.validation import (  # type: ignore[import-untyped]
        check_is_fitted,
        column_or_1d,
        validate_data,  # scikit-learn 1.6+, as __sklearn_tags__
    )
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("fastnet.sklearn needs scikit-learn >= 1.6: pip install 'fastnet[sklearn]'") from exc

if TYPE_CHECKING:
    import numpy.typing as npt
    from typing_extensions import Self

    from ._typing import Features, Request

    class BaseEstimator:
        def get_params(self, deep: bool = True) -> dict[str, Any]: ...
        def set_params(self, **params: Any) -> Self: ...
        def __sklearn_tags__(self) -> Any: ...  # a sklearn.utils.Tags

    class ClassifierMixin:
        def score(self, X: Features, y: npt.ArrayLike,
                  sample_weight: npt.ArrayLike | None = None) -> float: ...  # accuracy
        def set_score_request(self, *, sample_weight: Request = ...) -> Self: ...

    class RegressorMixin:
        def score(self, X: Features, y: npt.ArrayLike,
                  sample_weight: npt.ArrayLike | None = None) -> float: ...  # R^2
        def set_score_request(self, *, sample_weight: Request = ...) -> Self: ...
else:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin  # the guard above found scikit-learn

__all__ = [
    "BaseEstimator", "ClassifierMixin", "RegressorMixin", "ConvergenceWarning", "accuracy_score", "r2_score",
    "train_test_split", "check_random_state", "compute_class_weight", "check_classification_targets",
    "type_of_target", "check_is_fitted", "column_or_1d", "validate_data",
]
