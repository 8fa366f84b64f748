"""
The loss surface and the optimizers' paths
==========================================

The loss over a plane through parameter space, around a trained network's
parameters, and the path SGD, SGD with momentum and Adam each take downhill
from the same starting point on that plane. The gradient on the plane is
the network's own backpropagation projected onto it, and each step is the
optimizer's compiled kernel.
"""

import fastnet as fn
from fastnet import plotting

X, y = fn.datasets.noisy_sine(300, noise=0.1, seed=1)
net = fn.Network.mlp([1, 16, 1], activation="tanh", loss="mse", seed=0)
net.fit(X, y, optimizer=fn.Adam(lr=0.01), epochs=100, batch_size=32)

# %%
# Start from a point away from the trained parameters, (0.8, 0.8) in the
# plane's coordinates, and let each optimizer take 60 full-batch steps.

fig = plotting.plot_loss_surface(net, X, y, optimizers=("sgd", "momentum", "adam"),
                                 start=(0.8, 0.8), steps=60, resolution=31, seed=0)
fig
