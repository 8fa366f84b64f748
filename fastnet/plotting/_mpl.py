"""matplotlib, imported once for the whole subpackage, with a message saying how to install it.

matplotlib is an optional dependency (the ``plot`` extra). Every module here
takes it from this one, and ``fastnet/plotting/__init__.py`` imports it first,
so that ``import fastnet.plotting`` without matplotlib fails with this message
and nothing else of fastnet is affected.
"""

try:
    from matplotlib.axes import Axes
    from matplotlib.colors import ListedColormap, LogNorm
    from matplotlib.figure import Figure, SubFigure
    from matplotlib.lines import Line2D
except ImportError as exc:  # pragma: no cover - exercised only without matplotlib
    raise ImportError("fastnet.plotting needs matplotlib: pip install matplotlib (or fastnet[plot])") from exc

__all__ = ["Axes", "Figure", "Line2D", "ListedColormap", "LogNorm", "SubFigure"]
