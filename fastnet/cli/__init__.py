"""The ``fastnet`` command (``python -m fastnet``): a thin entry point over the library."""

from .main import main

__all__ = ["main"]
