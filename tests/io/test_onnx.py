"""ONNX export (fastnet.io.onnx): ONNX Runtime runs the exported graph and gets what Network.predict gets."""

import importlib

import numpy as np
import pytest

import fastnet
from fastnet.cli.main import main
from fastnet.io import onnx as fn_onnx
from fastnet.nn.activations import ACTIVATIONS, Activation

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

TOL = {"float32": 1e-6, "float64": 1e-12}
#: A value other than the default for each activation parameter, so that the parameter is exported too.
#: softplus's threshold of 1 with beta 2 puts inputs on both sides of its switch.
OTHER_PARAMS = {"negative_slope": 0.2, "alpha": 0.7, "beta": 2.0, "threshold": 1.0}


def _session(model):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def _reference_evaluator(model):
    """onnx's reference evaluator, with its Erf in double (its own rounds every value to float32)."""
    import math

    from onnx.reference import ReferenceEvaluator
    from onnx.reference.ops._op import OpRunUnaryNum

    class Erf(OpRunUnaryNum):
        def _run(self, x):
            return (np.vectorize(math.erf, otypes=[x.dtype])(x),)

    return ReferenceEvaluator(model, new_ops=[Erf])


def _run(model, X):
    """ONNX Runtime's output; where it lacks a double kernel (Erf: float64 gelu), onnx's reference evaluator's."""
    try:
        session = _session(model)
    except ort.capi.onnxruntime_pybind11_state.NotImplemented as exc:
        assert X.dtype == np.float64 and "Erf" in str(exc), exc
        return _reference_evaluator(model).run(["Y"], {"X": X})[0]
    return session.run(["Y"], {"X": X})[0]


def _assert_ort_matches_predict(net, X, opset=fn_onnx.DEFAULT_OPSET):
    model = net.to_onnx(opset=opset)
    onnx.checker.check_model(model, full_check=True)
    got = _run(model, X)
    assert got.dtype == net.dtype and got.shape == (len(X), net.n_outputs)
    expected = net.predict(X)
    # To 1e-6 (float32) / 1e-12 (float64) of the outputs' scale: two BLAS sum a row in different orders.
    tol = TOL[net.dtype.name]
    np.testing.assert_allclose(got, expected, rtol=tol, atol=tol * max(1.0, float(np.abs(expected).max())))


def _data(n_features, dtype, n=17, scale=3.0):
    return (scale * np.random.default_rng(0).standard_normal((n, n_features))).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("sizes", [[3, 5, 2], [6, 9, 7, 4]])
def test_every_activation_exports_as_predict_computes_it(name, dtype, sizes):
    defaults = ACTIVATIONS[name][0]
    for params in ({}, {k: OTHER_PARAMS.get(k, 2 * v + 0.5) for k, v in defaults.items()}):
        hidden = Activation(name, **params)
        net = fastnet.Network.mlp(sizes, activation=hidden, loss="mse", dtype=dtype, seed=3)
        net.params = np.random.default_rng(1).standard_normal(net.n_params)   # not only the small initial weights
        _assert_ort_matches_predict(net, _data(sizes[0], dtype))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("loss, last_op", [("mse", "Gemm"), ("cross_entropy", "Softmax"),
                                           ("binary_cross_entropy", "Sigmoid")])
def test_the_fused_output_activation_is_in_the_graph(loss, last_op, dtype):
    net = fastnet.Network.mlp([4, 8, 3], loss=loss, dtype=dtype, seed=0)
    model = net.to_onnx()
    ops = [node.op_type for node in model.graph.node]
    assert ops.count("Gemm") == 2 and ops[-1] == "Identity" and ops[-2] == last_op
    _assert_ort_matches_predict(net, _data(4, dtype))
    if loss == "cross_entropy":
        probabilities = _session(model).run(["Y"], {"X": _data(4, dtype)})[0]
        np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


@pytest.mark.parametrize("opset", [13, 17, 20])
def test_opsets(opset):
    net = fastnet.Network.mlp([3, 6, 2], activation="tanh", dtype="float64", seed=2)
    model = net.to_onnx(opset=opset)
    assert [op.version for op in model.opset_import if op.domain in ("", "ai.onnx")] == [opset]
    _assert_ort_matches_predict(net, _data(3, "float64"), opset=opset)


def test_the_batch_is_symbolic_and_the_weights_are_the_networks():
    net = fastnet.Network.mlp([5, 4, 1], seed=0)
    model = net.to_onnx()
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "batch" and dims[1].dim_value == 5
    weights = {init.name: onnx.numpy_helper.to_array(init) for init in model.graph.initializer}
    W0 = next(v for k, v in weights.items() if k.startswith("W0"))
    np.testing.assert_array_equal(W0, net.layers[0].W)
    session = _session(model)
    for n in (1, 2, 1000):
        X = _data(5, "float32", n=n)
        np.testing.assert_allclose(session.run(["Y"], {"X": X})[0], net.predict(X), rtol=1e-6, atol=1e-6)


def test_the_file_written_loads_back(tmp_path):
    net = fastnet.Network.mlp([3, 4, 2], loss="cross_entropy", seed=1)
    path = tmp_path / "model.onnx"
    returned = fastnet.io.to_onnx(net, path)
    assert onnx.load(str(path)) == returned and returned.producer_name == "fastnet"
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    X = _data(3, "float32")
    np.testing.assert_allclose(session.run(["Y"], {"X": X})[0], net.predict(X), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("opset, error, match", [
    (12, ValueError, r"opset must be >= 13, got 12"),
    (10 ** 4, ValueError, r"opset must be at most \d+ \(the newest this onnx package knows\), got 10000"),
    ("17", TypeError, r"opset must be an int"),
])
def test_bad_opsets_are_refused(opset, error, match):
    net = fastnet.Network.mlp([2, 3, 1], seed=0)
    with pytest.raises(error, match=match):
        net.to_onnx(opset=opset)


def test_without_onnx_the_error_names_the_extra(monkeypatch):
    real = importlib.import_module

    def no_onnx(name, *args):
        if name == "onnx":
            raise ImportError("No module named 'onnx'")
        return real(name, *args)

    monkeypatch.setattr(fn_onnx.importlib, "import_module", no_onnx)
    with pytest.raises(ImportError, match=r"pip install 'fastnet\[onnx\]'"):
        fastnet.Network.mlp([2, 3, 1], seed=0).to_onnx()


def test_every_activation_has_an_onnx_form_and_no_other():
    assert set(fn_onnx.ACTIVATION_NODES) == set(ACTIVATIONS)


def test_the_cli_exports_a_saved_model(tmp_path, capsys):
    net = fastnet.Network.mlp([3, 5, 3], loss="cross_entropy", dtype="float64", seed=4)
    model = net.save(str(tmp_path / "model.npz"))
    out = tmp_path / "model.onnx"
    assert main(["export", model, str(out), "--opset", "18"]) == 0
    assert "wrote" in capsys.readouterr().out
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    X = _data(3, "float64")
    np.testing.assert_allclose(session.run(["Y"], {"X": X})[0], net.predict(X), rtol=1e-12, atol=1e-12)
    assert main(["export", model, str(out), "--opset", "12"]) == 2
    assert "opset" in capsys.readouterr().err


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_layers_are_left_out_as_the_identity_they_are_at_inference(dtype):
    net = fastnet.Network.mlp([4, 8, 6, 3], activation="tanh", dtype=dtype, seed=1, dropout=0.5)
    net.fit(_data(4, dtype), _data(3, dtype), epochs=2, batch_size=4)   # weights trained with dropout
    assert [type(layer).__name__ for layer in net.layers].count("Dropout") == 2
    ops = [node.op_type for node in net.to_onnx().graph.node]
    assert ops.count("Gemm") == 3 and "Dropout" not in ops
    _assert_ort_matches_predict(net, _data(4, dtype))
