"""
Pruning hopeless trials with Optuna
===================================

A search over the learning rate, as Keras, XGBoost and LightGBM users run it
with Optuna: each trial trains a network, and
:class:`fastnet.OptunaPruningCallback` reports the validation loss to the trial
after every epoch. Optuna's ``MedianPruner`` stops a trial whose loss at an
epoch is worse than the median of the earlier trials at that epoch, so the
learning rates far too small to learn anything in 30 epochs are abandoned
after a few, and the time goes to the promising ones.
"""

import numpy as np
import optuna
from matplotlib.figure import Figure

import fastnet as fn

X, y = fn.datasets.blobs(600, n_features=8, n_classes=3, spread=2.0, seed=0)


def objective(trial):
    lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    net = fn.Network.mlp([8, 32, 3], loss="cross_entropy", seed=0)
    history = net.fit(X, y, optimizer=fn.Adam(lr=lr), epochs=30, batch_size=32, validation_split=0.25,
                      callbacks=[fn.OptunaPruningCallback(trial, monitor="val_loss")])
    return history.val_loss[-1]


optuna.logging.set_verbosity(optuna.logging.WARNING)
study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=0),
                            pruner=optuna.pruners.MedianPruner(n_startup_trials=4, n_warmup_steps=3))
study.optimize(objective, n_trials=16)
pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
print(f"best lr {study.best_params['lr']:.3g} (validation loss {study.best_value:.3f}); "
      f"{len(pruned)} of {len(study.trials)} trials pruned")

# %%
# Each line is one trial's validation loss, epoch by epoch, coloured by its
# learning rate; a pruned trial's line ends where the pruner stopped it (x).

fig = Figure(figsize=(7.5, 4.5), layout="constrained")
ax = fig.add_subplot()
lrs = np.log10([t.params["lr"] for t in study.trials])
colours = fig.colorbar(ax.scatter([], [], c=[], cmap="viridis", vmin=lrs.min(), vmax=lrs.max()), ax=ax)
colours.set_label("log10 learning rate")
for trial, lr in zip(study.trials, lrs):
    steps = sorted(trial.intermediate_values)
    values = [trial.intermediate_values[s] for s in steps]
    colour = colours.cmap(colours.norm(lr))
    ax.plot(steps, values, color=colour, linewidth=1.5)
    if trial.state == optuna.trial.TrialState.PRUNED:
        ax.plot(steps[-1], values[-1], "x", color=colour, markersize=8)
ax.set_xlabel("epoch")
ax.set_ylabel("validation loss")
ax.set_yscale("log")
ax.set_title(f"16 trials, MedianPruner: {len(pruned)} pruned (x)")
ax.grid(True, alpha=0.3)
fig
