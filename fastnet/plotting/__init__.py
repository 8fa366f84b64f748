"""Plots of training, as the seed texts draw them (optional: needs matplotlib).

* :func:`plot_history` -- the loss curve: training and validation loss per
  epoch (and accuracy, when there is one, on a second axis).
* :func:`plot_learning_rates` -- the same network trained with a learning
  rate that is too small, a good one and one that is too large: slow
  progress, fast progress, divergence.
* :func:`plot_loss_surface` -- the loss over a plane through parameter space
  around the network's parameters, with the path each optimizer takes
  downhill from one starting point.
* :func:`plot_losses` -- each loss and its derivative against the output, for
  a target of 0 and 1 (MSE's ``2 (w - y)``, MAE's ``+-1``, cross-entropy's ``-1/w``).
* :func:`plot_decision_regions`, :func:`plot_regression_fit` -- what a
  trained network learned, over its data: a classifier's regions in the
  plane with the points, a regressor's curve through the samples.
* :func:`plot_activations` -- each activation and its derivative, and the
  vanishing gradient: the product of the derivatives through 1 to 10 layers.

Every function returns a :class:`matplotlib.figure.Figure` built with the
object API (no pyplot, no global state, safe in threads and on headless
machines); save it with ``fig.savefig("loss.png")``.

One module per picture: :mod:`.history`, :mod:`.rates`, :mod:`.loss_surface`
(its geometry in :mod:`.plane`), :mod:`.loss_functions` and
:mod:`.activation_functions` (their curves, from :mod:`fastnet.reference`, in
:mod:`.curves`); :mod:`._mpl` imports matplotlib for all of them.
"""

from . import _mpl  # noqa: F401  - first: without matplotlib, the error says how to install it
from .activation_functions import plot_activations
from .fits import plot_decision_regions, plot_regression_fit
from .history import plot_history
from .loss_functions import plot_losses
from .loss_surface import plot_loss_surface
from .rates import plot_learning_rates

__all__ = ["plot_decision_regions", "plot_regression_fit", "plot_history", "plot_learning_rates", "plot_loss_surface", "plot_losses", "plot_activations"]
