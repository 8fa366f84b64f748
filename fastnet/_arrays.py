"""Checking and converting the arrays users pass, before any nogil call.

The kernels trust their inputs (bounds checking is off), so everything a
kernel assumes is established here: C-contiguous, the network's dtype, the
right shapes, finite values, labels in range. Arrays are copied only when
they are not already in that form (read-only and memory-mapped arrays are
used as they are).
"""

import numpy as np

__all__ = ["DTYPES", "as_dtype", "as_features", "as_targets"]

DTYPES = {"float32": np.dtype(np.float32), "float64": np.dtype(np.float64)}


def as_dtype(dtype):
    """The numpy dtype for ``"float32"``/``"float64"`` (or np.float32, np.dtype(...))."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt not in DTYPES.values():
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return dt


def _as_real_array(a, name, dtype):
    """``a`` as a numpy array of ``dtype``, rejecting what does not convert safely."""
    if a is None:
        raise TypeError(f"{name} must be an array, got None")
    arr = a if isinstance(a, np.ndarray) else np.asarray(a)
    kind = arr.dtype.kind
    if kind == "O":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must hold numbers, got an object array that does not convert to float") from None
    elif kind == "c":
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}")
    elif kind not in "biuf":
        raise TypeError(f"{name} must hold numbers, got dtype {arr.dtype}")
    return arr


def _check_finite(arr, name):
    if arr.size and not np.isfinite(arr).all():
        bad = np.argwhere(~np.isfinite(arr))[0]
        where = tuple(int(i) for i in bad)
        raise ValueError(f"{name} contains NaN or infinity (first at index {where}); "
                         "remove or impute those values")


def as_features(X, n_features, dtype, name="X"):
    """X as a C-contiguous (n_samples, n_features) array of ``dtype``, checked."""
    arr = _as_real_array(X, name, dtype)
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 1:
            hint = (f"; use {name}.reshape(1, -1) for one sample"
                    f" or {name}.reshape(-1, 1) for one feature")
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got {arr.ndim}-D "
                         f"with shape {arr.shape}{hint}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has 0 samples; at least 1 is needed")
    if arr.shape[1] != n_features:
        raise ValueError(f"{name} has {arr.shape[1]} features but the network expects {n_features}")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    _check_finite(arr, name)
    return arr


def as_targets(Y, n_samples, criterion, n_outputs, dtype, name="Y"):
    """Y as a C-contiguous (n_samples, n_outputs) array of ``dtype``, checked for ``criterion``.

    For cross-entropy, class indices (shape (n,) or (n, 1) with n_outputs > 1)
    are turned into one-hot rows. A 1-D Y is a column when n_outputs is 1.
    """
    arr = _as_real_array(Y, name, dtype)
    if arr.ndim == 0 or arr.ndim > 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} samples but {name} has {arr.shape[0]}")

    if criterion.name == "cross_entropy" and (arr.ndim == 1 or arr.shape[1] == 1):
        labels = arr.reshape(-1)
        _check_finite(labels.astype(np.float64), name)
        as_int = labels.astype(np.int64)
        if not np.array_equal(as_int, labels):
            raise ValueError(f"{name} holds class labels for cross_entropy, which must be integers; "
                             f"got non-integer values such as {labels[as_int != labels][0]!r}")
        bad = (as_int < 0) | (as_int >= n_outputs)
        if bad.any():
            raise ValueError(f"{name} has class label {int(as_int[bad][0])} but the network has "
                             f"{n_outputs} outputs, so labels must lie in [0, {n_outputs - 1}]")
        onehot = np.zeros((n_samples, n_outputs), dtype=dtype)
        onehot[np.arange(n_samples), as_int] = 1
        return onehot

    if arr.ndim == 1:
        if n_outputs != 1:
            raise ValueError(f"{name} is 1-D but the network has {n_outputs} outputs; "
                             f"{name} must have shape ({n_samples}, {n_outputs})")
        arr = arr.reshape(-1, 1)
    if arr.shape[1] != n_outputs:
        raise ValueError(f"{name} has {arr.shape[1]} columns but the network has {n_outputs} outputs")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    _check_finite(arr, name)
    if criterion.name == "binary_cross_entropy" and ((arr < 0).any() or (arr > 1).any()):
        raise ValueError(f"{name} must lie in [0, 1] for binary_cross_entropy, got values in "
                         f"[{arr.min():g}, {arr.max():g}]")
    if criterion.name == "cross_entropy" and (arr < 0).any():
        raise ValueError(f"{name} rows are class probabilities for cross_entropy and must be >= 0, "
                         f"got {arr.min():g}")
    return arr

