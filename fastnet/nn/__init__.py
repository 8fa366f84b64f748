"""What a network is: its layers, its activations and losses (the one list of
each), and :class:`Network` (the flat parameter buffer, predict, loss,
backward, fit, and its model file), the one list of weight initialisers, and
:class:`CustomLoss`, the base of a loss written in NumPy."""

from .activations import ACTIVATIONS, Activation
from .custom_loss import CustomLoss
from .init import INITIALIZERS
from .layers import Dense, Dropout
from .losses import LOSSES, Loss
from .network import Network

__all__ = ["ACTIVATIONS", "Activation", "INITIALIZERS", "LOSSES", "Loss", "CustomLoss",
           "Dense", "Dropout", "Network"]
