"""Small data sets generated from a seed, for the demo, the tests and the benchmarks.

Nothing is downloaded: each function builds its data with numpy from ``seed``.
"""

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["two_spirals", "noisy_sine", "blobs"]


def two_spirals(n_samples: int = 1000, noise: float = 0.2, seed: int = 0, dtype: npt.DTypeLike = np.float32,
                ) -> tuple[npt.NDArray[np.floating[Any]], npt.NDArray[np.int64]]:
    """Two interleaved spirals in the plane: X (n, 2), labels y (n,) in {0, 1}.

    The classic test of whether a network can learn a highly non-linear boundary.
    """
    rng = np.random.default_rng(seed)
    n0 = n_samples // 2
    labels = np.r_[np.zeros(n0, dtype=np.int64), np.ones(n_samples - n0, dtype=np.int64)]
    t = np.sqrt(rng.uniform(0.0, 1.0, n_samples)) * 3 * np.pi  # sqrt: even density along the arm
    sign = np.where(labels == 0, 1.0, -1.0)
    X = np.c_[sign * t * np.cos(t), sign * t * np.sin(t)] / (3 * np.pi)
    X += rng.normal(scale=noise / (3 * np.pi), size=X.shape)
    order = rng.permutation(n_samples)
    return X[order].astype(dtype), labels[order]


def noisy_sine(n_samples: int = 1000, noise: float = 0.1, seed: int = 0, dtype: npt.DTypeLike = np.float32,
               ) -> tuple[npt.NDArray[np.floating[Any]], npt.NDArray[np.floating[Any]]]:
    """y = sin(2 pi x) + noise for x uniform in [-1, 1]: X (n, 1), y (n, 1)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n_samples, 1))
    y = np.sin(2 * np.pi * x) + rng.normal(scale=noise, size=x.shape)
    return x.astype(dtype), y.astype(dtype)


def blobs(n_samples: int = 1000, n_features: int = 64, n_classes: int = 10, spread: float = 1.0, seed: int = 0,
          dtype: npt.DTypeLike = np.float32) -> tuple[npt.NDArray[np.floating[Any]], npt.NDArray[np.int64]]:
    """Gaussian clusters, one per class: X (n, n_features), labels (n,). Benchmark data."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2.0, size=(n_classes, n_features))
    labels = rng.integers(0, n_classes, size=n_samples)
    X = centres[labels] + rng.normal(scale=spread, size=(n_samples, n_features))
    return X.astype(dtype), labels
