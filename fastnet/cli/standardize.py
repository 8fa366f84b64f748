"""Standardised training, raw-data model: ``fastnet train`` scales, then folds the scaling away.

Training works best on features of mean 0 and standard deviation 1 (and, for
regression, such a target). The statistics come from the training rows only,
so the validation figures stay honest. Before saving, the scaling is folded
into the first layer's weights (and the identity output layer's), so the model
file predicts from the data as it is, with nothing else to ship beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .targets import TargetArray

if TYPE_CHECKING:
    from ..nn.network import Network

__all__ = ["Standardisation"]


@dataclass
class Standardisation:
    """x -> (x - mean) / scale per feature; for a regression target, y -> (y - y_mean) / y_scale."""

    mean: npt.NDArray[np.float64]      # (n_features,)
    scale: npt.NDArray[np.float64]     # (n_features,), > 0
    y_mean: float | None = None        # None: the target is not scaled (classes, or --no-standardize)
    y_scale: float | None = None
    enabled: bool = True               # False: the identity (--no-standardize)

    @classmethod
    def fit(cls, X: npt.NDArray[np.float64], y: TargetArray, scale_target: bool, enabled: bool = True
            ) -> Standardisation:
        """The statistics of the training rows ``X`` (n_samples, n_features) and ``y``."""
        n_features = X.shape[1]
        if not enabled:
            return cls(np.zeros(n_features), np.ones(n_features), enabled=False)
        scale = X.std(axis=0)
        # A constant column has std 0: leave it unscaled rather than divide by zero.
        scaling = cls(X.mean(axis=0), np.where(scale > 0, scale, 1.0))
        if scale_target:
            scaling.y_mean, scaling.y_scale = float(y.mean()), float(y.std()) or 1.0
        return scaling

    @property
    def target_scaling(self) -> tuple[float, float] | None:
        """(y_mean, y_scale) when the target is scaled, else None."""
        if self.y_mean is None or self.y_scale is None:
            return None
        return self.y_mean, self.y_scale

    def transform(self, X: npt.NDArray[np.float64], y: TargetArray) -> tuple[npt.NDArray[np.float64], TargetArray]:
        """(X, y) in the coordinates the network trains in."""
        X = (X - self.mean) / self.scale
        pair = self.target_scaling
        if pair is None:
            return X, y
        return X, np.asarray((y - pair[0]) / pair[1], dtype=np.float64)

    def fold_into(self, net: Network) -> None:
        """Rewrite ``net`` in place to take raw features and, for a scaled target, give raw targets.

        ``(x - mean) / scale @ W + b == x @ (W / scale[:, None]) + (b - (mean / scale) @ W)``;
        at the output, ``y_scale * (h @ W + b) + y_mean`` is again a dense layer
        (the output activation is the identity for a regression loss).
        """
        first, last = net.dense_layers[0], net.dense_layers[-1]
        W = first.W.astype(np.float64)
        b = first.b.astype(np.float64)
        first.W[:] = W / self.scale[:, None]
        first.b[:] = b - (self.mean / self.scale) @ W
        pair = self.target_scaling
        if pair is not None:
            y_mean, y_scale = pair
            last.W[:] = last.W.astype(np.float64) * y_scale
            last.b[:] = last.b.astype(np.float64) * y_scale + y_mean

    def metadata(self, folded: bool) -> dict[str, Any]:
        """The model file's "standardization" entry (JSON values)."""
        return {"feature_mean": self.mean.tolist(), "feature_scale": self.scale.tolist(),
                "target_mean": self.y_mean, "target_scale": self.y_scale,
                "folded_into_weights": folded}
