"""Checks of scalar arguments, shared by every public entry point.

Pure Python (no NumPy), so that :mod:`fastnet.reference` can use it too. Each
check raises with a message that names the argument, what was expected and
what was given.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, Literal, overload

__all__ = ["check_real", "check_int", "check_bool", "check_choice", "check_seed", "check_dtype_name"]


def check_real(name: str, value: object, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a finite float, checked against an interval.

    ``low_open=True`` excludes ``low`` itself (``lr > 0``); likewise ``high_open``.
    """
    # The common case first (a plain float inside the interval): fit checks a
    # handful of these on every call, and its whole fixed cost is a few us.
    if (type(value) is float and math.isfinite(value) and (low is None or value > low or (value == low and not low_open))
            and (high is None or value < high or (value == high and not high_open))):
        return value
    value = _unwrap_scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {_show(value)}")
    try:
        value = float(value)
    except OverflowError:  # an int beyond the float range
        raise ValueError(f"{name} must be finite, got {_show(value)}, which is too large for a float") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low}, got {value!r}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must be {'<' if high_open else '<='} {high}, got {value!r}")
    return value


@overload
def check_int(name: str, value: object, *, low: int | None = None, high: int | None = None,
              allow_none: Literal[False] = False) -> int: ...
@overload
def check_int(name: str, value: object, *, low: int | None = None, high: int | None = None,
              allow_none: bool) -> int | None: ...
def check_int(name: str, value: object, *, low: int | None = None, high: int | None = None,
              allow_none: bool = False) -> int | None:
    """Return ``value`` as an int (bools and floats rejected), checked against ``[low, high]``."""
    if value is None and allow_none:
        return None
    if type(value) is int and (low is None or value >= low) and (high is None or value <= high):
        return value   # the common case, without the generic checks below
    value = _unwrap_scalar(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {_show(value)}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {_show(value)}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {_show(value)}")
    return value


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` as a bool: True, False, NumPy's np.True_ / np.False_, or the integers 0 and 1."""
    if value is True or value is False:
        return value
    value = _unwrap_scalar(value)
    if _is_numpy_bool(value):
        return bool(value)
    if not isinstance(value, (bool, numbers.Integral)) or value not in (0, 1):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {_show(value)}")
    return bool(value)


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (strings), else raise listing them."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {', '.join(map(repr, choices))}; "
                        f"got {type(value).__name__} {_show(value)}")
    if value not in choices:
        raise ValueError(f"unknown {name} {_show(value)}; expected one of {', '.join(map(repr, choices))}")
    return value


def check_seed(seed: object, name: str = "seed") -> int:
    """A seed for SplitMix64: an integer in [0, 2**64)."""
    seed = _unwrap_scalar(seed)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) < 2**64:
        raise ValueError(f"{name} must be an integer in [0, 2**64), got {_show(seed)}")
    return int(seed)


def check_dtype_name(dtype: object) -> str:
    """``"float32"`` or ``"float64"``, from that string or an object so named (NumPy's dtypes and
    scalar types, recognised without importing NumPy); the message is that of
    :func:`fastnet.checks.arrays.as_dtype`, which the compiled network uses."""
    name = dtype
    if not isinstance(dtype, str):
        name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None)
    if isinstance(name, str) and name in ("float32", "float64"):
        return name
    raise ValueError(f"dtype must be 'float32' or 'float64', got {_show(dtype)}")


def _is_numpy_bool(value: object) -> bool:
    """NumPy's bool scalar (np.True_), recognised without importing NumPy."""
    dtype = getattr(value, "dtype", None)
    return getattr(dtype, "kind", None) == "b" and getattr(value, "shape", None) == ()


def _unwrap_scalar(value: Any) -> Any:
    """A 0-d NumPy array as the scalar it holds (``np.array(0.1)`` -> 0.1); anything else as it is.

    NumPy scalars (np.float32(0.1), np.int64(5)) are already numbers.Real /
    numbers.Integral and pass through; a 0-d array (``np.array(0.1)``, what
    ``np.asarray`` of a scalar gives) is unwrapped to its scalar so that it gets
    the same checks. Arrays with elements are left alone (and rejected by the caller).
    """
    if type(value).__name__ == "ndarray" and getattr(value, "shape", None) == ():
        return value[()]
    return value


def _show(value: object) -> str:
    """``repr(value)`` for a message, shortened for huge integers (whose repr Python may even refuse,
    int_max_str_digits) and for long reprs."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and abs(int(value)) >= 10**30:
        return f"an integer of about 2**{int(value).bit_length()}"
    try:
        text = repr(value)
    except Exception:  # a repr that fails must not replace the error being reported
        return f"a {type(value).__name__}"
    return text if len(text) <= 200 else text[:200] + "..."
