"""Dropout in the model file: the round trip, resumed training, and files of fastnet before dropout."""

import json

import numpy as np
import pytest

import fastnet
from fastnet import Dense, Dropout, Network
from fastnet.nn.layers import DROPOUT_SEED_XOR


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(16, 4)), rng.normal(size=(16, 2))


def _trained(dtype="float64"):
    X, Y = _data()
    net = Network([Dense(4, 8, "relu"), Dropout(0.4), Dense(8, 6, "tanh"), Dense(6, 2)], dtype=dtype, seed=2)
    net.fit(X, Y, optimizer="adam", epochs=2, batch_size=5)
    return net


def _config(path):
    with np.load(path, allow_pickle=False) as archive:
        return json.loads(str(archive["config"][()])), dict(archive)


def _rewrite(path, config, arrays):
    arrays["config"] = np.array(json.dumps(config))
    np.savez(path, **arrays)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_keeps_the_dropouts_and_resumes_bit_for_bit(tmp_path, dtype):
    X, Y = _data()
    net = _trained(dtype)
    loaded = fastnet.load(net.save(tmp_path / "m.npz"))
    assert repr(loaded.layers) == repr(net.layers)
    assert isinstance(loaded.layers[1], Dropout) and loaded.layers[1].p == 0.4
    np.testing.assert_array_equal(loaded._shuffle_state, net._shuffle_state)
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    net.fit(X, Y, epochs=2, batch_size=5)
    loaded.fit(X, Y, epochs=2, batch_size=5)
    np.testing.assert_array_equal(loaded.params, net.params)


def test_the_rate_is_a_key_of_the_layer_it_follows(tmp_path):
    net = _trained()
    config, _ = _config(net.save(tmp_path / "m.npz"))
    assert config["format_version"] == 1
    assert [layer.get("dropout") for layer in config["layers"]] == [0.4, None, None]
    assert config["dropout_state"] == int(net._shuffle_state[1])
    plain = Network.mlp([4, 8, 2])
    config, _ = _config(plain.save(tmp_path / "plain.npz"))
    assert all("dropout" not in layer for layer in config["layers"])


def test_a_reader_that_knows_no_dropout_gets_a_network_that_predicts_the_same(tmp_path):
    # What an older fastnet does with the file: a Dense from every layer spec, the extra key unread.
    X, _ = _data()
    net = _trained()
    config, arrays = _config(net.save(tmp_path / "m.npz"))
    old = Network([Dense._from_spec(spec) for spec in config["layers"]], dtype=config["dtype"], seed=config["seed"])
    old.params = arrays["params"]
    np.testing.assert_array_equal(old.predict(X), net.predict(X))


def test_files_from_before_dropout_start_the_stream_at_the_seed(tmp_path):
    net = Network.mlp([4, 8, 2], dtype="float64", seed=6)
    path = net.save(tmp_path / "m.npz")
    config, arrays = _config(path)
    del config["dropout_state"]
    _rewrite(path, config, arrays)
    loaded = fastnet.load(path)
    assert int(loaded._shuffle_state[1]) == 6 ^ DROPOUT_SEED_XOR
    assert int(loaded._shuffle_state[0]) == config["shuffle_state"]


@pytest.mark.parametrize("key, value, match", [
    ("dropout_state", -1, "dropout_state is not an unsigned 64-bit integer"),
    ("dropout_state", "x", "dropout_state is not an unsigned 64-bit integer"),
    ("rate", 1.5, r"invalid network description: Dropout p .* must be < 1.0, got 1.5"),
])
def test_bad_dropout_entries_are_refused(tmp_path, key, value, match):
    path = _trained().save(tmp_path / "m.npz")
    config, arrays = _config(path)
    if key == "rate":
        config["layers"][0]["dropout"] = value
    else:
        config[key] = value
    _rewrite(path, config, arrays)
    with pytest.raises(ValueError, match=match):
        fastnet.load(path)
