"""fit's options: validation, early stopping, schedules, clipping, callbacks, progress, Ctrl-C."""

import math
import os
import signal
import threading

import numpy as np
import pytest

import fastnet
from fastnet.schedules import CosineAnnealingLR, ExponentialLR, ReduceLROnPlateau, StepLR


def regression(n=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    Y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(n, 1))
    return X, Y


def classification(n=90, seed=0):
    X, y = fastnet.datasets.blobs(n, n_features=4, n_classes=3, seed=seed, dtype=np.float64)
    return X, y


def net64(sizes=(3, 8, 1), **kw):
    return fastnet.Network.mlp(list(sizes), dtype="float64", seed=1, **kw)


# ---------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------

def test_validation_data_is_evaluated_every_epoch():
    X, y = classification()
    Xv, yv = classification(30, seed=1)
    net = net64((4, 8, 3), loss="cross_entropy")
    h = net.fit(X, y, optimizer=fastnet.Adam(lr=0.01), epochs=4, batch_size=16, validation_data=(Xv, yv))
    assert len(h.val_loss) == len(h.val_accuracy) == 4
    assert h.val_loss[-1] == pytest.approx(net.loss(Xv, yv), rel=1e-12)
    assert h.val_accuracy[-1] == pytest.approx(np.mean(net.predict(Xv).argmax(1) == yv))
    assert h.history.keys() >= {"loss", "val_loss", "val_accuracy", "lr", "time"}


def test_a_validation_loss_that_overflows_warns_once_and_is_recorded():
    X, Y = regression()
    net = fastnet.Network.mlp([3, 8, 1], activation="identity", dtype="float32", seed=1)
    Xv = np.full((4, 3), 3e38, dtype=np.float32)   # finite, but the outputs overflow float32
    with pytest.warns(RuntimeWarning, match=r"epoch 1: the validation loss is (inf|nan)") as record:
        h = net.fit(X, Y, epochs=3, validation_data=(Xv, np.zeros((4, 1))), early_stopping=5)
    assert len([w for w in record if "validation loss" in str(w.message)]) == 1
    assert len(h.val_loss) == 3 and not any(math.isfinite(v) for v in h.val_loss)
    assert all(math.isfinite(v) for v in h.loss) and h.best_epoch is None


def test_validation_split_without_shuffle_holds_out_the_last_rows():
    # Keras's rule, on request (tests/train/test_validation_split.py: the default random split).
    X, Y = regression(50)
    net = net64()
    h = net.fit(X, Y, epochs=2, validation_split=0.2, validation_shuffle=False)
    assert h.val_loss[-1] == pytest.approx(net.loss(X[-10:], Y[-10:]), rel=1e-12)
    # Trained on the first 40 rows only: the same as fitting them directly.
    other = net64()
    other.fit(X[:40], Y[:40], epochs=2)
    np.testing.assert_array_equal(net.params, other.params)


@pytest.mark.parametrize("kwargs,match", [
    ({"validation_split": 1.5}, "validation_split"),
    ({"validation_split": 0.001}, "validation_split"),
    ({"validation_data": (np.zeros((2, 3)), np.zeros((2, 1))), "validation_split": 0.2}, "not both"),
    ({"validation_data": np.zeros((2, 3))}, "pair"),
    ({"validation_data": (np.zeros((2, 4)), np.zeros((2, 1)))}, "4 features"),
    ({"early_stopping": -1}, "early_stopping"),
    ({"max_norm": 0.0}, "max_norm"),
    ({"callbacks": [3]}, "callables"),
    ({"progress": "loud"}, "progress"),
])
def test_bad_fit_options_get_clear_errors(kwargs, match):
    X, Y = regression(20)
    with pytest.raises((ValueError, TypeError), match=match):
        net64().fit(X, Y, epochs=1, **kwargs)


# ---------------------------------------------------------------------------
# Early stopping
# ---------------------------------------------------------------------------

def test_early_stopping_restores_the_best_epoch():
    X, Y = regression(64)
    # Validating against the negated targets: the better the fit, the worse
    # the validation loss, so the best epoch is the first.
    seen = {}
    net = net64()
    h = net.fit(X, Y, optimizer=fastnet.SGD(lr=0.05), epochs=50, batch_size=8,
                validation_data=(X, -Y), early_stopping=3,
                callbacks=[lambda epoch, logs: seen.__setitem__(epoch, net.params.copy())])
    assert h.stopped_early and len(h) == 1 + 3 + 1  # best, then patience 3 exceeded on the 4th
    best = int(np.argmin(h.val_loss)) + 1
    assert h.best_epoch == best == 1
    np.testing.assert_array_equal(net.params, seen[best])
    assert net.loss(X, -Y) == pytest.approx(min(h.val_loss), rel=1e-12)


def test_early_stopping_without_validation_watches_the_training_loss():
    X, Y = regression(64)
    h = net64().fit(X, Y, optimizer=fastnet.SGD(lr=1e-12), epochs=30, early_stopping=2, min_delta=1e-3)
    # With a tiny learning rate the loss cannot improve by min_delta.
    assert h.stopped_early and len(h) == 4


# ---------------------------------------------------------------------------
# Learning-rate schedules
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("schedule,expected", [
    (StepLR(2, gamma=0.5), [0.1, 0.1, 0.05, 0.05, 0.025]),
    (ExponentialLR(0.9), [0.1 * 0.9 ** e for e in range(5)]),
    (CosineAnnealingLR(4, eta_min=0.01), [0.01 + 0.09 * (1 + math.cos(math.pi * e / 4)) / 2 for e in range(4)] + [0.01]),
])
def test_schedules_set_the_learning_rate_of_each_epoch(schedule, expected):
    X, Y = regression()
    opt = fastnet.SGD(lr=0.1)
    h = net64().fit(X, Y, optimizer=opt, epochs=5, batch_size=16, lr_schedule=schedule)
    np.testing.assert_allclose(h.lr, expected, rtol=1e-12)
    assert opt.lr == 0.1  # the optimizer's own rate is untouched


def test_a_schedule_trains_as_if_the_rate_were_changed_by_hand():
    X, Y = regression()
    a, b = net64(), net64()
    a.fit(X, Y, optimizer=fastnet.SGD(lr=0.1, momentum=0.5), epochs=4, batch_size=16, lr_schedule=StepLR(2, 0.5))
    opt = fastnet.SGD(lr=0.1, momentum=0.5)
    b.fit(X, Y, optimizer=opt, epochs=2, batch_size=16)
    opt.lr = 0.05
    b.fit(X, Y, epochs=2, batch_size=16)
    np.testing.assert_array_equal(a.params, b.params)


@pytest.mark.parametrize("optimizer", [lambda: fastnet.SGD(lr=0.1, momentum=0.5),
                                       lambda: fastnet.Adam(lr=0.05, weight_decay=0.01),
                                       lambda: fastnet.RMSprop(lr=0.01, centered=True)],
                         ids=["sgd", "adam", "rmsprop"])
def test_a_schedule_never_changes_the_optimizer(monkeypatch, optimizer):
    # The scheduled rate goes into fit's own copy of the hyperparameters: the
    # user's optimizer keeps its lr during fit (as a callback sees it) and after,
    # and the parameters are those of training with the rate changed by hand.
    import fastnet.train.fit

    X, Y = regression()
    schedule = StepLR(1, 0.5)
    rates = [0.5 ** epoch * optimizer().lr for epoch in range(3)]
    by_hand, opt = net64(), optimizer()
    for lr in rates:
        opt.lr = lr
        by_hand.fit(X, Y, optimizer=opt, epochs=1, batch_size=16)

    real, handed = fastnet.train.fit._engine.train_epoch, []

    def recording(*args):
        handed.append((args[12], args[12].copy()))   # the hyper vector the kernel reads
        return real(*args)

    monkeypatch.setattr(fastnet.train.fit._engine, "train_epoch", recording)
    net, opt = net64(), optimizer()
    seen = []
    history = net.fit(X, Y, optimizer=opt, epochs=3, batch_size=16, lr_schedule=schedule,
                      callbacks=[lambda epoch, logs: seen.append(opt.lr)])
    assert seen == [optimizer().lr] * 3 and opt.lr == optimizer().lr
    assert opt.hyper_vector() == optimizer().hyper_vector()
    np.testing.assert_allclose(history.lr, rates, rtol=1e-15)
    lr_at = opt.hyper_names.index("lr")
    assert [values[lr_at] for _, values in handed] == history.lr
    assert all(hyper is handed[0][0] for hyper, _ in handed)   # one array, filled each epoch
    np.testing.assert_array_equal(net.params, by_hand.params)
    np.testing.assert_array_equal(opt.state, by_hand._optimizer.state)


def test_a_bad_learning_rate_is_refused_where_it_is_set():
    opt = fastnet.Adam(lr=0.01)
    for bad, match in [(0.0, r"lr must be > 0.0, got 0.0"), (-1, r"lr must be > 0.0, got -1.0"),
                       (float("nan"), "lr must be finite, got nan"), ("0.1", "lr must be a real number")]:
        with pytest.raises((ValueError, TypeError), match=match):
            opt.lr = bad
        assert opt.lr == 0.01
    with pytest.raises(ValueError, match=r"lr must be > 0.0, got 0.0"):
        fastnet.SGD(lr=0.0)


def test_a_bad_scheduled_learning_rate_is_refused_before_the_epoch():
    class Zero(fastnet.schedules.LRSchedule):
        def lr(self, epoch, base_lr, history):
            return 0.0 if epoch == 1 else base_lr

    X, Y = regression()
    net, one_epoch = net64(), net64()
    with pytest.raises(ValueError, match=r"lr from lr_schedule must be > 0.0, got 0.0"):
        net.fit(X, Y, optimizer=fastnet.SGD(lr=0.1), epochs=3, lr_schedule=Zero())
    one_epoch.fit(X, Y, optimizer=fastnet.SGD(lr=0.1), epochs=1)
    np.testing.assert_array_equal(net.params, one_epoch.params)   # the second epoch did not run


def test_reduce_on_plateau_cuts_the_rate_when_the_loss_stalls():
    X, Y = regression()
    h = net64().fit(X, Y, optimizer=fastnet.SGD(lr=1e-12), epochs=6,
                    lr_schedule=ReduceLROnPlateau(factor=0.5, patience=1, threshold=1.0, threshold_mode="abs",
                                                  eps=0.0))
    # No improvement of 1.0 ever: the first epoch sets the best, then every
    # second epoch without improvement halves the rate (eps=0: torch's default
    # 1e-8 would ignore cuts of a rate this small).
    np.testing.assert_allclose(h.lr, [1e-12, 1e-12, 1e-12, 5e-13, 5e-13, 2.5e-13])


# ---------------------------------------------------------------------------
# Gradient clipping
# ---------------------------------------------------------------------------

def test_clipping_scales_the_gradient_to_max_norm():
    X, Y = regression(32)
    Y = Y * 100  # a large gradient
    net = net64()
    start = net.params.copy()
    net.backward(X, Y)
    g = net.grads.copy()
    norm = np.linalg.norm(g)
    assert norm > 1.0
    net.fit(X, Y, optimizer=fastnet.SGD(lr=0.1), epochs=1, shuffle=False, max_norm=1.0)
    # One full-batch step with the clipped gradient g * max_norm / (norm + 1e-6), as torch does.
    np.testing.assert_allclose(net.params, start - 0.1 * g / (norm + 1e-6), rtol=1e-10, atol=1e-12)
    assert np.linalg.norm(net.params - start) <= 0.1 * 1.0 + 1e-12


def test_clipping_leaves_small_gradients_alone():
    X, Y = regression(32)
    a, b = net64(), net64()
    # SGD: its step is proportional to the gradient (Adam's barely depends on its scale: a wrong clip would hide)
    a.fit(X, Y, optimizer=fastnet.SGD(lr=0.01), epochs=2, batch_size=8, max_norm=1e6)
    b.fit(X, Y, optimizer=fastnet.SGD(lr=0.01), epochs=2, batch_size=8)
    np.testing.assert_array_equal(a.params, b.params)


# ---------------------------------------------------------------------------
# Callbacks, continued training
# ---------------------------------------------------------------------------

def test_a_callback_sees_each_epoch_and_can_stop_training():
    X, Y = regression()
    calls = []

    def stop_at_three(epoch, logs):
        calls.append((epoch, logs["loss"]))
        return epoch == 3

    h = net64().fit(X, Y, epochs=10, callbacks=[stop_at_three])
    assert [e for e, _ in calls] == [1, 2, 3] and len(h) == 3 and h.stopped_early
    assert [loss for _, loss in calls] == h.loss


def test_partial_fit_continues_and_reset_optimizer_starts_afresh():
    X, Y = regression()
    net = net64()
    opt = fastnet.Adam(lr=0.01)
    net.fit(X, Y, optimizer=opt, epochs=1, batch_size=16)
    net.partial_fit(X, Y, batch_size=16)
    assert opt.t == 8  # Adam's moments were not reset
    moments = opt.state.copy()
    net.fit(X, Y, epochs=1, batch_size=16, reset_optimizer=True)
    assert opt.t == 4 and not np.array_equal(opt.state, moments)


def test_one_optimizer_cannot_silently_serve_two_networks():
    X, Y = regression()
    opt = fastnet.Adam()
    first = net64()
    first.fit(X, Y, optimizer=opt)
    with pytest.raises(ValueError, match="another network"):
        net64().fit(X, Y, optimizer=opt)
    del first  # once the first network is gone, the optimizer may serve another
    net64().fit(X, Y, optimizer=opt)


# ---------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------

def test_progress_log_is_throttled_but_shows_the_last_epoch(capsys):
    X, Y = regression(16)
    net64().fit(X, Y, epochs=500, progress="log")
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith("epoch 500/500: loss=")
    assert len(lines) < 50  # microsecond epochs: a few lines, not 500


def test_progress_is_off_by_default(capsys):
    X, Y = regression(16)
    net64().fit(X, Y, epochs=3)
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""


# ---------------------------------------------------------------------------
# Faults: divergence and Ctrl-C
# ---------------------------------------------------------------------------

def test_divergence_names_the_epoch_and_suggests_a_lower_rate():
    X, Y = regression(32)
    net = net64()
    with pytest.raises(fastnet.TrainingDivergedError, match=r"epoch \d+.*lower learning rate \(lr=100\)"):
        net.fit(X, Y * 1e3, optimizer=fastnet.SGD(lr=100.0), epochs=100, batch_size=4)
    assert np.isfinite(net.params).all()


# The rollback copy: fit(rollback=False) keeps none and checks every batch's gradient.

def gradient_overflow(dtype):
    """A 1-1 linear network and 4 rows whose second batch (rows 2-3) has a finite loss but a
    gradient that overflows: its input is half the dtype's largest value and W = 0."""
    big = np.finfo(dtype).max / 2
    X = np.array([[1.0], [0.5], [big], [0.2]], dtype)
    Y = np.array([[0.0], [1.0], [-2.0], [0.0]], dtype)
    net = fastnet.Network([fastnet.Dense(1, 1)], loss="mse", dtype=dtype, seed=0)
    net.params = np.array([0.0, 1.0], dtype)   # W = 0, b = 1: every output is 1
    return net, X, Y


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("max_norm", [None, 1.0])
def test_rollback_false_stops_before_the_update_of_a_non_finite_gradient(dtype, max_norm):
    net, X, Y = gradient_overflow(dtype)
    with pytest.raises(FloatingPointError, match=f"gradient is not finite: the backward pass overflowed {dtype}"):
        net.backward(X[2:], Y[2:])   # the loss alone is finite: only a gradient check catches it
    optimizer = fastnet.SGD(lr=0.1, momentum=0.9)
    with pytest.raises(fastnet.TrainingDivergedError, match=r"epoch 1 .*after its first 1 batch, the last") as info:
        net.fit(X, Y, optimizer=optimizer, batch_size=2, shuffle=False, max_norm=max_norm, rollback=False)
    assert info.value.params_kept == "last_batch" and info.value.batches_done == 1
    assert optimizer.t == 1 and np.isfinite(optimizer.state).all()
    # The parameters and the momentum are those after the first batch alone.
    replay, _, _ = gradient_overflow(dtype)
    replay_optimizer = fastnet.SGD(lr=0.1, momentum=0.9)
    replay.fit(X[:2], Y[:2], optimizer=replay_optimizer, batch_size=2, shuffle=False, max_norm=max_norm)
    np.testing.assert_array_equal(net.params, replay.params)
    np.testing.assert_array_equal(optimizer.state, replay_optimizer.state)
    assert not np.array_equal(net.params, np.array([0.0, 1.0], dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rollback_true_undoes_the_whole_epoch_of_a_non_finite_gradient(dtype):
    # The same data, by default: the update writes inf, the epoch's end sees it, the copy restores.
    net, X, Y = gradient_overflow(dtype)
    with pytest.raises(fastnet.TrainingDivergedError, match="last finite epoch were restored") as info:
        net.fit(X, Y, optimizer=fastnet.SGD(lr=0.1), batch_size=2, shuffle=False)
    assert info.value.params_kept == "last_epoch" and info.value.batches_done is None
    np.testing.assert_array_equal(net.params, np.array([0.0, 1.0], dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_rollback_false_says_when_an_update_overflowed_on_its_own(dtype):
    # A finite gradient (200) times lr = max / 10 overflows in the update itself:
    # with no copy to restore, the error says the parameters are not finite.
    net = fastnet.Network([fastnet.Dense(1, 1)], loss="mse", dtype=dtype, seed=0)
    net.params = np.array([1.0, 0.0], dtype)
    X, Y = np.array([[10.0]], dtype), np.array([[0.0]], dtype)
    with pytest.raises(fastnet.TrainingDivergedError, match="parameters are not finite") as info:
        net.fit(X, Y, optimizer=fastnet.SGD(lr=float(np.finfo(dtype).max) / 10), rollback=False)
    assert info.value.params_kept == "none"
    assert not np.isfinite(net.params).all()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", [lambda: fastnet.SGD(lr=0.05), lambda: fastnet.SGD(lr=0.05, momentum=0.9),
                                       lambda: fastnet.Adam(lr=0.01)])
@pytest.mark.parametrize("max_norm", [None, 0.5])
def test_rollback_false_trains_to_the_same_bits(dtype, optimizer, max_norm):
    X, y = classification()
    runs = []
    for rollback in (True, False):
        net = fastnet.Network.mlp([4, 16, 3], loss="cross_entropy", dtype=dtype, seed=2)
        h = net.fit(X, y, optimizer=optimizer(), epochs=3, batch_size=16, max_norm=max_norm, rollback=rollback)
        runs.append((net.params.copy(), h.loss))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]


OPTIMIZERS_WITH_STATE = [
    lambda: fastnet.SGD(lr=0.1, momentum=0.9),
    lambda: fastnet.Adam(lr=0.01, amsgrad=True),
    lambda: fastnet.RMSprop(lr=0.01, centered=True),
    lambda: fastnet.Adagrad(lr=0.1),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS_WITH_STATE)
def test_rollback_restores_the_optimizer_state_and_step_count_too(dtype, optimizer):
    # An epoch on the first two rows gives the optimizer some state; the next fit's
    # second batch overflows the gradient (and with it the state), and the rollback
    # must put all three back, so that training on goes as if it never happened.
    net, X, Y = gradient_overflow(dtype)
    opt = optimizer()
    net.fit(X[:2], Y[:2], optimizer=opt, batch_size=2)
    before = net.params.copy(), opt.state.copy(), opt.t
    assert opt.t == 1 and np.any(opt.state != 0)
    with pytest.raises(fastnet.TrainingDivergedError, match="parameters and optimizer state of the last finite"):
        net.fit(X, Y, optimizer=opt, batch_size=2, shuffle=False)
    np.testing.assert_array_equal(net.params, before[0])
    np.testing.assert_array_equal(opt.state, before[1])
    assert opt.t == before[2]
    net.fit(X[:2], Y[:2], optimizer=opt, batch_size=2)
    replay, _, _ = gradient_overflow(dtype)
    replay_opt = optimizer()
    replay.fit(X[:2], Y[:2], optimizer=replay_opt, batch_size=2, epochs=2)
    np.testing.assert_array_equal(net.params, replay.params)
    np.testing.assert_array_equal(opt.state, replay_opt.state)
    assert opt.t == replay_opt.t == 2


def state_overflow(dtype):
    """A 1-1 linear network and 2 rows whose gradient is finite but whose square is not.

    W = 0 keeps the output at 1 whatever the input, so the loss is finite; the
    gradient of W is about 300 * sqrt(max), so that even a thousandth of its
    square (Adam's share of it in the running mean) overflows, and with it the
    state of Adam, RMSprop and Adagrad, while the parameters stay finite."""
    big = 100 * np.sqrt(np.finfo(dtype).max)
    X = np.array([[big], [0.5]], dtype)
    Y = np.array([[-2.0], [1.0]], dtype)
    net = fastnet.Network([fastnet.Dense(1, 1)], loss="mse", dtype=dtype, seed=0)
    net.params = np.array([0.0, 1.0], dtype)
    return net, X, Y


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", OPTIMIZERS_WITH_STATE[1:])
def test_an_optimizer_state_that_overflows_is_a_divergence(dtype, optimizer):
    net, X, Y = state_overflow(dtype)
    net.backward(X, Y)
    with np.errstate(over="ignore"):
        assert np.isfinite(net.grads).all() and not np.isfinite(net.grads * net.grads).all()
    # By default the epoch is rolled back, state included.
    opt = optimizer()
    with pytest.raises(fastnet.TrainingDivergedError, match="epoch 1 ") as info:
        net.fit(X, Y, optimizer=opt, epochs=3)
    assert info.value.params_kept == "last_epoch" and info.value.state_finite
    np.testing.assert_array_equal(net.params, np.array([0.0, 1.0], dtype))
    assert opt.t == 0 and np.isfinite(opt.state).all()
    # Without the copy the finite parameters stay, and the error says to start the state afresh.
    net, X, Y = state_overflow(dtype)
    opt = optimizer()
    with pytest.raises(fastnet.TrainingDivergedError, match="state overflowed and is not finite.*reset_optimizer=True") as info:
        net.fit(X, Y, optimizer=opt, epochs=3, rollback=False)
    assert info.value.epoch == 1 and info.value.batches_done == 1
    assert not info.value.state_finite and not np.isfinite(opt.state).all()
    if isinstance(opt, fastnet.RMSprop) and dtype == "float64":
        # Centred, it subtracts the squared mean gradient from the overflowed square: inf - inf.
        assert info.value.params_kept == "none" and not np.isfinite(net.params).all()
        return
    assert info.value.params_kept == "last_batch" and np.isfinite(net.params).all()
    net.fit(X[1:], Y[1:], optimizer=opt, epochs=2, reset_optimizer=True)
    assert np.isfinite(net.params).all() and np.isfinite(opt.state).all() and opt.t == 2


def test_the_divergence_error_pickles_with_its_message_and_fields():
    import pickle

    net, X, Y = gradient_overflow("float64")
    with pytest.raises(fastnet.TrainingDivergedError) as info:
        net.fit(X, Y, optimizer=fastnet.SGD(lr=0.1), batch_size=2, shuffle=False, rollback=False)
    copy = pickle.loads(pickle.dumps(info.value))
    assert str(copy) == str(info.value) and "after its first 1 batch" in str(copy)
    assert (copy.epoch, copy.lr, copy.params_kept, copy.batches_done) == (1, 0.1, "last_batch", 1)
    assert len(copy.history) == 0 and copy.state_finite
    error = fastnet.TrainingDivergedError(3, lr=0.5, params_kept="last_batch", batches_done=0, state_finite=False)
    copy = pickle.loads(pickle.dumps(error))
    assert str(copy) == str(error) and not copy.state_finite
    assert "at the start of the epoch" in str(copy) and "reset_optimizer=True" in str(copy)


def test_rollback_false_allocates_no_copy_of_the_parameters():
    import tracemalloc

    X, Y = regression(16)
    peaks = {}
    tracemalloc.start()
    try:
        for rollback in (True, False):
            net = net64((3, 256, 256, 1))            # 67k parameters: 530 kB
            # The workspace and the other buffers fit keeps are allocated once, here.
            net.fit(X, Y, epochs=1, batch_size=8, rollback=False)
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            net.fit(X, Y, epochs=2, batch_size=8, rollback=rollback)
            peaks[rollback] = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peaks[True] >= net.params.nbytes
    assert peaks[False] < net.params.nbytes / 10


def test_a_large_network_keeps_no_rollback_copy_between_fits():
    # Kept between fits only while small (fit's fixed cost); a large network's copy is freed.
    X, Y = regression(16)
    small, large = net64((3, 8, 1)), net64((3, 512, 512, 1))   # 2 MB of parameters
    for net in (small, large):
        net.fit(X, Y, epochs=1, batch_size=8)
    assert small._fit_buffers.rollback is not None
    assert large._fit_buffers.rollback is None


def test_keyboard_interrupt_in_a_callback_keeps_the_epochs_done():
    X, Y = regression()

    def interrupt(epoch, logs):
        if epoch == 3:
            raise KeyboardInterrupt

    net = net64()
    with pytest.warns(RuntimeWarning, match="interrupted"):
        h = net.fit(X, Y, epochs=10, batch_size=8, callbacks=[interrupt])
    assert h.interrupted and len(h) == 3
    same = net64()
    same.fit(X, Y, epochs=3, batch_size=8)
    np.testing.assert_array_equal(net.params, same.params)


@pytest.mark.parametrize("optimizer", OPTIMIZERS_WITH_STATE[1:])
def test_ctrl_c_right_after_a_diverged_epoch_still_rolls_it_back(monkeypatch, optimizer):
    # The signal is seen when the nogil epoch returns, before fit looks at its status:
    # the epoch's non-finite state must still be undone, with the parameters and t.
    import fastnet.network

    real = fastnet.network._engine.train_epoch

    def interrupted_after(*args, **kwargs):
        real(*args, **kwargs)
        raise KeyboardInterrupt

    net, X, Y = state_overflow("float64")
    opt = optimizer()
    net.fit(X[1:], Y[1:], optimizer=opt)
    before = net.params.copy(), opt.state.copy(), opt.t
    monkeypatch.setattr(fastnet.train.fit._engine, "train_epoch", interrupted_after)
    with pytest.warns(RuntimeWarning, match="interrupted by the user after 0 epochs; the parameters of the last"):
        history = net.fit(X, Y, optimizer=opt, epochs=3)
    assert history.interrupted and len(history) == 0
    np.testing.assert_array_equal(net.params, before[0])
    np.testing.assert_array_equal(opt.state, before[1])
    assert opt.t == before[2] == 1


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name == "nt", reason="needs POSIX signals")
def test_ctrl_c_stops_at_an_epoch_boundary_with_parameters_intact():
    X, Y = regression(2000)
    net = net64((3, 64, 64, 1))
    timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.warns(RuntimeWarning, match="interrupted"):
            h = net.fit(X, Y, optimizer=fastnet.Adam(lr=1e-3), epochs=100000, batch_size=4)
    finally:
        timer.cancel()
    assert h.interrupted and 0 < len(h) < 100000
    # The parameters are exactly those of len(h) whole epochs.
    same = net64((3, 64, 64, 1))
    same.fit(X, Y, optimizer=fastnet.Adam(lr=1e-3), epochs=len(h), batch_size=4)
    np.testing.assert_array_equal(net.params, same.params)
