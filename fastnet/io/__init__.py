"""Models in and out of files: fastnet's own ``.npz`` model file (:func:`save`, :func:`load`).

The file format itself lives beside the class it stores, in
:mod:`fastnet.nn.archive` (``Network.save`` writes it too); this package is
where the conversions to and from other formats go.
"""

from .npz import FORMAT_VERSION, load, save

__all__ = ["save", "load", "FORMAT_VERSION"]
