from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["two_spirals", "noisy_sine", "blobs"]

def two_spirals(
    n_samples: int = 1000, noise: float = 0.2, seed: int = 0, dtype: npt.DTypeLike = ...
) -> tuple[npt.NDArray[np.floating[Any]], npt.NDArray[np.int64]]: ...  # X (n, 2), labels (n,) in {0, 1}
def noisy_sine(
    n_samples: int = 1000, noise: float = 0.1, seed: int = 0, dtype: npt.DTypeLike = ...
) -> tuple[npt.NDArray[np.floating[Any]], npt.NDArray[np.floating[Any]]]: ...  # X (n, 1), y (n, 1)
def blobs(
    n_samples: int = 1000,
    n_features: int = 64,
    n_classes: int = 10,
    spread: float = 1.0,
    seed: int = 0,
    dtype: npt.DTypeLike = ...,
) -> tuple[npt.NDArray[np.floating[Any]], npt.NDArray[np.int64]]: ...  # X (n, n_features), labels (n,)
