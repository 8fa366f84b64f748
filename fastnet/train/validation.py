"""Which rows ``fit(validation_split=...)`` holds out.

By default a random draw, stratified for the classification losses (each
class keeps its share of the rows in both parts), as scikit-learn's
``train_test_split(stratify=y)`` and its estimators' ``early_stopping`` do:
data sorted by class (``fastnet.datasets.two_spirals`` returns its rows so)
would otherwise validate on one class alone. ``shuffle=False`` keeps Keras's
rule, the last rows.

The draw has its own SplitMix64 stream, started at the network's seed xor
:data:`VALIDATION_SEED_XOR` (docs/MATH.md "The validation split"): it never
advances the shuffle generator, so a seed's epoch shuffles are what they were;
and it depends only on the network's seed, the number of rows and the targets,
so that every ``fit`` of a network on the same data holds out the same rows
(continued training never trains on what it validated on).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["VALIDATION_SEED_XOR", "hard_classes", "split_keys", "validation_rows"]

#: The split's stream starts at ``seed ^ VALIDATION_SEED_XOR``: the next 64 bits of
#: pi's hexadecimal digits after the shuffle's constant (0x243F6A8885A308D3) and
#: dropout's (0x13198A2E03707344), so the three streams never coincide.
VALIDATION_SEED_XOR = 0xA4093822299F31D0

_GAMMA = np.uint64(0x9E3779B97F4A7C15)


def split_keys(seed: int, n: int) -> npt.NDArray[np.uint64]:
    """The first ``n`` SplitMix64 outputs from ``seed ^ VALIDATION_SEED_XOR``, one random key per row.

    SplitMix64's k-th output is a function of ``seed + k * gamma`` alone, so all
    are computed at once (uint64 arithmetic wraps mod 2**64, as the generator's does).
    The mix is a bijection and the states are distinct: no two keys are equal.
    """
    with np.errstate(over="ignore"):
        z = np.uint64(seed ^ VALIDATION_SEED_XOR) + np.arange(1, n + 1, dtype=np.uint64) * _GAMMA
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _allocation(counts: npt.NDArray[np.intp], n_val: int, tie_keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """How many of each class's ``counts`` rows to hold out: ``n_val`` in all, in proportion.

    Each class gets the floor of its quota ``n_val * count / n``; the rows left go
    to the largest remainders (Hamilton's method), ties broken by ``tie_keys``.
    Integer arithmetic: the quotas are exact.
    """
    n = int(counts.sum())
    share, remainder = np.divmod(counts * n_val, n)
    left = n_val - int(share.sum())
    # The largest remainder first; among equal remainders, the smallest key.
    ranked = np.lexsort((tie_keys, -remainder))
    share[ranked[:left]] += 1
    return share


def validation_rows(n: int, n_val: int, seed: int, *, shuffle: bool,
                    classes: npt.NDArray[np.intp] | None) -> npt.NDArray[np.bool_]:
    """A mask of the ``n_val`` validation rows among ``n``.

    ``shuffle=False``: the last ``n_val``. Else the rows with the smallest keys
    (:func:`split_keys`), within each class of ``classes`` (a class index per row)
    as many as :func:`_allocation` gives it, or overall when ``classes`` is None.
    """
    held = np.zeros(n, dtype=bool)
    if not shuffle:
        held[n - n_val:] = True
        return held
    keys = split_keys(seed, n)
    if classes is None:
        held[np.argsort(keys)[:n_val]] = True
        return held
    by_class = np.lexsort((keys, classes))   # rows by class, each class by key
    counts = np.bincount(classes)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    present = counts > 0
    share = np.zeros_like(counts)
    share[present] = _allocation(counts[present], n_val, keys[by_class[starts[present]]])
    for start, k in zip(starts[present], share[present]):
        held[by_class[start:start + k]] = True
    return held


def hard_classes(Y: npt.NDArray[np.floating]) -> npt.NDArray[np.intp]:
    """A class index per row of classification targets: rows of equal hard labels (``Y >= 0.5``) share one.

    For class indices (made one-hot rows) and 0/1 targets this is the class; for
    several binary labels, each combination is a class (as scikit-learn stratifies
    a 2-D ``y``).
    """
    _, inverse = np.unique(Y >= 0.5, axis=0, return_inverse=True)
    return np.asarray(inverse, dtype=np.intp).reshape(-1)
