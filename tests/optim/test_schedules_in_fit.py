"""Schedules inside fit: History.lr holds each epoch's scheduled rate, the optimizer's own lr is untouched,
a plain function is a LambdaLR, and a schedule fit cannot follow stops it before the epoch it would spoil."""

import warnings

import numpy as np
import pytest

import fastnet
from fastnet.schedules import CosineAnnealingLR, LambdaLR, LinearWarmup, OneCycleLR, ReduceLROnPlateau, StepLR


def regression(n=64, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, X @ np.array([[1.0], [-2.0], [0.5]]) + 0.1 * rng.normal(size=(n, 1))


def net64():
    return fastnet.Network.mlp([3, 8, 1], dtype="float64", seed=1)


def test_a_plain_function_is_a_lambda_lr():
    X, Y = regression()
    opt = fastnet.SGD(lr=0.1, momentum=0.5)
    seen = []
    a = net64()
    h = a.fit(X, Y, optimizer=opt, epochs=6, batch_size=16, lr_schedule=lambda epoch: 0.5 ** (epoch // 2),
              callbacks=[lambda epoch, logs: seen.append((opt.lr, logs["lr"]))])
    assert h.lr == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    assert seen == [(0.1, lr) for lr in h.lr] and opt.lr == 0.1
    b = net64()
    b.fit(X, Y, optimizer=fastnet.SGD(lr=0.1, momentum=0.5), epochs=6, batch_size=16, lr_schedule=StepLR(2, 0.5))
    np.testing.assert_array_equal(a.params, b.params)   # the same training as the schedule object


def test_the_function_is_called_with_the_0_based_epoch_once_per_epoch():
    X, Y = regression()
    calls = []
    net64().fit(X, Y, optimizer=fastnet.Adam(lr=0.01), epochs=4, lr_schedule=lambda epoch: calls.append(epoch) or 1)
    assert calls == [0, 1, 2, 3]


@pytest.mark.parametrize("bad, error, message", [
    (-0.5, ValueError, r"lr_schedule\(epoch=2\), the factor of the optimizer's lr, must be > 0.0, got -0.5"),
    (0, ValueError, r"lr_schedule\(epoch=2\), the factor of the optimizer's lr, must be > 0.0, got 0.0"),
    (float("nan"), ValueError, r"lr_schedule\(epoch=2\), the factor of the optimizer's lr, must be finite, got nan"),
    (None, TypeError, r"lr_schedule\(epoch=2\), the factor of the optimizer's lr, must be a real number, got "
                      r"NoneType None"),
    (np.array([1.0, 2.0]), TypeError, r"lr_schedule\(epoch=2\).* must be a real number, got ndarray"),
])
def test_a_bad_return_stops_fit_before_that_epoch(bad, error, message):
    X, Y = regression()
    net, two_epochs = net64(), net64()
    with pytest.raises(error, match=message):
        net.fit(X, Y, optimizer=fastnet.SGD(lr=0.1), epochs=5, lr_schedule=lambda epoch: bad if epoch == 2 else 1.0)
    two_epochs.fit(X, Y, optimizer=fastnet.SGD(lr=0.1), epochs=2)
    np.testing.assert_array_equal(net.params, two_epochs.params)   # epochs 0 and 1 ran, epoch 2 did not


@pytest.mark.parametrize("schedule, error, message", [
    (lambda epoch, lr: lr, TypeError, r"lr_schedule must be callable with one argument, the 0-based epoch"),
    (0.9, TypeError, "lr_schedule must be a fastnet.schedules.LRSchedule or a function f\\(epoch\\) -> factor "
                     "of the optimizer's lr, got float 0.9"),
    (OneCycleLR(1.0, total_steps=4), ValueError, r"OneCycleLR\(total_steps=4\) gives the rates of 4 epochs"),
    (LinearWarmup(2, then=OneCycleLR(1.0, total_steps=2)), ValueError, "but fit runs epochs=3"),
])
def test_a_schedule_fit_cannot_follow_is_refused_before_the_first_epoch(schedule, error, message):
    X, Y = regression()
    net = net64()
    start = net.params.copy()
    with pytest.raises(error, match=message):
        net.fit(X, Y, optimizer=fastnet.SGD(lr=0.1), epochs=5, lr_schedule=schedule)
    np.testing.assert_array_equal(net.params, start)


def test_a_schedule_may_be_cut_short_by_early_stopping():
    X, Y = regression()
    h = net64().fit(X, Y, optimizer=fastnet.SGD(lr=1e-9), epochs=4, lr_schedule=OneCycleLR(0.01, 10),
                    early_stopping=0, min_delta=1.0)
    assert h.stopped_early and h.lr == [OneCycleLR(0.01, 10).lr(e, 0.0, h) for e in range(len(h))]


def test_warmup_then_cosine_in_fit():
    X, Y = regression()
    opt = fastnet.Adam(lr=0.02)
    h = net64().fit(X, Y, optimizer=opt, epochs=9, batch_size=16,
                    lr_schedule=LinearWarmup(epochs=3, start_factor=0.1, then=CosineAnnealingLR(6)))
    expected = [0.02 * (0.1 + 0.9 * e / 3) for e in range(3)] + [0.01 * (1 + np.cos(np.pi * e / 6)) for e in range(6)]
    np.testing.assert_allclose(h.lr, expected, rtol=1e-14)
    assert opt.lr == 0.02


def test_one_cycle_in_fit_matches_torch():
    torch = pytest.importorskip("torch")
    X, Y = regression()
    h = net64().fit(X, Y, optimizer=fastnet.SGD(lr=0.5, momentum=0.9), epochs=12, batch_size=16,
                    lr_schedule=OneCycleLR(max_lr=0.05, total_steps=12, three_phase=True))
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=12, three_phase=True)
    theirs = []
    for _ in range(12):
        theirs.append(opt.param_groups[0]["lr"])
        opt.step()
        if len(theirs) < 12:
            scheduler.step()
    assert h.lr == theirs


def test_reduce_on_plateau_in_fit_follows_torch_fed_the_validation_losses():
    torch = pytest.importorskip("torch")
    X, Y = regression(96)
    kw = dict(factor=0.5, patience=1, threshold=0.1, cooldown=1)
    h = net64().fit(X, Y, optimizer=fastnet.SGD(lr=0.05), epochs=25, batch_size=8, validation_split=0.25,
                    lr_schedule=ReduceLROnPlateau(**kw))
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.05)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
    theirs = []
    for val_loss in h.val_loss:
        theirs.append(opt.param_groups[0]["lr"])
        scheduler.step(val_loss)
    assert h.lr == theirs and len(set(h.lr)) > 2   # it did cut the rate, more than once


def test_reduce_on_plateau_needs_what_it_watches():
    X, Y = regression()
    net = net64()
    with pytest.raises(ValueError, match="watches 'val_loss', which this fit does not record"):
        net.fit(X, Y, epochs=3, lr_schedule=ReduceLROnPlateau(monitor="val_loss"))
    assert len(net.fit(X, Y, epochs=3, lr_schedule=ReduceLROnPlateau(monitor="loss"))) == 3


def test_the_deprecated_min_delta_trains_as_before():
    X, Y = regression()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = ReduceLROnPlateau(factor=0.5, patience=1, min_delta=1.0, eps=0.0)
    h = net64().fit(X, Y, optimizer=fastnet.SGD(lr=1e-12), epochs=6, lr_schedule=old)
    # no improvement of 1.0 ever: the first epoch sets the best, then every second epoch halves the rate
    np.testing.assert_allclose(h.lr, [1e-12, 1e-12, 1e-12, 5e-13, 5e-13, 2.5e-13], rtol=1e-15)


def test_lambda_lr_object_and_function_train_alike():
    X, Y = regression()
    f = lambda epoch: 1.0 / (1 + epoch)
    a, b = net64(), net64()
    ha = a.fit(X, Y, optimizer=fastnet.RMSprop(lr=0.01), epochs=4, lr_schedule=f)
    hb = b.fit(X, Y, optimizer=fastnet.RMSprop(lr=0.01), epochs=4, lr_schedule=LambdaLR(f))
    assert ha.lr == hb.lr == [0.01 * f(e) for e in range(4)]
    np.testing.assert_array_equal(a.params, b.params)
