"""Network.from_torch / Network.to_torch: the module's predictions, the weights copied exactly, round trips."""

import numpy as np
import pytest

import fastnet as fn
from fastnet.io.torch import TORCH_ACTIVATIONS

torch = pytest.importorskip("torch")
nn = torch.nn

TOL = {"float32": 1e-6, "float64": 1e-12}
TORCH_DTYPE = {"float32": torch.float32, "float64": torch.float64}

#: One torch module per fastnet activation, with parameters away from the defaults.
MODULES = {
    "relu": lambda: nn.ReLU(),
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "sigmoid": lambda: nn.Sigmoid(),
    "tanh": lambda: nn.Tanh(),
    "softmax": lambda: nn.Softmax(dim=-1),
    "gelu": lambda: nn.GELU(),
    "gelu_tanh": lambda: nn.GELU(approximate="tanh"),
    "silu": lambda: nn.SiLU(),
    "elu": lambda: nn.ELU(alpha=0.7),
    "softplus": lambda: nn.Softplus(beta=2.0, threshold=1.5),   # both branches on N(0, 1)-ish inputs
}


def _inputs(n_features, dtype, n=64):
    return np.random.default_rng(1).standard_normal((n, n_features)).astype(dtype) * 2


def _module_output(module, X):
    with torch.no_grad():
        return module(torch.from_numpy(X)).numpy()


def test_every_activation_has_a_torch_module():
    assert set(TORCH_ACTIVATIONS) == set(fn.ACTIVATIONS) - {"identity"} == set(MODULES)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(MODULES))
def test_predictions_equal_the_module(name, dtype):
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(5, 8), MODULES[name](), nn.Linear(8, 3)).to(TORCH_DTYPE[dtype])
    net = fn.Network.from_torch(module)
    assert net.dtype == np.dtype(dtype)
    assert [layer.activation.name for layer in net.layers] == [name, "identity"]
    X = _inputs(5, dtype)
    np.testing.assert_allclose(net.predict(X), _module_output(module, X), rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_array_equal(net.layers[0].W, module[0].weight.detach().numpy().T)
    np.testing.assert_array_equal(net.layers[1].b, module[2].bias.detach().numpy())


def test_activation_parameters_are_read_off_the_modules():
    module = nn.Sequential(nn.Linear(2, 3), nn.LeakyReLU(0.3), nn.Linear(3, 3), nn.ELU(alpha=0.5),
                           nn.Linear(3, 3), nn.Softplus(beta=3.0, threshold=7.0), nn.Linear(3, 1))
    acts = [layer.activation for layer in fn.Network.from_torch(module).layers]
    assert acts == [fn.Activation("leaky_relu", negative_slope=0.3), fn.Activation("elu", alpha=0.5),
                    fn.Activation("softplus", beta=3.0, threshold=7.0), fn.Activation("identity")]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fastnet_to_torch_to_fastnet_is_exact(dtype):
    net = fn.Network([fn.Dense(4, 6, "elu"), fn.Dense(6, 5, fn.Activation("softplus", beta=2.0)),
                      fn.Dense(5, 5, "gelu_tanh"), fn.Dense(5, 3, "softmax")],
                     loss="cross_entropy", dtype=dtype, seed=3)
    net.params = np.random.default_rng(0).standard_normal(net.n_params)
    module = net.to_torch()
    assert isinstance(module, nn.Sequential) and isinstance(module[-1], nn.Softmax) and module[-1].dim == 1
    assert module[0].weight.dtype == TORCH_DTYPE[dtype]
    np.testing.assert_array_equal(module[0].weight.detach().numpy(), net.layers[0].W.T)
    back = fn.Network.from_torch(module)
    np.testing.assert_array_equal(back.params, net.params)
    assert back.sizes == net.sizes and back.criterion == net.criterion and back.dtype == net.dtype
    assert [l.activation for l in back.layers] == [l.activation for l in net.layers]
    X = _inputs(4, dtype)
    np.testing.assert_allclose(_module_output(module, X), net.predict(X), rtol=TOL[dtype], atol=TOL[dtype])


def test_binary_cross_entropy_network_ends_with_sigmoid():
    net = fn.Network.mlp([3, 4, 1], loss="binary_cross_entropy", seed=1)
    module = net.to_torch()
    assert [type(m).__name__ for m in module] == ["Linear", "ReLU", "Linear", "Sigmoid"]
    X = _inputs(3, "float32")
    np.testing.assert_allclose(_module_output(module, X), net.predict(X), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("last, n_out, expected", [
    (nn.Softmax(dim=1), 3, "cross_entropy"),
    (nn.Sigmoid(), 2, "binary_cross_entropy"),
    (nn.Tanh(), 2, "mse"),
    (None, 1, "mse"),
    (nn.Softmax(dim=1), 1, "mse"),   # a one-unit softmax is no classifier: cross_entropy needs 2 outputs
])
def test_the_default_loss_follows_the_output(last, n_out, expected):
    modules = [nn.Linear(3, n_out)] + ([last] if last is not None else [])
    assert fn.Network.from_torch(nn.Sequential(*modules)).criterion.name == expected


def test_loss_can_be_given():
    module = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    assert fn.Network.from_torch(module, loss="huber").criterion == fn.Loss("huber")
    assert fn.Network.from_torch(module, loss=fn.Loss("quantile", q=0.2)).criterion.params == {"q": 0.2}
    with pytest.raises(ValueError, match="needs the output layer's activation to be 'softmax'"):
        fn.Network.from_torch(module, loss="cross_entropy")


def test_linear_without_bias_gets_zero_biases():
    module = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Tanh(), nn.Linear(4, 2, bias=False)).double()
    net = fn.Network.from_torch(module)
    assert not net.layers[0].b.any() and not net.layers[1].b.any()
    X = _inputs(3, "float64")
    np.testing.assert_allclose(net.predict(X), _module_output(module, X), rtol=1e-12, atol=1e-12)


def test_stacked_activations_and_leading_ones_get_identity_layers():
    torch.manual_seed(2)
    module = nn.Sequential(nn.Tanh(), nn.Linear(3, 4), nn.ReLU(), nn.Identity(), nn.Sigmoid(),
                           nn.Linear(4, 2), nn.Linear(2, 2)).double()
    net = fn.Network.from_torch(module)
    assert net.sizes == [3, 3, 4, 4, 2, 2]
    assert [l.activation.name for l in net.layers] == ["tanh", "relu", "sigmoid", "identity", "identity"]
    np.testing.assert_array_equal(net.layers[0].W, np.eye(3))
    np.testing.assert_array_equal(net.layers[2].W, np.eye(4))
    assert not net.layers[2].b.any()
    X = _inputs(3, "float64")
    np.testing.assert_allclose(net.predict(X), _module_output(module, X), rtol=1e-12, atol=1e-12)
    # and back: the identity layers are Linears of their own, the module computes the same
    np.testing.assert_allclose(_module_output(net.to_torch(), X), net.predict(X), rtol=1e-12, atol=1e-12)


def test_dtype_argument_converts():
    module = nn.Sequential(nn.Linear(3, 2))
    net = fn.Network.from_torch(module, dtype="float64")
    assert net.dtype == np.float64
    np.testing.assert_array_equal(net.layers[0].W, module[0].weight.detach().double().numpy().T)
    half = nn.Sequential(nn.Linear(3, 2)).half()
    assert fn.Network.from_torch(half, dtype="float32").dtype == np.float32


def test_unsupported_module_is_named_with_its_index_and_the_supported_list():
    module = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.BatchNorm1d(4), nn.Linear(4, 1))
    with pytest.raises(ValueError, match=r"module 2 of the Sequential \(BatchNorm1d\).*supported: Linear, ReLU, "
                                         r"LeakyReLU, Sigmoid, Tanh, Softmax, GELU, SiLU, ELU, Softplus, Identity, "
                                         r"Dropout"):
        fn.Network.from_torch(module)


@pytest.mark.parametrize("module, message", [
    (lambda: nn.Linear(3, 2), "takes a torch.nn.Sequential .* got torch.nn.modules.linear.Linear"),
    (lambda: [nn.Linear(3, 2)], "takes a torch.nn.Sequential .* got builtins.list"),
])
def test_not_a_sequential(module, message):
    with pytest.raises(TypeError, match=message):
        fn.Network.from_torch(module())


@pytest.mark.parametrize("modules, error, message", [
    (lambda: [nn.ReLU()], ValueError, "has no nn.Linear"),
    (lambda: [nn.Linear(3, 2), nn.Softmax(dim=0)], ValueError, r"module 1 .*Softmax\(dim=0\)"),
    (lambda: [nn.Linear(3, 2), nn.Softmax()], ValueError, r"module 1 .*Softmax\(dim=None\) leaves the axis"),
    (lambda: [nn.Linear(3, 2), nn.Softmax(dim=0)], ValueError, "over the features: Softmax\\(dim=1\\)"),
    (lambda: [nn.Linear(3, 2), nn.LeakyReLU(-0.5)], ValueError, "module 1 .*negative_slope"),
    (lambda: [nn.Linear(3, 4), nn.Linear(3, 2)], ValueError, "takes 3 inputs but the layer before gives 4"),
    (lambda: [nn.Linear(3, 4).half()], TypeError, "torch.float16.*pass dtype="),
    (lambda: [nn.Linear(3, 4), nn.Linear(4, 1).double()], TypeError, "torch.float32, torch.float64"),
])
def test_bad_modules(modules, error, message):
    with pytest.raises(error, match=message):
        fn.Network.from_torch(nn.Sequential(*modules()))


def test_bad_dtype_argument():
    with pytest.raises((TypeError, ValueError), match="dtype"):
        fn.Network.from_torch(nn.Sequential(nn.Linear(3, 2)), dtype="int32")


def test_non_finite_weights_are_refused():
    module = nn.Sequential(nn.Linear(3, 2))
    with torch.no_grad():
        module[0].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        fn.Network.from_torch(module)


def test_importing_fastnet_io_torch_leaves_torch_the_real_package():
    import fastnet.io.torch as converter

    assert converter.__name__ == "fastnet.io.torch" and torch.__name__ == "torch" and hasattr(torch, "nn")


def test_without_torch_the_error_names_the_package(monkeypatch):
    module = nn.Sequential(nn.Linear(3, 2))
    net = fn.Network.mlp([3, 2])
    monkeypatch.setitem(__import__("sys").modules, "torch", None)   # import torch now raises ImportError
    with pytest.raises(ImportError, match="needs the torch package: pip install torch"):
        fn.Network.from_torch(module)
    with pytest.raises(ImportError, match="needs the torch package"):
        net.to_torch()


def test_to_torch_keeps_the_dropout_layers():
    torch = pytest.importorskip("torch")
    net = fn.Network.mlp([4, 8, 8, 3], loss="cross_entropy", dropout=0.3, seed=0)
    module = net.to_torch()
    assert [type(m).__name__ for m in module] == ["Linear", "ReLU", "Dropout", "Linear", "ReLU", "Dropout",
                                                  "Linear", "Softmax"]
    assert all(m.p == 0.3 for m in module if isinstance(m, torch.nn.Dropout))
    X = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    with torch.no_grad():
        out = module.eval()(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(out, net.predict(X), rtol=1e-6, atol=1e-6)
