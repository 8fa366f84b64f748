"""Network.from_torch with nn.Dropout: a fastnet.Dropout of the same rate; round trips keep weights and rates."""

import numpy as np
import pytest

import fastnet as fn

torch = pytest.importorskip("torch")
nn = torch.nn

TOL = {"float32": 1e-6, "float64": 1e-12}
TORCH_DTYPE = {"float32": torch.float32, "float64": torch.float64}


def _eval_output(module, X):
    module.eval()
    with torch.no_grad():
        return module(torch.from_numpy(X)).numpy()


def _linears(module):
    return [m for m in module if isinstance(m, nn.Linear)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_torch_to_fastnet_to_torch_keeps_the_dropouts_and_the_weights(dtype):
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Dropout(0.25), nn.Linear(8, 6), nn.Tanh(),
                           nn.Dropout(p=0.1), nn.Linear(6, 3)).to(TORCH_DTYPE[dtype])
    net = fn.Network.from_torch(module)
    assert net.dtype == np.dtype(dtype)
    assert [repr(layer) if isinstance(layer, fn.Dropout) else type(layer).__name__ for layer in net.layers] == \
        ["Dense", "Dropout(0.25)", "Dense", "Dropout(0.1)", "Dense"]
    assert [layer.activation.name for layer in net.dense_layers] == ["relu", "tanh", "identity"]
    for layer, linear in zip(net.dense_layers, _linears(module)):   # copied value for value
        np.testing.assert_array_equal(layer.W, linear.weight.detach().numpy().T)
        np.testing.assert_array_equal(layer.b, linear.bias.detach().numpy())
    X = np.random.default_rng(1).standard_normal((32, 5)).astype(dtype)
    np.testing.assert_allclose(net.predict(X), _eval_output(module, X), rtol=TOL[dtype], atol=TOL[dtype])
    back = net.to_torch()
    assert [type(m).__name__ for m in back] == [type(m).__name__ for m in module]
    assert [m.p for m in back if isinstance(m, nn.Dropout)] == [0.25, 0.1]
    for ours, theirs in zip(_linears(back), _linears(module)):
        assert torch.equal(ours.weight, theirs.weight) and torch.equal(ours.bias, theirs.bias)
    np.testing.assert_array_equal(_eval_output(back, X), _eval_output(module, X))


def test_fastnet_to_torch_to_fastnet_is_the_same_network():
    net = fn.Network.mlp([4, 8, 8, 3], loss="cross_entropy", dropout=0.3, seed=5, dtype="float64")
    again = fn.Network.from_torch(net.to_torch(), loss="cross_entropy")
    assert [repr(layer) for layer in again.layers] == [repr(layer) for layer in net.layers]
    np.testing.assert_array_equal(again.params, net.params)
    # the same dropout in training: the same masks from the same seed, so the same gradient
    X = np.random.default_rng(2).standard_normal((16, 4))
    y = np.arange(16) % 3
    grads = []
    for each in (net, again, fn.Network.mlp([4, 8, 8, 3], loss="cross_entropy", seed=5, dtype="float64")):
        each.backward(X, y, dropout_seed=7)
        grads.append(each.grads.copy())
    np.testing.assert_array_equal(grads[0], grads[1])
    assert not np.allclose(grads[0], grads[2])   # the masks are at work: without them the gradient differs


def test_a_dropout_between_a_linear_and_its_activation_closes_the_layer():
    torch.manual_seed(1)
    module = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5), nn.Sigmoid(), nn.Linear(4, 2)).double()
    net = fn.Network.from_torch(module)
    # the Linear alone, the Dropout on its output, then the sigmoid in an identity layer of its own:
    # what the module computes in train() too (the sigmoid acts on the dropped values)
    assert [repr(layer) if isinstance(layer, fn.Dropout) else layer.activation.name for layer in net.layers] == \
        ["identity", "Dropout(0.5)", "sigmoid", "identity"]
    np.testing.assert_array_equal(net.dense_layers[1].W, np.eye(4))
    X = np.random.default_rng(3).standard_normal((10, 3))
    np.testing.assert_allclose(net.predict(X), _eval_output(module, X), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("modules, message", [
    (lambda: [nn.Dropout(0.2), nn.Linear(3, 2)], r"module 0 of the Sequential \(Dropout\): a Dropout before the first "
                                                 r"Linear drops the inputs"),
    (lambda: [nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.2), nn.Dropout(0.3), nn.Linear(4, 1)],
     r"module 3 of the Sequential \(Dropout\): a second Dropout on one layer's output \(after Dropout\(0.2\)\)"),
    (lambda: [nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.2), nn.Linear(4, 1), nn.Dropout(0.2)],
     r"module 4 of the Sequential \(Dropout\) drops the network's outputs"),
    (lambda: [nn.Linear(3, 4), nn.Dropout(0.2), nn.Identity()], r"module 1 of the Sequential \(Dropout\) drops"),
    (lambda: [nn.Linear(3, 4), nn.ReLU(), nn.Dropout(1.0), nn.Linear(4, 1)],
     r"module 2 of the Sequential \(Dropout\): Dropout p .* got 1.0"),
])
def test_dropouts_fastnet_cannot_express_are_refused_by_their_index(modules, message):
    with pytest.raises(ValueError, match=message):
        fn.Network.from_torch(nn.Sequential(*modules()))
