"""
A loss curve with validation and early stopping
===============================================

Train a classifier with many parameters on few rows (300 points of four
overlapping blobs in 32 dimensions), holding out 30 % of them to validate on.
``early_stopping=20`` stops once the validation loss has not improved for 20
epochs and restores the parameters of the best epoch, which
:func:`fastnet.plotting.plot_history` marks on the curve.
"""

import fastnet as fn
from fastnet import plotting

X, y = fn.datasets.blobs(300, n_features=32, n_classes=4, spread=3.0, seed=0)
net = fn.Network.mlp([32, 128, 4], activation="tanh", loss="cross_entropy", seed=0)
history = net.fit(X, y, optimizer=fn.Adam(lr=0.001), epochs=400, batch_size=16,
                  validation_split=0.3, early_stopping=20)
print(f"stopped after {len(history)} of 400 epochs (stopped early: {history.stopped_early}); "
      f"the parameters are those of epoch {history.best_epoch}")

# %%
# The training loss keeps falling towards zero; the validation loss stops
# following it, and creeps back up, once the network learns the training rows
# by heart instead of the blobs.

fig = plotting.plot_history(history, title="four blobs in 32 dimensions, 32-128-4 tanh, Adam 0.001")
fig
