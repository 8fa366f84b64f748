"""fastnet.OptunaPruningCallback (fastnet/train/pruning.py) in a real Optuna study."""

import sys

import numpy as np
import pytest

import fastnet

GOOD_LR, BAD_LR = 1e-2, 1e-6
EPOCHS = 12
WARMUP = 3   # MedianPruner's n_warmup_steps: steps below it never prune


def data():
    X, y = fastnet.datasets.blobs(210, n_features=4, n_classes=3, seed=0, dtype=np.float64)
    return X[:150], y[:150], (X[150:], y[150:])


def network():
    return fastnet.Network.mlp([4, 16, 3], loss="cross_entropy", dtype="float64", seed=2)


def test_bad_learning_rates_are_pruned_and_the_reports_are_the_history():
    optuna = pytest.importorskip("optuna")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    X, y, validation = data()
    nets, histories = {}, {}

    def objective(trial):
        lr = trial.suggest_float("lr", 1e-7, 1.0, log=True)
        net = nets[trial.number] = network()
        history = net.fit(X, y, optimizer=fastnet.Adam(lr=lr), epochs=EPOCHS, batch_size=16,
                          validation_data=validation, callbacks=[fastnet.OptunaPruningCallback(trial)])
        histories[trial.number] = history
        return history.val_loss[-1]

    study = optuna.create_study(direction="minimize",
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=WARMUP))
    rates = [GOOD_LR, GOOD_LR, BAD_LR, GOOD_LR, BAD_LR, BAD_LR, GOOD_LR]
    for lr in rates:
        study.enqueue_trial({"lr": lr})
    study.optimize(objective, n_trials=len(rates))

    pruned = [t.number for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    complete = [t.number for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert pruned, "no trial was pruned"
    assert pruned == [n for n, lr in enumerate(rates) if lr == BAD_LR]
    assert complete == [n for n, lr in enumerate(rates) if lr == GOOD_LR]

    for trial in study.trials:
        reported = [trial.intermediate_values[step] for step in sorted(trial.intermediate_values)]
        assert sorted(trial.intermediate_values) == list(range(1, len(reported) + 1))   # steps are epochs
        if trial.state == optuna.trial.TrialState.COMPLETE:
            assert reported == histories[trial.number].val_loss and len(reported) == EPOCHS
            continue
        # Pruned at the first step past the warm-up (epoch 3), where the bad rate has not moved the loss.
        assert len(reported) == WARMUP and trial.number not in histories
        same = network()
        history = same.fit(X, y, optimizer=fastnet.Adam(lr=trial.params["lr"]), epochs=len(reported),
                           batch_size=16, validation_data=validation)
        assert reported == history.val_loss
        # The pruned fit left its network at the last completed epoch, as a Keras user expects.
        np.testing.assert_array_equal(nets[trial.number].params, same.params)


def test_a_pruning_callback_reports_the_monitored_figure_and_raises_trial_pruned():
    optuna = pytest.importorskip("optuna")

    class Trial:   # what the callback calls of a trial, to see each call
        number = 7

        def __init__(self, prune_at):
            self.prune_at, self.reports = prune_at, []

        def report(self, value, step):
            self.reports.append((step, value))

        def should_prune(self):
            return len(self.reports) == self.prune_at

    X, y, validation = data()
    trial = Trial(prune_at=2)
    net = network()
    with pytest.raises(optuna.TrialPruned, match=r"trial 7 pruned at epoch 2 \(loss="):
        net.fit(X, y, epochs=5, callbacks=[fastnet.OptunaPruningCallback(trial, monitor="loss")])
    twice = network()
    h = twice.fit(X, y, epochs=2)
    assert trial.reports == [(1, h.loss[0]), (2, h.loss[1])]
    np.testing.assert_array_equal(net.params, twice.params)

    unfit = network()
    start = unfit.params.copy()
    with pytest.raises(ValueError, match=r"OptunaPruningCallback\(monitor='val_loss'\) watches 'val_loss', which "
                                         r"this fit does not record: it records 'loss', 'lr', 'time'"):
        unfit.fit(X, y, epochs=1, callbacks=[fastnet.OptunaPruningCallback(Trial(prune_at=0))])
    np.testing.assert_array_equal(unfit.params, start)   # before the first epoch
    with pytest.raises(TypeError, match=r"trial must be an optuna.trial.Trial .*got str"):
        fastnet.OptunaPruningCallback("trial")
    with pytest.raises(TypeError, match=r"monitor must be the name of a logged figure"):
        fastnet.OptunaPruningCallback(Trial(0), monitor=None)


def test_without_optuna_the_callback_imports_and_fails_when_made(monkeypatch):
    monkeypatch.setitem(sys.modules, "optuna", None)   # import optuna now raises ImportError
    from fastnet.train.pruning import OptunaPruningCallback

    assert fastnet.OptunaPruningCallback is OptunaPruningCallback
    with pytest.raises(ImportError, match=r"OptunaPruningCallback needs optuna, which is not installed: "
                                          r"pip install 'fastnet\[optuna\]'"):
        OptunaPruningCallback(object())
