"""Models in and out of files: fastnet's own ``.npz`` model file (:func:`save`, :func:`load`), and ONNX.

The file format itself lives beside the class it stores, in
:mod:`fastnet.nn.archive` (``Network.save`` writes it too); this package is
where the conversions to and from other formats go.
"""

from .npz import FORMAT_VERSION, load, save
from .onnx import to_onnx  # registers the exporter Network.to_onnx calls (fastnet.nn.conversions)

__all__ = ["save", "load", "FORMAT_VERSION", "to_onnx"]
