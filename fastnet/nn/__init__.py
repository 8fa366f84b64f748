"""What a network is: its layers, its activations and losses (the one list of
each), and :class:`Network` (the flat parameter buffer, predict, loss,
backward, fit, and its model file)."""

from .activations import ACTIVATIONS, Activation
from .layers import Dense
from .losses import LOSSES, Loss
from .network import Network

__all__ = ["ACTIVATIONS", "Activation", "LOSSES", "Loss", "Dense", "Network"]
