"""
Too small, good, too large: comparing learning rates
====================================================

The same classifier, from the same initial weights, trained by mini-batch
stochastic gradient descent with three learning rates: one too small (slow progress), a good
one, and one too large (the loss grows until the run diverges and its curve
stops, marked with a cross).
"""

import fastnet as fn
from fastnet import plotting

# 600 points in 8 dimensions, from 3 Gaussian blobs
X, y = fn.datasets.blobs(600, n_features=8, n_classes=3, seed=0)


def make_network():
    # the same seed every time: every run starts from the same weights
    return fn.Network.mlp([8, 32, 3], activation="relu", loss="cross_entropy", seed=0)


fig = plotting.plot_learning_rates(make_network, X, y, lrs=(0.001, 0.1, 5.0), optimizer="sgd",
                                   epochs=40, batch_size=32, title="three blobs, 8-32-3 relu, SGD, batch 32")
fig
