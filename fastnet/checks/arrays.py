"""Checking and converting the arrays users pass, before any nogil call.

The kernels trust their inputs (bounds checking is off), so everything a
kernel assumes is established here: C-contiguous, aligned, the network's
dtype, the right shapes, finite values, labels in range. Arrays are copied
only when they are not already in that form (read-only and memory-mapped
arrays are used as they are).

What converts safely is converted (bool, integer, float16/32/64, long double
and non-native byte order; object arrays holding numbers); what does not is
rejected with a TypeError (complex, strings, bytes, dates, structured
dtypes, object arrays holding anything else). Every message names the
argument, what was expected and what was given.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from .._core import network as _engine
from .._core import optimizers as _optimizer_kernels

__all__ = ["DTYPES", "as_dtype", "as_features", "as_targets", "optimizer_arrays"]

DTYPES = {"float32": np.dtype(np.float32), "float64": np.dtype(np.float64)}

#: An array the kernels read: float32 or float64, C-contiguous.
Floats = npt.NDArray[np.float32] | npt.NDArray[np.float64]


class KernelOptimizer(Protocol):
    """What the checks read of an optimizer: :class:`fastnet.optim.Optimizer` has it (optim sits above checks)."""

    @property
    def kernel_id(self) -> int: ...

    t: int
    state: Any

    def hyper_vector(self) -> list[float]: ...


def as_dtype(dtype: npt.DTypeLike) -> np.dtype[Any]:
    """The numpy dtype for ``"float32"``/``"float64"`` (or np.float32, np.dtype(...))."""
    dt = None
    if dtype is not None:  # np.dtype(None) would quietly be float64
        try:
            dt = np.dtype(dtype)
        except (TypeError, ValueError):
            dt = None
    if dt is None or dt not in DTYPES.values():
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return dt


def _describe(value: Any) -> str:
    """A short, readable rendering of one array element for a message."""
    try:
        return repr(value.item()) if hasattr(value, "item") else repr(value)
    except Exception:  # an exotic scalar: fall back on str
        return str(value)


def _as_real_array(a: Any, name: str) -> npt.NDArray[Any]:
    """``a`` as a base-class numpy array of real numbers, rejecting what does not convert safely."""
    if a is None:
        raise TypeError(f"{name} must be an array of numbers, got None")
    if isinstance(a, np.ma.MaskedArray):
        if np.ma.is_masked(a):
            n_masked = int(np.count_nonzero(np.ma.getmaskarray(a)))
            raise ValueError(f"{name} is a masked array with {n_masked} masked entries; "
                             f"fill them ({name}.filled(value)) or drop those rows first")
        a = a.data
    try:
        # np.asarray also turns subclasses (np.matrix, np.memmap) into plain ndarrays
        # (a view: memory-mapped data is not read here), so that reshape behaves.
        arr = np.asarray(a)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a rectangular array of numbers, but it cannot be made "
                         f"into one (rows of different lengths?): {exc}") from None
    kind = arr.dtype.kind
    if kind == "O":
        flat = arr.reshape(-1)
        for i, v in enumerate(flat):
            if v is None:
                where = np.unravel_index(i, arr.shape) if arr.ndim else ()
                raise ValueError(f"{name} must hold numbers, got None at index "
                                 f"{tuple(int(j) for j in where)}; remove or impute missing values")
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError, OverflowError) as exc:
            raise TypeError(f"{name} must hold real numbers, got an object array that does not "
                            f"convert to float ({exc})") from None
    elif kind == "c":
        raise TypeError(f"{name} must be real, got complex dtype {arr.dtype}; "
                        f"pass {name}.real if the imaginary parts are meant to be dropped")
    elif kind in "USa":
        raise TypeError(f"{name} must hold numbers, got text (dtype {arr.dtype}); "
                        f"convert it with {name}.astype(float) if it holds numbers as text")
    elif kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers (bool, int or float), got dtype {arr.dtype}")
    return arr


def _first_nonfinite(arr: npt.NDArray[Any]) -> tuple[tuple[int, ...], int]:
    bad = np.argwhere(~np.isfinite(arr))
    return tuple(int(i) for i in bad[0]), len(bad)


def _nonfinite_error(name: str, arr: npt.NDArray[Any], source: npt.NDArray[Any] | None = None) -> ValueError:
    """The ValueError for non-finite entries of ``arr`` (``source``: the array before conversion)."""
    where, count = _first_nonfinite(arr)
    index = ", ".join(map(str, where))
    more = f" (and {count - 1} more)" if count > 1 else ""
    if source is not None and source.shape == arr.shape and source.dtype != arr.dtype:
        original = source[where]
        with np.errstate(all="ignore"):
            finite_before = bool(np.isfinite(original)) if source.dtype.kind == "f" else True
        if finite_before:
            limit = np.finfo(arr.dtype).max
            return ValueError(f"{name}[{index}] = {_describe(original)} is too large for {arr.dtype} "
                              f"(largest finite value {limit:.4g}){more}; scale {name} or use a "
                              f"network with dtype='float64'")
        value = original
    else:
        value = arr[where]
    return ValueError(f"{name} contains NaN or infinity: {name}[{index}] = {_describe(value)}{more}; "
                      "remove or impute those values")


def _convert(arr: npt.NDArray[Any], dtype: np.dtype[Any], name: str) -> Floats:
    """``arr`` as a C-contiguous, aligned array of ``dtype`` with finite values (copied only if needed)."""
    if arr.dtype == dtype and arr.flags.c_contiguous and arr.flags.aligned:
        # Already as the kernels read it, the common case: skipping np.errstate and
        # np.require saves about 8 us, a thirtieth of a tiny network's epoch.
        out = arr
    else:
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, by name
            out = np.require(arr, dtype=dtype, requirements=["C_CONTIGUOUS", "ALIGNED"])
    if out.size and not _engine.all_finite(out.reshape(-1)):   # a view: out is C-contiguous
        raise _nonfinite_error(name, out, arr)
    return out


def as_features(X: npt.ArrayLike, n_features: int, dtype: np.dtype[Any], name: str = "X") -> Floats:
    """X as a C-contiguous (n_samples, n_features) array of ``dtype``, checked."""
    arr = _as_real_array(X, name)
    if arr.ndim != 2:
        hint = ""
        if arr.ndim == 1:
            hint = (f"; use {name}.reshape(1, -1) for one sample"
                    f" or {name}.reshape(-1, 1) for one feature")
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got {arr.ndim}-D "
                         f"with shape {arr.shape}{hint}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty: it has 0 samples (shape {arr.shape}); at least 1 is needed")
    if arr.shape[1] != n_features:
        raise ValueError(f"{name} has {arr.shape[1]} features but the network expects {n_features} "
                         f"({name} has shape {arr.shape})")
    return _convert(arr, dtype, name)


def _class_labels(arr: npt.NDArray[Any], n_samples: int, n_outputs: int, dtype: np.dtype[Any],
                  name: str) -> Floats:
    """One-hot rows for the class indices in ``arr`` (any real dtype), checked."""
    labels = arr.reshape(-1)
    kind = labels.dtype.kind
    if kind == "f":
        if not np.isfinite(labels).all():
            raise _nonfinite_error(name, labels)
        fractional = labels != np.floor(labels)
        if fractional.any():
            position = int(np.argmax(fractional))
            raise ValueError(f"{name} holds class labels for cross_entropy, which must be integers; "
                             f"got non-integer values such as {_describe(labels[position])} at "
                             f"position {position}")
    # Compared as they are (no cast first), so that a huge or negative label is
    # reported as it was given, whatever its dtype.
    bad = (labels < 0) | (labels >= n_outputs)
    if bad.any():
        position = int(np.argmax(bad))
        label = labels[position]
        shown = int(label) if kind in "biu" or abs(float(label)) < 2**53 else _describe(label)
        raise ValueError(f"{name} has class label {shown} at position {position} but the network has "
                         f"{n_outputs} outputs, so labels must lie in [0, {n_outputs - 1}]")
    onehot = np.zeros((n_samples, n_outputs), dtype=dtype)
    onehot[np.arange(n_samples), labels.astype(np.intp)] = 1
    return onehot


def as_targets(Y: npt.ArrayLike, n_samples: int, criterion: Any, n_outputs: int, dtype: np.dtype[Any],
               name: str = "Y") -> Floats:
    """Y as a C-contiguous (n_samples, n_outputs) array of ``dtype``, checked for ``criterion``.

    For cross-entropy, class indices (shape (n,) or (n, 1) with n_outputs > 1)
    are turned into one-hot rows. A 1-D Y is a column when n_outputs is 1.
    """
    arr = _as_real_array(Y, name)
    if arr.ndim == 0 or arr.ndim > 2:
        raise ValueError(f"{name} must be 1-D or 2-D (n_samples,) or (n_samples, n_outputs), "
                         f"got shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ValueError(f"X has {n_samples} samples but {name} has {arr.shape[0]} "
                         f"({name} has shape {arr.shape}); they must have the same number of rows")

    if criterion.name == "cross_entropy" and (arr.ndim == 1 or arr.shape[1] == 1):
        return _class_labels(arr, n_samples, n_outputs, dtype, name)

    if arr.ndim == 1:
        if n_outputs != 1:
            raise ValueError(f"{name} is 1-D but the network has {n_outputs} outputs; "
                             f"{name} must have shape ({n_samples}, {n_outputs})")
        arr = arr.reshape(-1, 1)
    if arr.shape[1] != n_outputs:
        raise ValueError(f"{name} has {arr.shape[1]} columns but the network has {n_outputs} outputs; "
                         f"{name} must have shape ({n_samples}, {n_outputs})")
    arr = _convert(arr, dtype, name)
    if criterion.name == "binary_cross_entropy" and ((arr < 0).any() or (arr > 1).any()):
        raise ValueError(f"{name} must lie in [0, 1] for binary_cross_entropy, got values in "
                         f"[{arr.min():g}, {arr.max():g}]")
    if criterion.name == "cross_entropy" and (arr < 0).any():
        raise ValueError(f"{name} rows are class probabilities for cross_entropy and must be >= 0, "
                         f"got {arr.min():g}")
    if criterion.name == "poisson" and (arr < 0).any():
        raise ValueError(f"{name} holds counts for poisson and must be >= 0, got {arr.min():g}")
    return arr


def _kernel_rule(optimizer: KernelOptimizer) -> tuple[int, str, int]:
    """``(kernel id, rule name, number of hyperparameters)`` of the kernel ``optimizer`` runs on."""
    kernel_id = optimizer.kernel_id
    # The layout is the kernels' own (HYPERPARAMETERS: the fields of their structs).
    layouts = _optimizer_kernels.HYPERPARAMETERS
    if isinstance(kernel_id, bool) or not isinstance(kernel_id, (int, np.integer)) or kernel_id not in layouts:
        rules = ", ".join(_optimizer_kernels.OptimizerId(i).name.lower() for i in layouts)
        raise TypeError(f"optimizer {type(optimizer).__name__} has no compiled update rule "
                        f"(kernel_id={kernel_id!r}); the compiled Network runs fastnet's own "
                        f"optimizers ({rules}) and subclasses that keep their update rule")
    kernel_id = int(kernel_id)
    return kernel_id, _optimizer_kernels.OptimizerId(kernel_id).name.lower(), len(layouts[kernel_id])


def optimizer_arrays(optimizer: KernelOptimizer, n_params: int,
                     dtype: np.dtype[Any]) -> tuple[npt.NDArray[np.float64], Floats]:
    """``(hyper, state)`` of a bound ``optimizer`` as the update kernels read them, checked.

    The kernels index ``hyper`` and ``state`` by the optimizer's kernel id
    without checks, so an optimizer whose state was reset, replaced or made
    for another network (a callback or another thread can do that between two
    epochs), or a subclass that changed ``hyper_vector()`` or has no kernel,
    must be caught here. Call it right before every nogil call that updates.
    The values of the hyperparameters were checked where they were set (the
    optimizer's constructor and ``lr`` setter); only their number and
    finiteness are checked here.
    """
    if not callable(getattr(optimizer, "hyper_vector", None)) or not hasattr(optimizer, "kernel_id"):
        raise TypeError(f"optimizer must be a fastnet.Optimizer, got {type(optimizer).__name__}")
    kernel_id, rule, n_hyper = _kernel_rule(optimizer)
    try:
        hyper = np.array(optimizer.hyper_vector(), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"optimizer.hyper_vector() must give {n_hyper} real numbers for the {rule} "
                        f"rule ({exc})") from None
    if hyper.shape != (n_hyper,):
        raise ValueError(f"optimizer.hyper_vector() must give {n_hyper} numbers for the {rule} rule, "
                         f"got shape {hyper.shape}")
    if not np.isfinite(hyper).all():
        raise ValueError(f"optimizer hyperparameters must be finite, got {hyper.tolist()} "
                         f"(hyper_vector() of {optimizer!r})")
    t = optimizer.t
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
        raise ValueError(f"optimizer.t (the number of steps taken) must be an integer >= 0, got {t!r}")
    state = optimizer.state
    # The rows the kernel will read, by the kernel's own rule for these hyperparameters.
    n_state = _optimizer_kernels.n_state_rows(kernel_id, hyper)
    if isinstance(state, np.ndarray) and state.ndim == 2 and state.shape[0] != n_state:
        raise ValueError(f"optimizer.state has {state.shape[0]} rows but the {rule} rule with these "
                         f"hyperparameters uses {n_state}: momentum, amsgrad or centered changed after "
                         "the state was made (call optimizer.reset() to start afresh)")
    expected = (n_state, n_params)
    if not isinstance(state, np.ndarray):
        raise ValueError(f"optimizer.state must be an array of shape {expected}, got "
                         f"{type(state).__name__}; it was reset or replaced (bind the optimizer again)")
    if (state.shape != expected or state.dtype != dtype or not state.flags.c_contiguous
            or not state.flags.aligned or not state.flags.writeable):
        raise ValueError(f"optimizer.state must be a writeable C-contiguous {np.dtype(dtype).name} array "
                         f"of shape {expected}, got {state.dtype} {state.shape}; it belongs to another "
                         "network or was replaced (call optimizer.reset() to start afresh)")
    return hyper, state


class OptimizerArrays:
    """:func:`optimizer_arrays` for one ``fit``, called before every epoch.

    The full checks cost about 10 us, which is a tenth of a small network's
    epoch (and is Python, holding the GIL, so it also limits how well two
    threads training two networks scale). Between two epochs usually nothing
    the kernels read changes, so when the optimizer, its kernel id, its
    hyperparameters and its state array (the same object, with the same shape,
    strides, dtype and writeability) are as they were at the last full check,
    the checked arrays are returned again; anything else is checked in full.
    """

    __slots__ = ("n_params", "dtype", "_key", "_arrays")

    def __init__(self, n_params: int, dtype: np.dtype[Any]) -> None:
        self.n_params, self.dtype = n_params, dtype
        self._key: tuple[Any, ...] | None = None
        self._arrays: tuple[npt.NDArray[np.float64], Floats] | None = None

    def __call__(self, optimizer: KernelOptimizer) -> tuple[npt.NDArray[np.float64], Floats]:
        state, t = optimizer.state, optimizer.t
        try:
            # ids are safe: the last checked state is held in self._arrays, and
            # the optimizer by the caller, so neither id can be reused meanwhile.
            key = (id(optimizer), optimizer.kernel_id, list(optimizer.hyper_vector()), id(state),
                   state.shape, state.strides, state.dtype, state.flags.writeable)
            same = key == self._key and type(t) is int and t >= 0
        except Exception:   # anything odd: the full checks say what is wrong
            key, same = None, False
        if not same or self._arrays is None:
            self._arrays = optimizer_arrays(optimizer, self.n_params, self.dtype)
            self._key = key
        return self._arrays


#: Bytes in a cache line (x86-64 and most ARM cores; Apple's M-series have 128,
#: where two 64-byte halves can still be shared: a cost, never a wrong number).
CACHE_LINE = 64


def exclusive_empty(shape: int | tuple[int, ...], dtype: npt.DTypeLike, zeros: bool = False) -> npt.NDArray[Any]:
    """An uninitialised C-contiguous array whose cache lines hold nothing else.

    The buffers the kernels write at every batch (parameters, gradients,
    workspace, optimizer state) are small for small networks, and malloc puts
    small blocks side by side: in the bench's 2-thread setup, one network's
    gradients and the other's parameters were seen sharing a 64-byte line (2
    of 5 tries on the small workload), so every write on one core evicts the
    line from the other (false sharing). Here the data starts on a line
    boundary and the lines it touches lie inside this allocation alone.
    ``zeros``: zero-filled, by calloc (pages of a large buffer are only
    touched when written, as with ``np.zeros``).
    """
    dtype = np.dtype(dtype)
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = (np.zeros if zeros else np.empty)(nbytes + 2 * CACHE_LINE, dtype=np.uint8)
    start = -raw.ctypes.data % CACHE_LINE
    return raw[start:start + nbytes].view(dtype).reshape(shape)


def exclusive_zeros(shape: int | tuple[int, ...], dtype: npt.DTypeLike) -> npt.NDArray[Any]:
    """:func:`exclusive_empty`, zero-filled."""
    return exclusive_empty(shape, dtype, zeros=True)


_NO_WEIGHTS: dict[np.dtype[Any], Floats] = {}


def no_weights(dtype: np.dtype[Any]) -> Floats:
    """The empty weights array the kernels read as "unweighted" (one per dtype, reused)."""
    if dtype not in _NO_WEIGHTS:
        _NO_WEIGHTS[dtype] = np.empty(0, dtype=dtype)
    return _NO_WEIGHTS[dtype]


def as_sample_weight(sample_weight: npt.ArrayLike | None, n_samples: int, dtype: np.dtype[Any],
                     name: str = "sample_weight") -> Floats:
    """sample_weight as a C-contiguous (n_samples,) array of ``dtype``, or the empty array for None.

    Weights must be finite and >= 0 with a positive sum: the loss is the
    weighted mean ``sum w_i l_i / sum w_i``.
    """
    if sample_weight is None:
        return no_weights(dtype)
    arr = _as_real_array(sample_weight, name)
    if arr.ndim != 1 or arr.shape[0] != n_samples:
        raise ValueError(f"{name} must have shape ({n_samples},), one weight per sample, got shape {arr.shape}")
    arr = _convert(arr, dtype, name)
    negative = arr < 0
    if negative.any():
        position = int(np.argmax(negative))
        raise ValueError(f"{name} must be >= 0, got {name}[{position}] = {_describe(arr[position])}")
    if not arr.sum(dtype=np.float64) > 0:  # in double: float32 weights near 3e38 must not overflow the check
        raise ValueError(f"{name} must have a positive sum, got all zeros")
    return arr
