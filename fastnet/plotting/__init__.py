"""Plots of training, as the seed texts draw them (optional: needs matplotlib).

* :func:`plot_history` -- the loss curve: training and validation loss per
  epoch (and accuracy, when there is one, on a second axis).
* :func:`plot_learning_rates` -- the same network trained with a learning
  rate that is too small, a good one and one that is too large: slow
  progress, fast progress, divergence.
* :func:`plot_loss_surface` -- the loss over a plane through parameter space
  around the network's parameters, with the path each optimizer takes
  downhill from one starting point.

Every function returns a :class:`matplotlib.figure.Figure` built with the
object API (no pyplot, no global state, safe in threads and on headless
machines); save it with ``fig.savefig("loss.png")``.

One module per picture: :mod:`.history`, :mod:`.rates`, :mod:`.loss_surface`
(its geometry in :mod:`.plane`); :mod:`._mpl` imports matplotlib for all of them.
"""

from . import _mpl  # noqa: F401  - first: without matplotlib, the error says how to install it
from .history import plot_history
from .loss_surface import plot_loss_surface
from .rates import plot_learning_rates

__all__ = ["plot_history", "plot_learning_rates", "plot_loss_surface"]
