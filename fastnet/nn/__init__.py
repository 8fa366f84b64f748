"""What a network is: its layers, its activations and losses (the one list of
each), and :class:`Network` (the flat parameter buffer, predict, loss,
backward, fit, and its model file), and the one list of weight initialisers."""

from .activations import ACTIVATIONS, Activation
from .init import INITIALIZERS
from .layers import Dense, Dropout
from .losses import LOSSES, Loss
from .network import Network

__all__ = ["ACTIVATIONS", "Activation", "INITIALIZERS", "LOSSES", "Loss", "Dense", "Dropout", "Network"]
