"""Turning user data into checked lists of float rows, with errors that say what is wrong.

Private helpers of :mod:`fastnet.reference.network`. Everything here is input
checking; none of it is part of the math.
"""

import math
import numbers

__all__ = ["as_rows", "as_targets", "as_flat"]


def _is_number(value):
    return isinstance(value, numbers.Real)


def _is_row(value):
    return not isinstance(value, (str, bytes)) and hasattr(value, "__iter__") and hasattr(value, "__len__")


def _as_list(name, data, what):
    if isinstance(data, (str, bytes)) or not hasattr(data, "__len__"):
        raise TypeError(f"{name} must be {what}, got {type(data).__name__}")
    return list(data)


def _real(name, value, where):
    if isinstance(value, bool) or not _is_number(value):
        raise TypeError(f"{name} must hold real numbers, got {type(value).__name__} {value!r} at {where}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} contains a non-finite value ({value!r}) at {where}")
    return value


def as_rows(name, data, n_cols=None, what_cols="features", expected_by="the network"):
    """``data`` as a non-empty list of equally long lists of finite floats.

    ``n_cols``: the number of columns required (None: any, but the same in every row).
    """
    rows = _as_list(name, data, "a sequence of rows (2-D)")
    if not rows:
        raise ValueError(f"{name} is empty; it needs at least one row")
    if not _is_row(rows[0]):
        raise TypeError(f"{name} must be 2-D (a sequence of rows), got a sequence of "
                        f"{type(rows[0]).__name__}; for one column write [[v] for v in {name}]")
    width = len(rows[0])
    out = []
    for r, row in enumerate(rows):
        if not _is_row(row):
            raise TypeError(f"{name} must be a sequence of rows, but {name}[{r}] is {type(row).__name__} {row!r}")
        if len(row) != width:
            raise ValueError(f"{name} is ragged: row 0 has {width} values but row {r} has {len(row)}")
        out.append([_real(name, v, f"row {r}, column {c}") for c, v in enumerate(row)])
    if width == 0:
        raise ValueError(f"{name} has rows with no values")
    if n_cols is not None and width != n_cols:
        raise ValueError(f"{name} has {width} {what_cols} but {expected_by} expects {n_cols}")
    return out


def _one_hot(labels, k):
    rows = []
    for r, c in enumerate(labels):
        if isinstance(c, bool) or not _is_number(c):
            raise TypeError(f"Y must hold integer class labels, got {type(c).__name__} {c!r} at position {r}")
        if not (math.isfinite(c) and float(c).is_integer()):
            raise ValueError(f"Y holds class labels, which must be integers; got {c!r} at position {r}")
        c = int(c)
        if not 0 <= c < k:
            raise ValueError(f"class label {c} at position {r} is out of range: "
                             f"the network has {k} outputs, so labels must be in 0..{k - 1}")
        rows.append([1.0 if j == c else 0.0 for j in range(k)])
    return rows


def as_targets(Y, n_rows, loss, n_outputs):
    """Targets as n_rows lists of n_outputs floats, checked against the loss.

    Accepted: rows of ``n_outputs`` numbers; for one output a flat sequence of
    numbers (a column); for cross_entropy integer class labels, flat or as a
    column of one-number rows (as the compiled Network takes them).
    """
    entries = _as_list("Y", Y, "a sequence of targets")
    if len(entries) != n_rows:
        raise ValueError(f"X has {n_rows} samples but Y has {len(entries)}; they must match")
    flat = [_is_number(e) for e in entries]
    if (loss.name == "cross_entropy" and entries and not any(flat) and all(_is_row(e) and len(e) == 1 for e in entries)
            and all(_is_number(list(e)[0]) for e in entries)):
        # A column of class labels, shape (n, 1), as the compiled Network accepts it.
        entries = [list(e)[0] for e in entries]
        flat = [True] * len(entries)
    if any(flat) and not all(flat):
        raise TypeError("Y mixes numbers and rows; give either one row per sample or one number per sample")
    if all(flat) and loss.name == "cross_entropy":
        Y = _one_hot(entries, n_outputs)
    elif all(flat):
        if n_outputs != 1:
            raise ValueError(f"Y has 1 value per sample (a flat sequence) but the network has "
                             f"{n_outputs} outputs; give Y as rows of {n_outputs} values")
        Y = as_rows("Y", [[e] for e in entries])
    else:
        Y = as_rows("Y", entries, n_outputs, what_cols="columns", expected_by="the network's output layer")
    if loss.name == "binary_cross_entropy":
        for r, row in enumerate(Y):
            for c, y in enumerate(row):
                if not 0.0 <= y <= 1.0:
                    raise ValueError(f"binary_cross_entropy targets must lie in [0, 1], got {y!r} "
                                     f"at row {r}, column {c}")
    return Y


def as_flat(name, values, n):
    """``values`` as a list of exactly ``n`` floats (any sequence, numpy arrays included)."""
    values = _as_list(name, values, f"a sequence of {n} numbers")
    if len(values) != n:
        raise ValueError(f"{name} must have {n} entries (the network's parameter count), got {len(values)}")
    for i, v in enumerate(values):
        if isinstance(v, bool) or not _is_number(v):
            raise TypeError(f"{name} must hold real numbers, got {type(v).__name__} {v!r} at position {i}")
    return [float(v) for v in values]


def as_weights(sample_weight, n):
    """Per-sample weights: None, or n finite numbers >= 0 with a positive sum."""
    if sample_weight is None:
        return None
    weights = _as_list("sample_weight", sample_weight, f"a sequence of {n} numbers")
    if len(weights) != n:
        raise ValueError(f"sample_weight must have one weight per sample ({n}), got {len(weights)}")
    weights = [_real("sample_weight", w, f"position {i}") for i, w in enumerate(weights)]
    if any(w < 0 for w in weights):
        raise ValueError(f"sample_weight must be >= 0, got {min(weights)!r}")
    if not sum(weights) > 0:
        raise ValueError("sample_weight must have a positive sum, got all zeros")
    return weights
