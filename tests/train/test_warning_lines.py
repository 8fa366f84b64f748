"""fit's warnings name the user's line, from Network.fit and from partial_fit."""

import numpy as np
import pytest

import fastnet


def _overflowing():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(32, 3)), rng.normal(size=(32, 1))
    net = fastnet.Network.mlp([3, 8, 1], activation="identity", dtype="float32", seed=1)
    return net, X, Y, (np.full((4, 3), 3e38, dtype=np.float32), np.zeros((4, 1)))


def test_nonfinite_validation_warning_from_fit_names_this_file():
    net, X, Y, val = _overflowing()
    with pytest.warns(RuntimeWarning, match="the validation loss is") as record:
        net.fit(X, Y, epochs=1, validation_data=val)
    assert record[0].filename == __file__


def test_nonfinite_validation_warning_from_partial_fit_names_this_file():
    net, X, Y, val = _overflowing()
    with pytest.warns(RuntimeWarning, match="the validation loss is") as record:
        net.partial_fit(X, Y, validation_data=val)
    assert record[0].filename == __file__


def test_interrupted_warning_names_this_file():
    net, X, Y, _ = _overflowing()

    def ctrl_c(epoch, logs):
        raise KeyboardInterrupt

    with pytest.warns(RuntimeWarning, match="training interrupted by the user after 1 epochs") as record:
        net.fit(X, Y, epochs=3, callbacks=[ctrl_c])
    assert record[0].filename == __file__
