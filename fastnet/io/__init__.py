"""Models in and out of files: fastnet's own ``.npz`` model file (:func:`save`, :func:`load`), ONNX, PyTorch
and scikit-learn.

The file format itself lives beside the class it stores, in
:mod:`fastnet.nn.archive` (``Network.save`` writes it too); this package is
where the conversions to and from other formats go. Each converter module
registers itself in :mod:`fastnet.nn.conversions` when imported here, which
is how ``Network.to_onnx``, ``Network.from_torch`` and the others find it.
"""

from .npz import FORMAT_VERSION, load, save
from .onnx import to_onnx  # registers the exporter Network.to_onnx calls (fastnet.nn.conversions)
from .sklearn import from_sklearn  # registers the importer of Network.from_sklearn
from .torch import from_torch, to_torch  # registers Network.from_torch and Network.to_torch

__all__ = ["save", "load", "FORMAT_VERSION", "to_onnx", "from_torch", "to_torch", "from_sklearn"]
