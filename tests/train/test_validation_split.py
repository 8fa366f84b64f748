"""fit(validation_split=...): a random split from the network's seed, stratified by class for the
classification losses; validation_shuffle=False holds out the last rows (Keras)."""

import numpy as np
import pytest

import fastnet
from fastnet.reference.random import SplitMix64
from fastnet.train.validation import VALIDATION_SEED_XOR, split_keys, validation_rows


def test_split_keys_are_splitmix64_draw_for_draw():
    # The independent generator: Python integers, one next() after another.
    for seed in (0, 7, 2**64 - 1):
        rng = SplitMix64(seed ^ VALIDATION_SEED_XOR)
        assert split_keys(seed, 50).tolist() == [rng.next() for _ in range(50)]


def test_regression_holds_out_the_rows_with_the_smallest_keys():
    rng = SplitMix64(3 ^ VALIDATION_SEED_XOR)
    keys = [rng.next() for _ in range(40)]
    expected = sorted(sorted(range(40), key=keys.__getitem__)[:10])
    held = validation_rows(40, 10, 3, shuffle=True, classes=None)
    assert np.flatnonzero(held).tolist() == expected


def test_fit_validates_on_the_drawn_rows_and_trains_on_the_others():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    Y = X @ np.array([[1.0], [-2.0], [0.5]])
    net = fastnet.Network.mlp([3, 8, 1], dtype="float64", seed=5)
    held = validation_rows(40, 10, 5, shuffle=True, classes=None)
    assert not held[-10:].all()   # not the last rows
    h = net.fit(X, Y, epochs=2, batch_size=8, validation_split=0.25)
    assert h.val_loss[-1] == pytest.approx(net.loss(X[held], Y[held]), rel=1e-12)
    other = fastnet.Network.mlp([3, 8, 1], dtype="float64", seed=5)
    other.fit(X[~held], Y[~held], epochs=2, batch_size=8)   # the training rows, in their order
    np.testing.assert_array_equal(net.params, other.params)


def test_classes_keep_their_proportions():
    # 60 / 30 / 10 rows, sorted by class: a 20% split holds out 12 / 6 / 2 exactly.
    classes = np.repeat([0, 1, 2], [60, 30, 10])
    for seed in range(5):
        held = validation_rows(100, 20, seed, shuffle=True, classes=classes)
        assert np.bincount(classes[held], minlength=3).tolist() == [12, 6, 2]


def test_remainders_go_to_the_largest_quotas():
    # 7 rows of 0.3: quotas 7 * 13 / 30 = 3.03, 10 * 13 / 30 = 4.33, 13 * 13 / 30 = 5.63 -> 3, 4, 6 (sum 13).
    classes = np.repeat([0, 1, 2], [7, 10, 13])
    held = validation_rows(30, 13, 0, shuffle=True, classes=classes)
    assert np.bincount(classes[held]).tolist() == [3, 4, 6]


def test_stratified_fit_on_sorted_labels():
    X, y = fastnet.datasets.blobs(90, n_features=4, n_classes=3, seed=0, dtype=np.float64)
    order = np.argsort(y, kind="stable")
    X, y = X[order], y[order]   # sorted: the last 30% would be one class
    net = fastnet.Network.mlp([4, 8, 3], dtype="float64", loss="cross_entropy", seed=2)
    classes = y.astype(np.intp)
    held = validation_rows(90, 27, 2, shuffle=True, classes=classes)
    counts, kept = np.bincount(y), np.bincount(y[held])
    assert kept.sum() == 27 and (np.abs(kept - 0.3 * counts) < 1).all() and (kept > 0).all()
    h = net.fit(X, y, epochs=1, validation_split=0.3)
    assert h.val_loss[-1] == pytest.approx(net.loss(X[held], y[held]), rel=1e-12)


def test_binary_labels_are_stratified_too():
    X = np.linspace(-1, 1, 50).reshape(-1, 1)
    y = (np.arange(50) >= 40).astype(float)   # 40 zeros then 10 ones
    net = fastnet.Network.mlp([1, 4, 1], dtype="float64", loss="binary_cross_entropy", seed=9)
    held = validation_rows(50, 10, 9, shuffle=True, classes=y.astype(np.intp))
    assert int(y[held].sum()) == 2
    h = net.fit(X, y, epochs=1, validation_split=0.2)
    assert h.val_loss[-1] == pytest.approx(net.loss(X[held], y[held]), rel=1e-12)


def test_the_split_is_reproducible_and_depends_on_the_seed():
    classes = np.repeat([0, 1], [50, 50])
    a = validation_rows(100, 20, 1, shuffle=True, classes=classes)
    assert np.array_equal(a, validation_rows(100, 20, 1, shuffle=True, classes=classes))
    assert not np.array_equal(a, validation_rows(100, 20, 2, shuffle=True, classes=classes))
    X, y = fastnet.datasets.two_spirals(100, seed=0)
    runs = [fastnet.Network.mlp([2, 8, 2], loss="cross_entropy", seed=4).fit(X, y, epochs=3, validation_split=0.2)
            for _ in range(2)]
    assert runs[0].val_loss == runs[1].val_loss


def test_the_split_leaves_the_shuffle_stream_alone():
    # The epochs after a split shuffle exactly as without one: the training rows,
    # fitted directly by a network of the same seed, give the same parameters.
    X, y = fastnet.datasets.two_spirals(80, seed=1, dtype=np.float64)
    net = fastnet.Network.mlp([2, 8, 2], dtype="float64", loss="cross_entropy", seed=6)
    net.fit(X, y, epochs=3, batch_size=8, validation_split=0.25)
    held = validation_rows(80, 20, 6, shuffle=True, classes=y.astype(np.intp))
    other = fastnet.Network.mlp([2, 8, 2], dtype="float64", loss="cross_entropy", seed=6)
    other.fit(X[~held], y[~held], epochs=3, batch_size=8)
    np.testing.assert_array_equal(net.params, other.params)
    assert np.array_equal(net._shuffle_state, other._shuffle_state)


def test_without_shuffle_the_last_rows_exactly():
    held = validation_rows(10, 3, 0, shuffle=False, classes=None)
    assert np.flatnonzero(held).tolist() == [7, 8, 9]
    X, y = fastnet.datasets.two_spirals(60, seed=0, dtype=np.float64)
    net = fastnet.Network.mlp([2, 8, 2], dtype="float64", loss="cross_entropy", seed=0)
    h = net.fit(X, y, epochs=1, validation_split=0.25, validation_shuffle=False)
    assert h.val_loss[-1] == pytest.approx(net.loss(X[-15:], y[-15:]), rel=1e-12)


def test_validation_shuffle_is_checked():
    X, y = fastnet.datasets.two_spirals(20, seed=0)
    net = fastnet.Network.mlp([2, 4, 2], loss="cross_entropy")
    with pytest.raises(TypeError, match="validation_shuffle"):
        net.fit(X, y, validation_split=0.2, validation_shuffle="no")
    before = net.params.copy()
    with pytest.raises(TypeError, match="validation_shuffle"):
        net.fit(X, y, validation_shuffle=1.5)
    np.testing.assert_array_equal(net.params, before)
