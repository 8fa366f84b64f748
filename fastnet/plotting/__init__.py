"""Plots of training, as the seed texts draw them (optional: needs matplotlib)."""

from .figures import plot_history, plot_learning_rates, plot_loss_surface

__all__ = ["plot_history", "plot_learning_rates", "plot_loss_surface"]
