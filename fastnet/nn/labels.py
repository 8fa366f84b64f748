"""String class labels for the cross-entropies: ``fit`` learns them, ``predict_classes`` gives them back.

The classes are the distinct labels sorted as ``numpy.unique`` sorts them
(scikit-learn's LabelEncoder does the same): class ``i`` is output ``i`` for
cross_entropy, and for binary_cross_entropy (one output) the first class is 0
and the second 1. The network keeps them (``net.classes``; the model file and
pickles too), so that later data is encoded the same way; a label it has not
seen is an error. Numeric labels keep their meaning: class indices.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from .network import Network

__all__ = ["encode", "learning", "predict_classes", "as_classes"]


def _text_labels(Y: Any, name: str) -> npt.NDArray[np.str_] | None:
    """``Y`` as an array of str when it holds strings, None when it holds anything else."""
    if isinstance(Y, np.ndarray) and Y.dtype.kind in "biuf":
        return None
    try:
        arr = np.asarray(Y)
    except (ValueError, TypeError):
        return None   # ragged: the array checks say so
    if arr.dtype.kind in "US":
        return arr.astype(str)
    if arr.dtype.kind != "O" or arr.size == 0:
        return None
    types = {type(v) for v in arr.reshape(-1)}
    if all(issubclass(t, str) for t in types):
        return arr.astype(str)
    if any(issubclass(t, str) for t in types):
        raise TypeError(f"{name} mixes label types ({', '.join(sorted(t.__name__ for t in types))}); "
                        "class labels must be all strings or all numbers")
    return None


def _check_count(net: Network, classes: npt.NDArray[np.str_], name: str) -> None:
    loss, k = net.criterion.name, net.n_outputs
    if loss == "cross_entropy" and len(classes) != k:
        raise ValueError(f"{name} has {len(classes)} distinct labels {classes.tolist()[:10]} but the network has "
                         f"{k} outputs; cross_entropy needs one output per class")
    if loss == "binary_cross_entropy" and (k != 1 or len(classes) != 2):
        raise ValueError(f"{name} has {len(classes)} distinct labels {classes.tolist()[:10]}; string labels for "
                         f"binary_cross_entropy need one output and two classes (the network has {k} outputs)")


def _labels_of(net: Network, Y: Any, name: str) -> npt.NDArray[np.str_] | None:
    if not net.criterion.is_classification:
        return None   # the array checks refuse text for the other losses ("must hold numbers")
    text = _text_labels(Y, name)
    if text is not None and text.ndim != 1 and not (text.ndim == 2 and text.shape[1] == 1):
        raise ValueError(f"{name} holds string labels and must be 1-D (n_samples,), got shape {text.shape}")
    return None if text is None else text.reshape(-1)


def encode(net: Network, Y: Any, name: str = "Y") -> Any:
    """Y with its string labels replaced by class indices (net.classes'); other Y unchanged."""
    text = _labels_of(net, Y, name)
    if text is None:
        return Y
    classes = net.classes
    if classes is None:
        raise ValueError(f"{name} holds string labels, but the network has no classes yet: fit it on "
                         "string labels first (that sets net.classes)")
    unseen = np.setdiff1d(text, classes)
    if unseen.size:
        raise ValueError(f"{name} has labels {unseen.tolist()[:10]} that the network was not trained on; "
                         f"its classes are {classes.tolist()}")
    index = np.searchsorted(classes, text)
    return index if net.criterion.name == "cross_entropy" else index.astype(np.float64)


_NO_LABELS: AbstractContextManager[None] = nullcontext()


def learning(net: Network, Y: Any) -> AbstractContextManager[None]:
    """During ``fit``: the classes of string labels in Y (np.unique's order), kept if training started."""
    if not net.criterion.is_classification or net.classes is not None:
        return _NO_LABELS   # nothing to learn: the common case costs no generator (fit's fixed cost)
    return _learning(net, Y)


@contextmanager
def _learning(net: Network, Y: Any) -> Iterator[None]:
    text = _labels_of(net, Y, "Y")
    if text is None or net.classes is not None:
        yield
        return
    classes = np.unique(text)
    _check_count(net, classes, "Y")
    previous, optimizer, t = net.classes, net._optimizer, getattr(net._optimizer, "t", None)
    net.classes = classes
    try:
        yield
    except BaseException:
        # Arguments refused before any epoch (fit takes its optimizer after its checks): nothing changed.
        if net._optimizer is optimizer and getattr(net._optimizer, "t", None) == t:
            net.classes = previous
        raise


def predict_classes(net: Network, X: npt.ArrayLike) -> npt.NDArray[Any]:
    """The most probable class of each row: a label of net.classes, or the class index without them."""
    if not net.criterion.is_classification:
        raise TypeError(f"predict_classes needs a classification loss (cross_entropy or binary_cross_entropy); "
                        f"the network's loss is {net.criterion.name!r}: use predict")
    p = net.predict(X)
    if net.criterion.name == "cross_entropy":
        index = p.argmax(axis=1)
    else:
        index = (p >= 0.5).astype(np.intp)
        if p.shape[1] == 1:
            index = index[:, 0]
    result: npt.NDArray[Any] = index if net.classes is None else net.classes[index]
    return result


def as_classes(value: Any, where: str) -> npt.NDArray[np.str_] | None:
    """Saved classes (a list of str, or None) back as the array ``net.classes`` holds."""
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: classes must be a non-empty list of strings, got {value!r}")
    classes = np.array(value, dtype=str)
    if not np.array_equal(classes, np.unique(classes)):
        raise ValueError(f"{where}: classes must be distinct and sorted, got {value!r}")
    return classes
