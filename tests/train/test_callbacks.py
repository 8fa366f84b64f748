"""fastnet.ModelCheckpoint and fastnet.CSVLogger (fastnet/train/callbacks.py), and the callback protocol of fit."""

import csv
import math
import os

import numpy as np
import pytest

import fastnet
from fastnet.train.callbacks import Callback
from fastnet.train.metrics import resolve_metrics
from fastnet.train.monitoring import recorded_figures


def classification(n=120, seed=0):
    return fastnet.datasets.blobs(n, n_features=4, n_classes=3, seed=seed, dtype=np.float64)


def net64(seed=1):
    return fastnet.Network.mlp([4, 8, 3], loss="cross_entropy", dtype="float64", seed=seed)


def noisy_fit_arguments():
    """A fit whose validation loss goes up and down: SGD with a large rate on little data."""
    X, y = classification(60)
    Xv, yv = classification(40, seed=5)
    return (X, y), dict(optimizer=fastnet.SGD(lr=0.8), epochs=12, batch_size=4, seed=3, validation_data=(Xv, yv))


class ParamsPerEpoch:
    """A plain callable: the parameters after every epoch."""

    def __init__(self, net):
        self.net, self.params = net, {}

    def __call__(self, epoch, logs):
        self.params[epoch] = self.net.params.copy()


def running_best(values, better):
    """The epochs (from 1) whose value is strictly better than every one before."""
    epochs, best = [], None
    for epoch, value in enumerate(values, start=1):
        if best is None or better(value, best):
            epochs.append(epoch)
            best = value
    return epochs


# ---------------------------------------------------------------------------
# The protocol
# ---------------------------------------------------------------------------

def test_set_network_is_called_before_the_first_epoch_of_every_fit():
    events = []

    class Recorder:
        def set_network(self, net):
            events.append(("set_network", net, len(events)))

        def __call__(self, epoch, logs):
            events.append(("epoch", epoch))

    X, y = classification()
    net = net64()
    plain = []
    net.fit(X, y, epochs=2, callbacks=[Recorder(), lambda epoch, logs: plain.append(epoch)])
    net.fit(X, y, epochs=1, callbacks=[Recorder()])
    assert events == [("set_network", net, 0), ("epoch", 1), ("epoch", 2), ("set_network", net, 3), ("epoch", 1)]
    assert plain == [1, 2]   # a plain callable works as before


def test_a_callback_that_raises_leaves_the_last_completed_epoch():
    X, y = classification()

    def fail_after_three(epoch, logs):
        if epoch == 3:
            raise RuntimeError("stop here")

    net = net64()
    with pytest.raises(RuntimeError, match="stop here"):
        net.fit(X, y, optimizer=fastnet.Adam(lr=0.05), epochs=10, batch_size=16, validation_data=(X, y),
                early_stopping=1, callbacks=[fail_after_three])
    same = net64()
    same.fit(X, y, optimizer=fastnet.Adam(lr=0.05), epochs=3, batch_size=16)
    np.testing.assert_array_equal(net.params, same.params)   # epoch 3's, not the best's nor a half epoch's
    assert net._optimizer.t == same._optimizer.t == 3 * 8
    net.fit(X, y, epochs=1)   # and it trains on


def test_callback_base_keeps_the_network_and_is_abstract():
    with pytest.raises(TypeError):
        Callback()
    checkpoint = fastnet.ModelCheckpoint("m.npz")
    with pytest.raises(RuntimeError, match="ModelCheckpoint has no network.*set_network"):
        checkpoint(1, {"val_loss": 1.0})


def figures_of(loss, metrics):
    """What a fit with validation data records, for a network with ``loss``: train/monitoring.py's table."""
    chosen = resolve_metrics(metrics, loss, 3)
    return recorded_figures(chosen, chosen)


CLASSIFICATION = figures_of("cross_entropy", ["accuracy", "top_k_accuracy", "log_loss"])
REGRESSION = figures_of("mse", ["mae", "rmse", "r2"])


@pytest.mark.parametrize("figures, monitor, mode, expected", [
    (CLASSIFICATION, "val_loss", "auto", "min"), (CLASSIFICATION, "loss", "auto", "min"),
    (CLASSIFICATION, "val_accuracy", "auto", "max"), (CLASSIFICATION, "accuracy", "auto", "max"),
    (CLASSIFICATION, "val_top_k_accuracy", "auto", "max"), (CLASSIFICATION, "val_log_loss", "auto", "min"),
    (REGRESSION, "val_mae", "auto", "min"), (REGRESSION, "rmse", "auto", "min"), (REGRESSION, "val_r2", "auto", "max"),
    (CLASSIFICATION, "val_accuracy", "min", "min"), (CLASSIFICATION, "val_loss", "max", "max"),
    (CLASSIFICATION, "lr", "min", "min"),
])
def test_mode_auto_takes_the_direction_of_the_monitored_figure(figures, monitor, mode, expected):
    # Keras 3's rule: each metric's own direction (fastnet.METRICS), not a guess from its name ("r2" is a max).
    checkpoint = fastnet.ModelCheckpoint("m.npz", monitor=monitor, mode=mode)
    assert checkpoint.mode == mode   # resolved when a fit starts
    checkpoint.check_monitor(figures)
    assert checkpoint.mode == expected and checkpoint.best == (math.inf if expected == "min" else -math.inf)


def test_mode_auto_on_a_figure_without_a_direction_is_refused():
    with pytest.raises(ValueError, match=r"ModelCheckpoint\(monitor='lr'\): 'lr' is neither better smaller nor "
                                         r"larger; pass mode='min' or mode='max'"):
        fastnet.ModelCheckpoint("m.npz", monitor="lr").check_monitor(CLASSIFICATION)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"mode": "best"}, ValueError, r"ModelCheckpoint: mode must be 'auto', 'min' or 'max', got 'best'"),
    ({"monitor": 3}, TypeError, r"monitor must be the name of a logged figure.*got 3"),
    ({"monitor": ""}, TypeError, r"monitor must be the name"),
    ({"save_best_only": "yes"}, TypeError, r"save_best_only"),
    ({"path": "ckpt-{epoch"}, ValueError, r"not a valid format string"),
    ({"path": 3.5}, TypeError, r"path must be a str or os.PathLike, got float"),
])
def test_model_checkpoint_checks_its_arguments(kwargs, error, match):
    kwargs = {"path": "m.npz", **kwargs}
    with pytest.raises(error, match=match):
        fastnet.ModelCheckpoint(**kwargs)


# ---------------------------------------------------------------------------
# ModelCheckpoint
# ---------------------------------------------------------------------------

def test_checkpoint_keeps_the_epoch_with_the_lowest_val_loss(tmp_path):
    (X, y), kwargs = noisy_fit_arguments()
    net = net64()
    params = ParamsPerEpoch(net)
    best = fastnet.ModelCheckpoint(tmp_path / "best.npz")
    each = fastnet.ModelCheckpoint(tmp_path / "ckpt-{epoch:02d}-{val_loss:.4f}.npz")
    h = net.fit(X, y, callbacks=[params, best, each], **kwargs)

    improving = running_best(h.val_loss, lambda a, b: a < b)
    assert len(improving) < len(h), "the validation loss should not fall every epoch here"
    best_epoch = int(np.argmin(h.val_loss)) + 1
    assert best.best == min(h.val_loss) and best.last_path == str(tmp_path / "best.npz")
    np.testing.assert_array_equal(fastnet.load(tmp_path / "best.npz").params, params.params[best_epoch])
    # One file per improvement, named by Keras's format fields.
    expected = sorted(f"ckpt-{e:02d}-{h.val_loss[e - 1]:.4f}.npz" for e in improving)
    assert sorted(name for name in os.listdir(tmp_path) if name.startswith("ckpt")) == expected
    for e in improving:
        saved = fastnet.load(tmp_path / f"ckpt-{e:02d}-{h.val_loss[e - 1]:.4f}.npz")
        np.testing.assert_array_equal(saved.params, params.params[e])


def test_checkpoint_on_accuracy_keeps_the_highest(tmp_path):
    (X, y), kwargs = noisy_fit_arguments()
    net = net64()
    params = ParamsPerEpoch(net)
    checkpoint = fastnet.ModelCheckpoint(tmp_path / "acc-{epoch}.npz", monitor="val_accuracy")
    h = net.fit(X, y, callbacks=[params, checkpoint], **kwargs)
    improving = running_best(h.val_accuracy, lambda a, b: a > b)
    assert sorted(os.listdir(tmp_path)) == sorted(f"acc-{e}.npz" for e in improving)
    assert checkpoint.best == max(h.val_accuracy)
    first_best = h.val_accuracy.index(max(h.val_accuracy)) + 1   # a tie is no improvement
    assert improving[-1] == first_best


def test_checkpoint_of_every_epoch_resumes_exactly(tmp_path):
    X, y = classification()
    net = net64()
    checkpoint = fastnet.ModelCheckpoint(tmp_path / "last", save_best_only=False)
    net.fit(X, y, optimizer=fastnet.Adam(lr=0.01), epochs=3, batch_size=16, callbacks=[checkpoint])
    assert os.listdir(tmp_path) == ["last.npz"] and checkpoint.last_path == str(tmp_path / "last.npz")
    resumed = fastnet.load(tmp_path / "last")
    np.testing.assert_array_equal(resumed.params, net.params)
    net.fit(X, y, epochs=2, batch_size=16)
    resumed.fit(X, y, epochs=2, batch_size=16)   # the optimizer's state was saved with it
    np.testing.assert_array_equal(resumed.params, net.params)


def test_checkpoint_without_the_optimizer(tmp_path):
    X, y = classification()
    net = net64()
    net.fit(X, y, optimizer=fastnet.Adam(lr=0.01), epochs=1,
            callbacks=[fastnet.ModelCheckpoint(tmp_path / "m", monitor="loss", include_optimizer=False)])
    with np.load(tmp_path / "m.npz") as archive:
        assert "optimizer_state" not in archive.files


def test_best_value_carries_over_to_the_next_fit(tmp_path):
    X, y = classification()
    checkpoint = fastnet.ModelCheckpoint(tmp_path / "m-{epoch}.npz", monitor="loss")
    net = net64()
    h1 = net.fit(X, y, optimizer=fastnet.SGD(lr=0.1), epochs=3, callbacks=[checkpoint])
    first = set(os.listdir(tmp_path))
    assert first == {"m-1.npz", "m-2.npz", "m-3.npz"}   # the full-batch training loss falls every epoch
    worse = net64(seed=7)   # a fresh network: its loss is far above the first one's best
    h2 = worse.fit(X, y, optimizer=fastnet.SGD(lr=1e-4), epochs=2, callbacks=[checkpoint])
    assert min(h2.loss) > min(h1.loss)
    assert set(os.listdir(tmp_path)) == first and checkpoint.best == min(h1.loss)


def test_a_monitor_missing_from_the_logs_names_the_keys_there_are(tmp_path):
    X, y = classification()
    net = net64()
    start = net.params.copy()
    with pytest.raises(ValueError, match=r"ModelCheckpoint\(monitor='val_loss'\) watches 'val_loss', which this "
                                         r"fit does not record: it records 'loss', 'lr', 'time' \(val_\* figures "
                                         r"need validation_data or validation_split\)"):
        net.fit(X, y, epochs=5, callbacks=[fastnet.ModelCheckpoint(tmp_path / "m.npz")])
    np.testing.assert_array_equal(net.params, start)   # refused before the first epoch: nothing trained
    assert net._optimizer is None and os.listdir(tmp_path) == []
    with pytest.raises(ValueError, match=r"monitor='val_los'\) watches 'val_los'.* it records 'loss', 'val_loss', "
                                         r"'val_accuracy', 'lr', 'time'"):
        net.fit(X, y, epochs=1, validation_split=0.2,
                callbacks=[fastnet.ModelCheckpoint(tmp_path / "m.npz", monitor="val_los")])
    with pytest.raises(ValueError, match=r"monitor='val_mae'\) watches 'val_mae'.* it records 'loss', 'log_loss', "
                                         r"'val_loss', 'val_log_loss', 'lr', 'time' \(a metric is recorded when "
                                         r"fit\(metrics=\[...\]\) names it"):
        net.fit(X, y, epochs=1, validation_split=0.2, metrics=["log_loss"],
                callbacks=[fastnet.ModelCheckpoint(tmp_path / "m.npz", monitor="val_mae")])
    np.testing.assert_array_equal(net.params, start)


def test_a_checkpoint_called_by_hand_resolves_from_the_logs(tmp_path):
    checkpoint = fastnet.ModelCheckpoint(tmp_path / "m.npz", monitor="loss")
    checkpoint.set_network(net64())
    checkpoint(1, {"loss": 2.0, "lr": 0.1})
    checkpoint(2, {"loss": 3.0, "lr": 0.1})   # worse: not saved
    assert checkpoint.mode == "min" and checkpoint.best == 2.0 and os.listdir(tmp_path) == ["m.npz"]
    with pytest.raises(ValueError, match=r"'val_accuracy' is neither better smaller nor larger; pass mode="):
        other = fastnet.ModelCheckpoint(tmp_path / "a.npz", monitor="val_accuracy")
        other.set_network(net64())
        other(1, {"val_accuracy": 0.5})   # no fit told it that an accuracy is better larger


def test_a_path_naming_a_missing_figure(tmp_path):
    X, y = classification()
    with pytest.raises(ValueError, match=r"path '.*ckpt-\{val_accuracy\}\.npz' names 'val_accuracy', not in "
                                         r"the logs of this epoch, which hold 'epoch', 'loss', 'lr', 'time'"):
        net64().fit(X, y, epochs=1, callbacks=[
            fastnet.ModelCheckpoint(str(tmp_path / "ckpt-{val_accuracy}.npz"), monitor="loss")])


def test_a_missing_directory_fails_before_the_first_epoch(tmp_path):
    X, y = classification()
    net = net64()
    before = net.params.copy()
    with pytest.raises(FileNotFoundError, match=r"ModelCheckpoint: cannot write .*the directory .*no.* does not "
                                                r"exist"):
        net.fit(X, y, epochs=3, callbacks=[fastnet.ModelCheckpoint(tmp_path / "no" / "m.npz", monitor="loss")])
    np.testing.assert_array_equal(net.params, before)
    assert net._optimizer is None


# ---------------------------------------------------------------------------
# CSVLogger
# ---------------------------------------------------------------------------

def read_rows(path, separator=","):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f, delimiter=separator))


def test_csv_logger_writes_the_history_exactly(tmp_path):
    (X, y), kwargs = noisy_fit_arguments()
    path = tmp_path / "log.csv"
    h = net64().fit(X, y, callbacks=[fastnet.CSVLogger(path)], **kwargs)
    header, *rows = read_rows(path)
    assert header == ["epoch", "loss", "lr", "time", "val_accuracy", "val_loss"]   # Keras's: sorted
    assert [int(row[0]) for row in rows] == h.epoch == list(range(1, 13))
    for column, key in enumerate(header[1:], start=1):
        assert [float(row[column]) for row in rows] == getattr(h, key)   # repr: exact


def test_csv_logger_separator_and_append(tmp_path):
    X, y = classification()
    path = tmp_path / "log.tsv"
    logger = fastnet.CSVLogger(path, separator="\t", append=True)
    net = net64()
    h1 = net.fit(X, y, epochs=3, callbacks=[logger])
    h2 = net.fit(X, y, epochs=2, callbacks=[logger])
    header, *rows = read_rows(path, "\t")
    assert header == ["epoch", "loss", "lr", "time"]
    assert [row[0] for row in rows] == ["1", "2", "3", "1", "2"]
    assert [float(row[1]) for row in rows] == h1.loss + h2.loss
    # Appending to a file with other columns is refused, and leaves it as it was.
    before = path.read_bytes()
    with pytest.raises(ValueError, match=r"has the columns \['epoch', 'loss', 'lr', 'time'\], but this fit "
                                         r"logs \['epoch', 'loss', 'lr', 'time', 'val_accuracy', 'val_loss'\]"):
        net.fit(X, y, epochs=1, validation_split=0.2, callbacks=[fastnet.CSVLogger(path, "\t", append=True)])
    assert path.read_bytes() == before


def test_csv_logger_starts_afresh_each_fit_without_append(tmp_path):
    X, y = classification()
    path = tmp_path / "log.csv"
    path.write_text("old,contents\n1,2\n")
    logger = fastnet.CSVLogger(path)
    net = net64()
    net.fit(X, y, epochs=3, callbacks=[logger])
    h = net.fit(X, y, epochs=2, callbacks=[logger])
    header, *rows = read_rows(path)
    assert header[0] == "epoch" and [row[0] for row in rows] == ["1", "2"]
    assert [float(row[1]) for row in rows] == h.loss


def test_csv_logger_rows_survive_an_error(tmp_path):
    X, y = classification()
    path = tmp_path / "log.csv"

    def fail_after_two(epoch, logs):
        if epoch == 2:
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        net64().fit(X, y, epochs=5, callbacks=[fastnet.CSVLogger(path), fail_after_two])
    assert [row[0] for row in read_rows(path)] == ["epoch", "1", "2"]


def test_csv_logger_outside_fit_and_missing_figures(tmp_path):
    path = tmp_path / "log.csv"
    logger = fastnet.CSVLogger(path)
    logger(1, {"loss": 0.5, "val_loss": 0.25})
    logger(2, {"loss": 0.125})
    assert read_rows(path) == [["epoch", "loss", "val_loss"], ["1", "0.5", "0.25"], ["2", "0.125", "NA"]]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"separator": ";;"}, ValueError, r"separator must be one character.*got ';;'"),
    ({"separator": '"'}, ValueError, r"separator must be one character"),
    ({"separator": 0}, ValueError, r"separator must be one character.*got 0"),
    ({"append": 1.5}, TypeError, r"append"),
])
def test_csv_logger_checks_its_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        fastnet.CSVLogger("log.csv", **kwargs)


def test_csv_logger_missing_directory_fails_before_training(tmp_path):
    X, y = classification()
    net = net64()
    before = net.params.copy()
    with pytest.raises(FileNotFoundError, match="CSVLogger: cannot write"):
        net.fit(X, y, epochs=2, callbacks=[fastnet.CSVLogger(tmp_path / "no" / "log.csv")])
    np.testing.assert_array_equal(net.params, before)


def test_a_failed_checkpoint_keeps_the_best_value_of_the_file_there_is(tmp_path):
    class FullDisk:
        def save(self, path, include_optimizer):
            raise OSError(28, "No space left on device")

    checkpoint = fastnet.ModelCheckpoint(tmp_path / "m.npz")
    checkpoint.set_network(FullDisk())
    with pytest.raises(OSError, match="No space"):
        checkpoint(1, {"val_loss": 0.5})
    assert checkpoint.best == float("inf") and checkpoint.last_path is None
    checkpoint.set_network(net64())
    checkpoint(2, {"val_loss": 0.75})   # better than nothing saved: saved
    assert checkpoint.best == 0.75 and os.path.exists(tmp_path / "m.npz")


def test_a_checkpoint_of_val_r2_keeps_the_largest(tmp_path):
    # mode="auto" on R²: larger is better (METRICS), so each epoch that raises val_r2 is saved
    rng = np.random.default_rng(0)
    X = rng.normal(size=(96, 3))
    Y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3 * rng.normal(size=(96, 1))
    net = fastnet.Network.mlp([3, 8, 1], dtype="float64", seed=1)
    checkpoint = fastnet.ModelCheckpoint(tmp_path / "r2-{epoch}", monitor="val_r2")
    h = net.fit(X, Y, optimizer=fastnet.SGD(lr=0.05), epochs=8, batch_size=8, metrics=["r2"],
                validation_split=0.25, callbacks=[checkpoint])
    assert checkpoint.mode == "max" and checkpoint.best == max(h.val_r2)
    larger = running_best(h.val_r2, lambda value, best: value > best)
    assert sorted(os.listdir(tmp_path)) == sorted(f"r2-{e}.npz" for e in larger)
    assert larger != running_best(h.val_r2, lambda value, best: value < best)   # so that the direction shows
