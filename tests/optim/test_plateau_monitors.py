"""ReduceLROnPlateau watching any figure fit records (issue 21; ModelCheckpoint's: tests/train/test_callbacks.py): the metrics of
``fit(metrics=[...])`` and their ``val_`` twins, ``mode="auto"`` taking each one's direction from
``fastnet.METRICS`` (fastnet/checks/monitor.py, fastnet/train/monitoring.py), and a monitor the fit
does not record refused before its first epoch."""

import numpy as np
import pytest

import fastnet
from fastnet.schedules import ReduceLROnPlateau, SequentialLR, StepLR
from fastnet.train.metrics import METRICS, Metric, resolve_metrics
from fastnet.train.monitoring import recorded_figures

BASE_LR = 0.1
RISING = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
FALLING = RISING[::-1]


def replay(schedule, key, series, base_lr=BASE_LR):
    """The rates ``schedule`` gives when the epochs record ``series`` as ``key`` (driven by hand)."""
    history, rates = fastnet.History(), []
    for epoch, value in enumerate(series):
        rates.append(schedule.lr(epoch, base_lr, history))
        history.append(epoch + 1, loss=1.0, **{key: value})
    return rates


def figures(loss, metrics, has_validation=True):
    chosen = resolve_metrics(metrics, loss, 3)
    return recorded_figures(chosen, chosen if has_validation else None)


def blobs(n, seed):
    return fastnet.datasets.blobs(n, n_features=4, n_classes=3, seed=seed, dtype=np.float64)


def regression(n=96, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3 * rng.normal(size=(n, 1))


def test_each_metric_has_its_direction():
    assert {name: Metric(name).direction for name in METRICS} == {
        "accuracy": "max", "top_k_accuracy": "max", "r2": "max", "log_loss": "min", "mae": "min", "rmse": "min"}
    assert figures("cross_entropy", ["top_3_accuracy"]) == {
        "loss": "min", "top_3_accuracy": "max", "val_loss": "min", "val_top_3_accuracy": "max",
        "lr": None, "time": None}


MONITORED = [("cross_entropy", "val_accuracy", "max"), ("cross_entropy", "top_k_accuracy", "max"),
             ("cross_entropy", "val_log_loss", "min"), ("mse", "val_r2", "max"), ("mse", "r2", "max"),
             ("mse", "val_mae", "min"), ("mse", "rmse", "min"), ("mse", "val_loss", "min")]


@pytest.mark.parametrize("loss, monitor, direction", MONITORED)
def test_a_figure_improving_its_way_never_cuts_the_rate_and_one_worsening_does(loss, monitor, direction):
    metrics = ["accuracy", "top_k_accuracy", "log_loss"] if loss == "cross_entropy" else ["mae", "rmse", "r2"]
    improving, worsening = (RISING, FALLING) if direction == "max" else (FALLING, RISING)
    plateau = ReduceLROnPlateau(factor=0.5, patience=0, monitor=monitor)
    plateau.check_monitor(figures(loss, metrics))   # what fit does before its first epoch
    assert replay(plateau, monitor, improving) == [BASE_LR] * 7
    assert replay(plateau, monitor, worsening) == [BASE_LR * 0.5 ** max(0, e - 1) for e in range(7)]


def test_mode_min_or_max_overrides_the_direction():
    plateau = ReduceLROnPlateau(factor=0.5, patience=0, mode="min", monitor="val_accuracy")
    plateau.check_monitor(figures("cross_entropy", ["accuracy"]))
    assert replay(plateau, "val_accuracy", RISING)[-1] == BASE_LR * 0.5 ** 5


def test_by_hand_mode_auto_needs_the_direction_fit_gives():
    # Outside fit the schedule knows only the losses' direction, and says so rather than guess.
    with pytest.raises(ValueError, match=r"ReduceLROnPlateau\(monitor='val_accuracy'\): 'val_accuracy' is neither "
                                         r"better smaller nor larger; pass mode='min' or mode='max'"):
        replay(ReduceLROnPlateau(monitor="val_accuracy"), "val_accuracy", RISING)
    assert replay(ReduceLROnPlateau(factor=0.5, patience=0, mode="max", monitor="val_accuracy"),
                  "val_accuracy", RISING) == [BASE_LR] * 7


def test_in_fit_a_monitored_val_accuracy_is_maximised():
    (X, y), (Xv, yv) = blobs(90, 0), blobs(60, 5)
    kw = dict(factor=0.5, patience=1)
    plateau = ReduceLROnPlateau(monitor="val_accuracy", **kw)
    net = fastnet.Network.mlp([4, 8, 3], loss="cross_entropy", dtype="float64", seed=1)
    h = net.fit(X, y, optimizer=fastnet.SGD(lr=0.05), epochs=14, batch_size=8, validation_data=(Xv, yv),
                lr_schedule=plateau)
    as_max = replay(ReduceLROnPlateau(mode="max", monitor="val_accuracy", **kw), "val_accuracy", h.val_accuracy, 0.05)
    as_min = replay(ReduceLROnPlateau(mode="min", monitor="val_accuracy", **kw), "val_accuracy", h.val_accuracy, 0.05)
    assert h.lr == as_max and as_max != as_min   # the wrong direction would give other rates


def test_in_fit_a_training_r2_is_maximised_and_a_val_mae_minimised():
    X, Y = regression()
    kw = dict(factor=0.5, patience=0, threshold=0.05)
    for monitor, mode in [("r2", "max"), ("val_mae", "min")]:
        net = fastnet.Network.mlp([3, 8, 1], dtype="float64", seed=1)
        h = net.fit(X, Y, optimizer=fastnet.SGD(lr=0.05), epochs=10, batch_size=8, metrics=["r2", "mae"],
                    validation_split=0.25, lr_schedule=ReduceLROnPlateau(monitor=monitor, **kw))
        series = getattr(h, monitor)
        right = replay(ReduceLROnPlateau(mode=mode, monitor=monitor, **kw), monitor, series, 0.05)
        wrong = replay(ReduceLROnPlateau(mode="max" if mode == "min" else "min", monitor=monitor, **kw), monitor,
                       series, 0.05)
        assert h.lr == right and right != wrong, monitor


@pytest.mark.parametrize("options, monitor, message", [
    (dict(metrics=["r2"]), "val_r2",
     r"ReduceLROnPlateau\(monitor='val_r2'\) watches 'val_r2', which this fit does not record: it records 'loss', "
     r"'r2', 'lr', 'time' \(val_\* figures need validation_data or validation_split\)"),
    (dict(validation_split=0.25), "mae",
     r"watches 'mae', which this fit does not record: it records 'loss', 'val_loss', 'lr', 'time' \(a metric is "
     r"recorded when fit\(metrics=\[...\]\) names it: fastnet.METRICS\)"),
    (dict(metrics=["mae"], validation_split=0.25), "val_accuracy",
     r"watches 'val_accuracy', which this fit does not record: it records 'loss', 'mae', 'val_loss', 'val_mae'"),
    (dict(), "val_lose", r"watches 'val_lose', which this fit does not record: it records 'loss', 'lr', 'time'"),
    (dict(), "lr", r"'lr' is neither better smaller nor larger; pass mode='min' or mode='max'"),
])
def test_a_monitor_the_fit_does_not_record_is_refused_before_the_first_epoch(options, monitor, message):
    X, Y = regression()
    net = fastnet.Network.mlp([3, 8, 1], dtype="float64", seed=1)
    start = net.params.copy()
    for schedule in (ReduceLROnPlateau(monitor=monitor), SequentialLR([StepLR(2), ReduceLROnPlateau(monitor=monitor)],
                                                                      milestones=[3])):
        with pytest.raises(ValueError, match=message):
            net.fit(X, Y, optimizer=fastnet.SGD(lr=0.05), epochs=5, lr_schedule=schedule, **options)
        np.testing.assert_array_equal(net.params, start)   # nothing trained
        assert net._optimizer is None


def test_each_fit_resolves_the_monitor_again():
    X, Y = regression()
    plateau = ReduceLROnPlateau(factor=0.5, patience=0)   # "auto": val_loss, then loss
    net = fastnet.Network.mlp([3, 8, 1], dtype="float64", seed=1)
    net.fit(X, Y, optimizer=fastnet.SGD(lr=0.05), epochs=2, validation_split=0.25, lr_schedule=plateau)
    assert plateau._told == ("val_loss", "min")
    net.fit(X, Y, epochs=2, lr_schedule=plateau)
    assert plateau._told == ("loss", "min")

