"""Saving and loading networks (fastnet.io), and pickling them.

A saved network must come back bit for bit: the same predictions, the same
loss, and -- with its optimizer -- training that continues exactly as if it
had never stopped. Saving must be atomic, and every way a file can be wrong
must give a ValueError that names the file and the problem.
"""

import json
import os
import pathlib
import pickle
import re

import numpy as np
import pytest

import fastnet
from fastnet import Activation, Dense, Loss, Network, io
from fastnet.optimizers import SGD, Adagrad, Adam, AdamW, RMSprop


def data(n_features, n_outputs, loss, n=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    if loss == "cross_entropy":
        Y = rng.integers(0, n_outputs, size=n)
    elif loss == "binary_cross_entropy":
        Y = (rng.uniform(size=(n, n_outputs)) > 0.5).astype(float)
    elif loss == "poisson":
        Y = rng.poisson(1.5, size=(n, n_outputs)).astype(float)
    else:
        Y = rng.normal(size=(n, n_outputs))
    return X, Y


def trained(hidden, loss, dtype, optimizer=None, sizes=(4, 7, 6, 3), epochs=3, seed=5):
    """A network whose parameters are no longer the seed's initial ones."""
    layers = [Dense(sizes[k], sizes[k + 1], hidden) for k in range(len(sizes) - 2)]
    out = Loss.coerce(loss).fused_activation or "identity"
    layers.append(Dense(sizes[-2], sizes[-1], out))
    net = Network(layers, loss=loss, dtype=dtype, seed=seed)
    X, Y = data(sizes[0], sizes[-1], net.criterion.name)
    net.fit(X, Y, optimizer=optimizer or Adam(lr=0.01), epochs=epochs, batch_size=7)
    return net, X, Y


CASES = [
    ("relu", "mse"),
    (Activation("leaky_relu", negative_slope=0.3), Loss("huber", delta=0.25)),
    ("tanh", "cross_entropy"),
    ("sigmoid", "binary_cross_entropy"),
    ("identity", "half_mse"),
    ("softmax", "mae"),
    ("gelu", "mse"),
    ("gelu_tanh", "cross_entropy"),
    ("silu", "binary_cross_entropy"),
    (Activation("elu", alpha=0.5), "mse"),
    (Activation("softplus", beta=2.0, threshold=1.0), "huber"),
    ("tanh", "poisson"),
    ("relu", Loss("quantile", q=0.8)),
    ("sigmoid", "log_cosh"),
]


# -- round trips ----------------------------------------------------------------------------
@pytest.mark.parametrize("hidden, loss", CASES, ids=lambda c: str(c))
def test_save_load_gives_identical_network(tmp_path, dtype, hidden, loss):
    net, X, Y = trained(hidden, loss, dtype)
    path = tmp_path / "model.npz"
    io.save(net, path)
    loaded = fastnet.load(path)

    assert loaded.dtype == net.dtype
    assert loaded.params.dtype == net.params.dtype
    assert np.array_equal(loaded.params, net.params)
    assert not np.array_equal(loaded.params, Network(
        [Dense(l.n_in, l.n_out, l.activation) for l in net.layers], loss=loss, dtype=dtype, seed=5).params)
    assert [l.activation for l in loaded.layers] == [l.activation for l in net.layers]
    assert loaded.criterion == net.criterion
    assert (loaded.seed, int(loaded._shuffle_state[0])) == (net.seed, int(net._shuffle_state[0]))
    assert np.array_equal(loaded.predict(X), net.predict(X))
    assert loaded.loss(X, Y) == net.loss(X, Y)           # huber's delta changes the loss, not predict


def test_parameters_of_activation_and_loss_survive(tmp_path):
    net, X, Y = trained(Activation("leaky_relu", negative_slope=0.3), Loss("huber", delta=0.25), "float64")
    loaded = fastnet.load(io.save(net, tmp_path / "m.npz"))
    assert loaded.layers[0].activation.params == {"negative_slope": 0.3}
    assert loaded.criterion.params == {"delta": 0.25}


def test_quantile_q_survives(tmp_path):
    net, X, Y = trained("relu", Loss("quantile", q=0.15), "float64")
    loaded = fastnet.load(io.save(net, tmp_path / "m.npz"))
    assert loaded.criterion == Loss("quantile", q=0.15) != Loss("quantile")
    # q changes the loss: the loaded one is the q = 0.15 loss, not the default 0.5.
    median = Network([Dense(l.n_in, l.n_out, l.activation) for l in net.layers], loss="quantile", dtype="float64")
    median.params = loaded.params
    assert loaded.loss(X, Y) == net.loss(X, Y) != median.loss(X, Y)
    # Changing either would change the numbers: the file carries what matters.
    other = Network([Dense(l.n_in, l.n_out, "leaky_relu" if k < 2 else "identity")
                     for k, l in enumerate(net.layers)], loss="huber", dtype="float64")
    other.params = net.params
    assert not np.array_equal(other.predict(X), loaded.predict(X))


def test_parameters_of_elu_and_softplus_survive(tmp_path):
    net, X, Y = trained(Activation("softplus", beta=2.0, threshold=1.0), "mse", "float64")
    path = io.save(net, tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as archive:
        config = json.loads(str(archive["config"][()]))
    assert config["layers"][0]["activation"] == {"name": "softplus", "beta": 2.0, "threshold": 1.0}
    loaded = fastnet.load(path)
    assert loaded.layers[1].activation.params == {"beta": 2.0, "threshold": 1.0}
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))
    default = Network([Dense(l.n_in, l.n_out, l.activation.name) for l in net.layers], dtype="float64")
    default.params = net.params
    assert not np.allclose(default.predict(X), loaded.predict(X))    # the parameters change the numbers

    net, X, Y = trained(Activation("elu", alpha=0.5), "mse", "float32")
    loaded = fastnet.load(io.save(net, tmp_path / "e.npz"))
    assert loaded.layers[0].activation == Activation("elu", alpha=0.5)
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


def test_a_file_as_0_1_0_wrote_it_still_loads(tmp_path):
    # 0.1.0's config for a leaky_relu layer: the same JSON this version writes for it.
    net, X, Y = trained(Activation("leaky_relu", negative_slope=0.3), "mse", "float64")
    path = io.save(net, tmp_path / "m.npz")
    with np.load(path, allow_pickle=False) as archive:
        arrays = dict(archive)
    config = json.loads(str(arrays["config"][()]))
    assert config["format_version"] == 1
    assert config["layers"][0]["activation"] == {"name": "leaky_relu", "negative_slope": 0.3}
    config["fastnet_version"] = "0.1.0"
    arrays["config"] = np.array(json.dumps(config))
    np.savez(path, **arrays)
    np.testing.assert_array_equal(fastnet.load(path).predict(X), net.predict(X))


def test_network_save_method_and_file_contents(tmp_path):
    net, X, _ = trained("relu", "mse", "float32")
    path = tmp_path / "m.npz"
    net.save(path)
    with np.load(path, allow_pickle=False) as archive:   # plain arrays: no pickle needed to read it
        assert set(archive.files) == {"config", "params", "optimizer_state"}
        config = json.loads(str(archive["config"][()]))
        assert archive["config"].shape == () and archive["config"].dtype.kind == "U"
    assert config["format_version"] == io.FORMAT_VERSION
    assert config["fastnet_version"] == fastnet.__version__
    assert config["layers"][0] == {"n_in": 4, "n_out": 7, "activation": {"name": "relu"}, "init": "he_uniform"}
    assert config["loss"] == {"name": "mse"} and config["dtype"] == "float32"
    assert config["optimizer"]["name"] == "adam" and config["optimizer"]["t"] == net._optimizer.t
    assert np.array_equal(fastnet.load(path).predict(X), net.predict(X))


@pytest.mark.parametrize("make_optimizer", [
    lambda: SGD(lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    lambda: Adam(lr=0.01, betas=(0.8, 0.99), amsgrad=True),
    lambda: AdamW(lr=0.01, weight_decay=0.1),
    lambda: RMSprop(lr=0.01, momentum=0.5, centered=True),
    lambda: Adagrad(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1),
], ids=["sgd-nesterov", "adam-amsgrad", "adamw", "rmsprop-centered", "adagrad"])
def test_resumed_training_is_identical_to_uninterrupted(tmp_path, dtype, make_optimizer):
    X, Y = data(4, 3, "mse", n=45)

    def fresh():
        return Network.mlp([4, 8, 3], activation="tanh", loss="mse", dtype=dtype, seed=11)

    straight = fresh()
    straight_history = straight.fit(X, Y, optimizer=make_optimizer(), epochs=6, batch_size=8)

    first = fresh()
    first.fit(X, Y, optimizer=make_optimizer(), epochs=3, batch_size=8)
    io.save(first, tmp_path / "half")
    resumed = fastnet.load(tmp_path / "half")
    assert resumed._optimizer.hyperparameters == first._optimizer.hyperparameters
    assert resumed._optimizer.t == first._optimizer.t > 0
    assert np.array_equal(resumed._optimizer.state, first._optimizer.state)
    history = resumed.fit(X, Y, epochs=3, batch_size=8)     # optimizer=None: continue the saved one

    assert history.loss == straight_history.loss[3:]
    assert np.array_equal(resumed.params, straight.params)


@pytest.mark.parametrize("make_optimizer, all_rows", [
    (lambda: SGD(lr=0.05), ("buf",)),
    (lambda: Adam(lr=0.01), ("m", "v", "v_max")),
    (lambda: RMSprop(lr=0.01, momentum=0.5), ("s", "g_avg", "buf")),
], ids=["sgd", "adam", "rmsprop-momentum"])
def test_files_of_0_1_0_with_every_state_row_load_the_rows_in_use(tmp_path, make_optimizer, all_rows):
    # fastnet 0.1.0 kept (and saved) every state row of a rule, used or not.
    X, Y = data(4, 3, "mse", n=20)
    net = Network.mlp([4, 8, 3], activation="tanh", loss="mse", dtype="float64", seed=11)
    opt = make_optimizer()
    net.fit(X, Y, optimizer=opt, epochs=2, batch_size=8)
    path = tmp_path / "m.npz"
    net.save(path)
    with np.load(path, allow_pickle=False) as archive:
        arrays = dict(archive)
    old = np.full((len(all_rows), net.n_params), -7.0)   # an unused row held whatever it held
    for i, row in enumerate(opt.state_rows):
        old[all_rows.index(row)] = opt.state[i]
    arrays["optimizer_state"] = old
    np.savez(path, **arrays)
    loaded = fastnet.load(path)
    assert loaded._optimizer.state.shape == opt.state.shape
    np.testing.assert_array_equal(loaded._optimizer.state, opt.state)


def test_the_layers_initialisers_survive_save_load_and_pickling(tmp_path):
    net = Network.mlp([4, 6, 5, 2], activation="tanh", init=["he_normal", "zeros", None], seed=3)
    net.save(tmp_path / "m.npz")
    for copy in (fastnet.load(tmp_path / "m.npz"), pickle.loads(pickle.dumps(net))):
        assert [layer.init for layer in copy.layers] == ["he_normal", "zeros", "glorot_uniform"]
        copy.params = copy.params * 3.0
        copy.reset_parameters()  # the same draws as the original: the file kept how
        np.testing.assert_array_equal(copy.params, Network.mlp(
            [4, 6, 5, 2], activation="tanh", init=["he_normal", "zeros", None], seed=3).params)


def test_files_written_before_init_existed_load_with_each_activations_default(tmp_path):
    # fastnet 0.1 wrote no "init" in a layer's description.
    net, X, _ = trained("relu", "mse", "float64")
    path = tmp_path / "m.npz"
    net.save(path)
    config = _config(path)
    for layer in config["layers"]:
        del layer["init"]
    _rewrite(path, config=np.array(json.dumps(config)))
    loaded = fastnet.load(path)
    assert [layer.init for layer in loaded.layers] == ["he_uniform", "he_uniform", "glorot_uniform"]
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


def test_without_optimizer_state_training_starts_afresh(tmp_path):
    net, X, Y = trained("tanh", "mse", "float64")
    io.save(net, tmp_path / "m.npz", include_optimizer=False)
    with np.load(tmp_path / "m.npz") as archive:
        assert "optimizer_state" not in archive.files
    loaded = fastnet.load(tmp_path / "m.npz")
    assert loaded._optimizer is None
    assert np.array_equal(loaded.predict(X), net.predict(X))


def test_unused_optimizer_without_state(tmp_path):
    net, X, Y = trained("tanh", "mse", "float64", optimizer=Adam(lr=0.02))
    net._optimizer.reset()                      # no state, t = 0: saved as name and hyperparameters
    loaded = fastnet.load(io.save(net, tmp_path / "m"))
    assert isinstance(loaded._optimizer, Adam) and loaded._optimizer.lr == 0.02
    assert loaded._optimizer.state is None and loaded._optimizer.t == 0


def test_path_without_suffix_and_pathlike(tmp_path):
    net, X, _ = trained("relu", "mse", "float32")
    target = str(tmp_path / "model")
    written = io.save(net, target)
    assert written == target + ".npz" and os.path.exists(written)
    assert np.array_equal(fastnet.load(target).predict(X), net.predict(X))          # the same string
    assert np.array_equal(fastnet.load(pathlib.Path(target)).predict(X), net.predict(X))
    io.save(net, pathlib.Path(tmp_path / "other.npz"))
    assert sorted(os.listdir(tmp_path)) == ["model.npz", "other.npz"]                 # no ".npz.npz"


def test_metadata_round_trip(tmp_path):
    net, _, _ = trained("relu", "cross_entropy", "float32")
    meta = {"feature_names": ["a", "b", "c", "d"], "classes": ["no", 1, 2.5], "note": None}
    io.save(net, tmp_path / "m.npz", metadata=meta)
    loaded = fastnet.load(tmp_path / "m.npz")
    assert loaded.metadata == meta
    io.save(loaded, tmp_path / "again.npz")              # a loaded network keeps its metadata
    assert fastnet.load(tmp_path / "again.npz").metadata == meta
    assert fastnet.load(io.save(net, tmp_path / "none.npz")).metadata == {}


def test_metadata_must_be_json(tmp_path):
    net, _, _ = trained("relu", "mse", "float32")
    with pytest.raises(TypeError, match="JSON"):
        io.save(net, tmp_path / "m.npz", metadata={"array": np.arange(3)})
    with pytest.raises(TypeError, match="dict"):
        io.save(net, tmp_path / "m.npz", metadata=["not", "a", "dict"])
    assert os.listdir(tmp_path) == []


# -- atomic saving --------------------------------------------------------------------------
def _crash_in_savez(monkeypatch):
    real = np.savez

    def half_written(file, *args, **kwargs):
        file.write(b"PK\x03\x04 the first bytes of an archive that never gets finished")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", half_written)
    return real


def _crash_in_fsync(monkeypatch):
    def failing(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing)


@pytest.mark.parametrize("crash", [_crash_in_savez, _crash_in_fsync], ids=["savez", "fsync"])
def test_failed_save_leaves_previous_file_intact(tmp_path, monkeypatch, crash):
    old, X, _ = trained("relu", "mse", "float32", seed=1)
    new, _, _ = trained("relu", "mse", "float32", seed=2)
    path = tmp_path / "model.npz"
    io.save(old, path)
    before = path.read_bytes()

    crash(monkeypatch)
    with pytest.raises(OSError):
        io.save(new, path)
    monkeypatch.undo()

    assert os.listdir(tmp_path) == ["model.npz"]           # no temporary file left behind
    assert path.read_bytes() == before
    assert np.array_equal(fastnet.load(path).predict(X), old.predict(X))


def test_failed_first_save_leaves_nothing(tmp_path, monkeypatch):
    net, _, _ = trained("relu", "mse", "float32")
    _crash_in_savez(monkeypatch)
    with pytest.raises(OSError, match="No space"):
        io.save(net, tmp_path / "model.npz")
    assert os.listdir(tmp_path) == []


def test_saved_file_has_normal_permissions(tmp_path):
    net, _, _ = trained("relu", "mse", "float32")
    path = io.save(net, tmp_path / "m.npz")
    mask = os.umask(0o022)
    os.umask(mask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~mask   # not mkstemp's 0600


def test_save_into_missing_directory(tmp_path):
    net, _, _ = trained("relu", "mse", "float32")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        io.save(net, tmp_path / "nope" / "m.npz")


# -- what load refuses ------------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    net, X, Y = trained("tanh", "mse", "float64", sizes=(20, 50, 5))   # params fill most of the file
    path = tmp_path / "model.npz"
    io.save(net, path)
    return path


def _rewrite(path, **changes):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    for key, value in changes.items():
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value
    np.savez(path, **arrays)


def _config(path):
    with np.load(path, allow_pickle=False) as archive:
        return json.loads(str(archive["config"][()]))


def _raises(path, pattern):
    """load(path) raises ValueError matching pattern and naming the file."""
    with pytest.raises(ValueError, match=pattern) as info:
        fastnet.load(path)
    assert str(path) in str(info.value)
    return info.value


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "nope"))):
        fastnet.load(tmp_path / "nope")


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.01])
def test_truncated_file(saved, keep):
    data = saved.read_bytes()
    saved.write_bytes(data[:int(len(data) * keep)])
    _raises(saved, "truncated or corrupted")


def test_corrupted_bytes(saved):
    data = bytearray(saved.read_bytes())
    middle = len(data) // 2                    # inside the params array
    data[middle:middle + 8] = bytes(b ^ 0xFF for b in data[middle:middle + 8])
    saved.write_bytes(bytes(data))
    _raises(saved, "corrupted")


def test_corrupted_config(saved):
    data = saved.read_bytes()
    word = '"layers"'.encode("utf-32-le")       # numpy stores unicode arrays as UTF-32
    at = data.index(word)
    saved.write_bytes(data[:at] + '"LAYERS"'.encode("utf-32-le") + data[at + len(word):])
    _raises(saved, "corrupted")                 # the zip member's CRC no longer matches


def test_foreign_npz(tmp_path):
    path = tmp_path / "weights.npz"
    np.savez(path, W=np.ones((2, 2)), b=np.zeros(2))
    _raises(path, r"not a fastnet model.*lacks.*config")


def test_npz_with_other_config(saved):
    _rewrite(saved, config=np.array(json.dumps({"format": "someone-else", "layers": []})))
    _raises(saved, "not a fastnet model")


def test_npz_with_pickled_objects(tmp_path):
    path = tmp_path / "objects.npz"
    np.savez(path, config=np.array([{"a": 1}], dtype=object), params=np.zeros(3))
    _raises(path, "pickled")


@pytest.mark.parametrize("content", [b"x1,x2,y\n1,2,3\n", b"", b"\x93NUMPY fake npy header"],
                         ids=["csv", "empty", "npy"])
def test_not_an_npz(tmp_path, content):
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    _raises(path, r"not an \.npz")


def test_real_npy_file(tmp_path):
    path = tmp_path / "array.npy"
    np.save(path, np.arange(5.0))
    _raises(path, r"not an \.npz.*\.npy")


def test_newer_format_version(saved):
    config = _config(saved)
    config["format_version"] = io.FORMAT_VERSION + 1
    config["fastnet_version"] = "99.0"
    _rewrite(saved, config=np.array(json.dumps(config)))
    error = _raises(saved, f"format version {io.FORMAT_VERSION + 1}")
    assert "upgrade" in str(error) and "99.0" in str(error)


@pytest.mark.parametrize("change", [lambda p: p[:-1], lambda p: np.r_[p, 0.0], lambda p: p.reshape(1, -1)],
                         ids=["short", "long", "2-D"])
def test_params_of_wrong_length(saved, change):
    with np.load(saved) as archive:
        params = archive["params"]
    _rewrite(saved, params=change(params))
    _raises(saved, "params has .* needs")


def test_params_of_wrong_dtype(saved):
    with np.load(saved) as archive:
        params = archive["params"]
    _rewrite(saved, params=params.astype(np.float32))
    _raises(saved, "dtype float32")


def test_non_finite_params(saved):
    with np.load(saved) as archive:
        params = archive["params"].copy()
    params[3] = np.nan
    _rewrite(saved, params=params)
    _raises(saved, "NaN")


def test_optimizer_state_of_wrong_shape(saved):
    with np.load(saved) as archive:
        state = archive["optimizer_state"]
    _rewrite(saved, optimizer_state=state[:, :-1])
    _raises(saved, "optimizer_state has shape")


def test_optimizer_state_missing(saved):
    _rewrite(saved, optimizer_state=None)
    _raises(saved, "optimizer state array is missing")


def test_invalid_description(saved):
    config = _config(saved)
    config["layers"][0]["activation"] = {"name": "swish"}
    _rewrite(saved, config=np.array(json.dumps(config)))
    _raises(saved, "invalid network description.*swish")


def test_unknown_initialiser_in_the_file(saved):
    config = _config(saved)
    config["layers"][0]["init"] = "orthogonal"
    _rewrite(saved, config=np.array(json.dumps(config)))
    _raises(saved, "invalid network description.*init.*orthogonal")


def test_unknown_optimizer(saved):
    config = _config(saved)
    config["optimizer"]["name"] = "lion"
    _rewrite(saved, config=np.array(json.dumps(config)))
    _raises(saved, "optimizer.*lion")


# -- pickling -------------------------------------------------------------------------------
@pytest.mark.parametrize("hidden, loss", CASES[:3], ids=lambda c: str(c))
def test_pickle_round_trip_and_resume(dtype, hidden, loss):
    net, X, Y = trained(hidden, loss, dtype, optimizer=Adam(lr=0.01, amsgrad=True))
    copy = pickle.loads(pickle.dumps(net))
    assert copy is not net and copy.params is not net.params
    assert np.array_equal(copy.predict(X), net.predict(X))
    assert copy.criterion == net.criterion
    assert [l.activation for l in copy.layers] == [l.activation for l in net.layers]

    # Both continue the same way: optimizer state, step count and shuffle state came along.
    h_net = net.fit(X, Y, epochs=3, batch_size=6)
    h_copy = copy.fit(X, Y, epochs=3, batch_size=6)
    assert h_copy.loss == h_net.loss
    assert np.array_equal(copy.params, net.params)
    assert copy._optimizer is not net._optimizer


def test_pickle_of_untrained_network():
    net = Network.mlp([3, 4, 2], loss="mse", seed=9)
    copy = pickle.loads(pickle.dumps(net))
    assert copy._optimizer is None
    assert np.array_equal(copy.params, net.params)
