"""scikit-learn estimators over fastnet (optional: needs scikit-learn >= 1.6)."""

from .estimators import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor"]
