"""The activations as a user names them: parameters checked, every entry point, the engine's workspace.

The numbers themselves are held to fastnet.reference and torch in
tests/core/test_kernels_activations.py and tests/nn/test_network.py.
"""

import math

import numpy as np
import pytest

import fastnet
import fastnet.reference as ref
from fastnet import ACTIVATIONS, Activation, Dense, Network
from fastnet._core import network as engine

SMOOTH = ["gelu", "gelu_tanh", "silu", "elu", "softplus"]


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(alpha=0.0), ValueError, r"alpha must be > 0.0, got 0.0"),
    (dict(alpha=-1.0), ValueError, r"alpha must be > 0.0, got -1.0"),
    (dict(alpha=math.inf), ValueError, r"alpha must be finite, got inf"),
    (dict(alpha=math.nan), ValueError, r"alpha must be finite, got nan"),
    (dict(alpha="1"), TypeError, r"alpha must be a real number, got str"),
], ids=str)
def test_elu_alpha_is_checked(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Activation("elu", **kwargs)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(beta=0.0), ValueError, r"beta must be > 0.0, got 0.0"),
    (dict(beta=-2.0), ValueError, r"beta must be > 0.0, got -2.0"),
    (dict(beta=math.inf), ValueError, r"beta must be finite, got inf"),
    (dict(threshold=math.nan), ValueError, r"threshold must be finite, got nan"),
    (dict(threshold=-math.inf), ValueError, r"threshold must be finite, got -inf"),
    (dict(threshold=None), TypeError, r"threshold must be a real number, got NoneType"),
], ids=str)
def test_softplus_parameters_are_checked(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Activation("softplus", **kwargs)


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "silu"])
def test_parameterless_activations_take_none(name):
    with pytest.raises(TypeError, match=f"activation {name!r} takes no parameters, got \\['alpha'\\]"):
        Activation(name, alpha=1.0)


def test_parameters_have_torchs_defaults_and_accept_any_finite_threshold():
    assert Activation("elu").params == {"alpha": 1.0}
    assert Activation("softplus").params == {"beta": 1.0, "threshold": 20.0}
    assert Activation("softplus", beta=2).params == {"beta": 2.0, "threshold": 20.0}
    assert Activation("softplus", threshold=-3).params["threshold"] == -3.0
    assert Activation("softplus", beta=2.0) == Activation("softplus", beta=2.0, threshold=20.0)
    assert Activation("softplus", beta=2.0) != Activation("softplus")
    assert repr(Activation("softplus", beta=2.0)) == "Activation('softplus', beta=2.0, threshold=20.0)"


@pytest.mark.parametrize("name", SMOOTH)
def test_smooth_activations_initialise_as_relu_does(name):
    # He uniform, sqrt(6 / n_in), as for relu; and the same draws as the reference.
    assert Activation(name).init == "he"
    net = Network.mlp([5, 9, 2], activation=name, dtype="float64", seed=7)
    relu = Network.mlp([5, 9, 2], activation="relu", dtype="float64", seed=7)
    np.testing.assert_array_equal(net.layers[0].W, relu.layers[0].W)
    assert np.abs(net.layers[0].W).max() <= math.sqrt(6 / 5)
    rnet = ref.Network.mlp([5, 9, 2], activation=name, seed=7)
    np.testing.assert_array_equal(net.params, rnet.params)


@pytest.mark.parametrize("name", SMOOTH)
def test_every_entry_point_takes_the_names(name, dtype):
    X = np.random.default_rng(0).normal(size=(6, 3))
    by_mlp = Network.mlp([3, 4, 2], activation=name, dtype=dtype, seed=1)
    by_dense = Network([Dense(3, 4, name), Dense(4, 2)], dtype=dtype, seed=1)
    by_object = Network([Dense(3, 4, Activation(name)), Dense(4, 2)], dtype=dtype, seed=1)
    assert by_mlp.layers[0].activation == Activation(name)
    np.testing.assert_array_equal(by_mlp.predict(X), by_dense.predict(X))
    np.testing.assert_array_equal(by_mlp.predict(X), by_object.predict(X))
    # ... as the output activation too, where the engine reads the kept logits as z.
    out = Network.mlp([3, 4, 2], activation="tanh", output_activation=name, dtype="float64", seed=1)
    rout = ref.Network.mlp([3, 4, 2], activation="tanh", output_activation=name, seed=1)
    Y = np.random.default_rng(1).normal(size=(6, 2))
    assert out.backward(X, Y) == pytest.approx(rout.backward(X.tolist(), Y.tolist()), rel=1e-12)
    np.testing.assert_allclose(out.grads, rout.grads, rtol=1e-10, atol=1e-12)
    assert fastnet.gradcheck(out, X, Y) < 1e-6


def test_parameters_reach_the_kernels():
    X = np.random.default_rng(2).normal(size=(8, 3)) * 3
    for name, kwargs in [("elu", dict(alpha=2.0)), ("softplus", dict(beta=3.0)), ("softplus", dict(threshold=0.0))]:
        default = Network([Dense(3, 5, name), Dense(5, 1)], dtype="float64", seed=3)
        changed = Network([Dense(3, 5, Activation(name, **kwargs)), Dense(5, 1)], dtype="float64", seed=3)
        rchanged = ref.Network([ref.Dense(3, 5, Activation(name, **kwargs)), ref.Dense(5, 1)], seed=3)
        assert not np.allclose(default.predict(X), changed.predict(X))
        np.testing.assert_allclose(changed.predict(X), rchanged.predict(X.tolist()), rtol=1e-12, atol=1e-14)


def _workspace_row(hidden):
    """Workspace elements per row of an [4, 6, 5, 3] network with these two hidden activations."""
    ids = [Activation(name).id for name in hidden] + [Activation("identity").id]
    params = [Activation(name).param_vector() for name in hidden] + [[]]
    return engine.Architecture([4, 6, 5, 3], ids, params, 1, 0.0, False).workspace_size(1)


def test_z_is_kept_only_for_the_layers_whose_backward_reads_it():
    base = _workspace_row(["relu", "tanh"])
    for name in ACTIVATIONS:
        reads_z = name in ("gelu", "gelu_tanh", "silu", "softplus")
        assert _workspace_row([name, "relu"]) == base + 6 * reads_z, name
        assert _workspace_row(["relu", name]) == base + 5 * reads_z, name
    assert _workspace_row(["gelu", "silu"]) == base + 6 + 5


def test_architecture_rejects_too_many_parameters():
    with pytest.raises(ValueError, match=r"act_params\[0\] has 3 values; at most 2"):
        engine.Architecture([2, 2], [0], [[1.0, 2.0, 3.0]], 1, 0.0, False)

