"""A loss written in NumPy (fastnet.CustomLoss) trained by the per-batch Python path
(fastnet/train/python_epoch.py, python_loss.py): gradcheck, the same training as the built-in
loss it re-implements for the same seed, sample weights, validation, early stopping, errors."""

import copy
import pickle

import numpy as np
import pytest

import fastnet as fn
from fastnet.reference.random import SplitMix64
from fastnet.reference.random import shuffled_order as reference_order
from fastnet.train.python_epoch import shuffled_order


class HalfMSE(fn.CustomLoss):
    def value(self, output, target):
        return 0.5 * ((output - target) ** 2).sum(axis=1)

    def gradient(self, output, target):
        return output - target


class MSE(fn.CustomLoss):
    def value(self, output, target):
        return ((output - target) ** 2).mean(axis=1)

    def gradient(self, output, target):
        return 2.0 * (output - target) / output.shape[1]


class LogCosh(fn.CustomLoss):
    """The mean over the outputs of log(cosh(o - y)), overflow-free (the built-in log_cosh's convention)."""

    def value(self, output, target):
        r = np.abs(output - target)
        return (r + np.log1p(np.exp(-2.0 * r)) - np.log(2.0)).mean(axis=1)

    def gradient(self, output, target):
        return np.tanh(output - target) / output.shape[1]


class Pinball(fn.CustomLoss):
    """The quantile loss at q, summed over the outputs."""

    def __init__(self, q):
        self.q = q

    def value(self, output, target):
        r = target - output
        return np.maximum(self.q * r, (self.q - 1.0) * r).sum(axis=1)

    def gradient(self, output, target):
        return np.where(target > output, -self.q, 1.0 - self.q)


class TwiceTheGradient(LogCosh):
    def gradient(self, output, target):
        return 2.0 * super().gradient(output, target)


BUILT_IN = {"half_mse": HalfMSE, "mse": MSE, "log_cosh": LogCosh}


def _data(n=53, n_in=4, k=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_in)), rng.normal(size=(n, k)), rng.uniform(0.1, 2.0, size=n)


def _twins(name, dtype="float64", dropout=0.0, sizes=(4, 7, 2), **kw):
    return [fn.Network.mlp(list(sizes), activation="tanh", loss=loss, dtype=dtype, seed=3, dropout=dropout, **kw)
            for loss in (name, BUILT_IN[name]())]


# -- gradcheck ------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype,h,tol", [("float64", 1e-6, 1e-6), ("float32", 1e-2, 2e-2)])
@pytest.mark.parametrize("loss", [LogCosh(), Pinball(0.8)], ids=["log_cosh", "pinball"])
def test_gradcheck_of_a_custom_loss(dtype, h, tol, loss):
    X, Y, _ = _data(n=9)
    net = fn.Network.mlp([4, 6, 2], activation="tanh", output_activation="tanh", loss=loss, dtype=dtype, seed=1)
    if isinstance(loss, Pinball):
        Y = Y + 3.0 * np.sign(Y)   # far from the outputs: no kink within h of any residual
    assert fn.gradcheck(net, X, Y, h=h) < tol


def test_gradcheck_finds_a_wrong_gradient():
    X, Y, _ = _data(n=9)
    net = fn.Network.mlp([4, 6, 2], activation="tanh", loss=TwiceTheGradient(), dtype="float64", seed=1)
    assert fn.gradcheck(net, X, Y) > 0.3


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_loss_backward_and_evaluate_match_the_built_in(dtype):
    X, Y, W = _data()
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=1e-4, atol=1e-6)
    for name in BUILT_IN:
        built_in, custom = _twins(name, dtype)
        for weights in (None, W):
            np.testing.assert_allclose(custom.loss(X, Y, weights), built_in.loss(X, Y, weights), **tol)
            np.testing.assert_allclose(custom.backward(X, Y, weights), built_in.backward(X, Y, weights), **tol)
            np.testing.assert_allclose(custom.grads, built_in.grads, **tol)
            a = custom.evaluate(X, Y, metrics=["mae", "rmse", "r2"], sample_weight=weights)
            b = built_in.evaluate(X, Y, metrics=["mae", "rmse", "r2"], sample_weight=weights)
            assert a.keys() == b.keys()
            np.testing.assert_allclose(list(a.values()), list(b.values()), **tol)


def test_the_loss_is_the_custom_one_not_a_kernel_s():
    X, Y, W = _data()
    net = fn.Network.mlp([4, 5, 2], loss=Pinball(0.9), dtype="float64")
    out = net.predict(X)
    r = Y - out
    per_sample = np.maximum(0.9 * r, -0.1 * r).sum(axis=1)
    assert net.loss(X, Y) == pytest.approx(per_sample.mean(), rel=1e-12)
    assert net.loss(X, Y, W) == pytest.approx((W * per_sample).sum() / W.sum(), rel=1e-12)


# -- training: the same parameters as the built-in loss ---------------------------------------------
CASES = {
    "sgd": dict(optimizer=fn.SGD(lr=0.05, momentum=0.9), batch_size=10),
    "adam": dict(optimizer=fn.Adam(lr=0.01), batch_size=10),
    "weights": dict(optimizer=fn.Adam(lr=0.01), batch_size=8, sample_weight="W"),
    "no_shuffle": dict(optimizer="sgd", batch_size=10, shuffle=False),
    "batch_1": dict(optimizer=fn.SGD(lr=0.01), batch_size=1),
    "full_batch": dict(optimizer=fn.RMSprop(lr=0.01)),
    "clipped": dict(optimizer=fn.Adagrad(lr=0.1), batch_size=7, max_norm=0.05),
    "scheduled": dict(optimizer=fn.SGD(lr=0.1), batch_size=16, lr_schedule=fn.StepLR(step_size=2, gamma=0.5)),
    "dropout": dict(optimizer=fn.Adam(lr=0.01), batch_size=10, dropout=0.3),
}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", list(BUILT_IN))
@pytest.mark.parametrize("case", list(CASES))
def test_training_matches_the_built_in_loss(case, name, dtype):
    X, Y, W = _data()
    histories = []
    nets = _twins(name, dtype, CASES[case].get("dropout", 0.0))
    for net in nets:
        options = copy.deepcopy(CASES[case])   # a fresh optimizer for each
        options.pop("dropout", None)
        if options.get("sample_weight") == "W":
            options["sample_weight"] = W
        histories.append(net.fit(X, Y, epochs=4, seed=11, metrics=["mae", "r2"], **options))
    built_in, custom = nets
    tol = dict(rtol=1e-10, atol=1e-10) if dtype == "float64" else dict(rtol=2e-3, atol=2e-4)
    np.testing.assert_allclose(custom.params, built_in.params, **tol)
    for key in ("loss", "mae", "r2", "lr"):
        np.testing.assert_allclose(getattr(histories[1], key), getattr(histories[0], key), **tol)
    assert custom._optimizer.t == built_in._optimizer.t
    np.testing.assert_array_equal(custom._shuffle_state, built_in._shuffle_state)
    assert not np.array_equal(custom.params, fn.Network.mlp([4, 7, 2], activation="tanh", seed=3,
                                                            dtype=dtype).params)   # it trained


def test_validation_and_early_stopping_match_the_built_in_loss():
    X, Y, _ = _data(n=120)
    histories = []
    nets = _twins("mse")
    for net in nets:
        histories.append(net.fit(X[:90], Y[:90], fn.Adam(lr=0.05), epochs=60, batch_size=16, seed=2,
                                 validation_data=(X[90:], Y[90:]), early_stopping=3, metrics=["rmse"]))
    built_in, custom = histories
    assert custom.stopped_early and built_in.stopped_early and len(custom) < 60
    assert custom.best_epoch == built_in.best_epoch and len(custom) == len(built_in)
    np.testing.assert_allclose(custom.val_loss, built_in.val_loss, rtol=1e-10)
    np.testing.assert_allclose(custom.val_rmse, built_in.val_rmse, rtol=1e-10)
    np.testing.assert_allclose(nets[1].params, nets[0].params, rtol=1e-10, atol=1e-12)   # the best epoch's
    assert nets[1].loss(X[90:], Y[90:]) == pytest.approx(min(custom.val_loss), rel=1e-12)


def test_validation_split_callbacks_and_lbfgs():
    X, Y, _ = _data(n=80)
    seen = []
    nets = _twins("half_mse")
    histories = [net.fit(X, Y, fn.LBFGS(tol=0, gtol=0), epochs=5, validation_split=0.25,
                         callbacks=[lambda epoch, logs: seen.append(logs["val_loss"])]) for net in nets]
    np.testing.assert_allclose(histories[1].loss, histories[0].loss, rtol=1e-10)
    np.testing.assert_allclose(nets[1].params, nets[0].params, rtol=1e-9, atol=1e-12)
    assert seen[5:] == pytest.approx(seen[:5], rel=1e-10)


def test_the_shuffle_is_the_reference_s():
    for n in (0, 1, 2, 3, 10, 257):
        for seed in (0, 7, 2**64 - 5):
            order, state = np.empty(n, dtype=np.intp), np.array([seed], dtype=np.uint64)
            rng = SplitMix64(seed)
            shuffled_order(order, state)
            assert order.tolist() == reference_order(n, rng)
            assert int(state[0]) == rng.state


# -- errors, and what they leave ---------------------------------------------------------------------
class _Wrong(fn.CustomLoss):
    def __init__(self, value=None, gradient=None):
        self._value, self._gradient = value, gradient

    def value(self, output, target):
        return self._value(output, target) if self._value else ((output - target) ** 2).sum(axis=1)

    def gradient(self, output, target):
        return self._gradient(output, target) if self._gradient else 2.0 * (output - target)


@pytest.mark.parametrize("loss,error,match", [
    (_Wrong(value=lambda o, y: (o - y) ** 2), ValueError,
     r"_Wrong\.value must return an array of shape \(10,\).*got shape \(10, 2\)"),
    (_Wrong(gradient=lambda o, y: (o - y).sum(axis=1)), ValueError,
     r"_Wrong\.gradient .*shape \(10, 2\).*got shape \(10,\)"),
    (_Wrong(value=lambda o, y: np.full(len(o), np.nan)), ValueError, r"_Wrong\.value returned NaN"),
    (_Wrong(gradient=lambda o, y: np.full(o.shape, np.inf)), ValueError, r"_Wrong\.gradient returned NaN"),
    (_Wrong(value=lambda o, y: np.array(["a"] * len(o))), TypeError, r"_Wrong\.value must return real numbers"),
])
def test_a_wrong_loss_is_refused_on_the_first_batch(loss, error, match):
    X, Y, _ = _data()
    net = fn.Network.mlp([4, 5, 2], loss=loss, dtype="float64")
    before, state = net.params.copy(), net._shuffle_state.copy()
    with pytest.raises(error, match=match):
        net.fit(X, Y, epochs=2, batch_size=10)
    np.testing.assert_array_equal(net.params, before)
    np.testing.assert_array_equal(net._shuffle_state, state)


def test_what_is_not_a_custom_loss_is_refused():
    class NoGradient(fn.CustomLoss):
        def value(self, output, target):
            return output.sum(axis=1)

    with pytest.raises(TypeError, match="abstract"):
        NoGradient()

    class Duck:
        def value(self, output, target): ...
        def gradient(self, output, target): ...

    with pytest.raises(TypeError, match="derive it from fastnet.CustomLoss"):
        fn.Network.mlp([2, 1], loss=Duck())

    class log_cosh(LogCosh):   # noqa: N801 - the name is the point
        pass

    with pytest.raises(ValueError, match="built-in loss 'log_cosh'"):
        fn.Network.mlp([2, 1], loss=log_cosh())


class _FailsAt(fn.CustomLoss):
    """MSE that raises, or returns NaN, at the given call of gradient."""

    def __init__(self, call, exception=None):
        self.call, self.exception, self.calls = call, exception, 0

    def value(self, output, target):
        if self.calls == self.call and self.exception is None:
            return np.full(len(output), np.nan)
        return ((output - target) ** 2).sum(axis=1)

    def gradient(self, output, target):
        self.calls += 1
        if self.calls == self.call and self.exception is not None:
            raise self.exception
        return 2.0 * (output - target)


@pytest.mark.parametrize("exception", [RuntimeError("boom"), None], ids=["raises", "nan"])
def test_a_failing_epoch_leaves_the_network_as_before_it(exception):
    X, Y, _ = _data()
    batches = 6   # 53 rows by 10
    net = fn.Network.mlp([4, 5, 2], loss=_FailsAt(2 * batches + 3, exception), dtype="float64", seed=4)
    twin = fn.Network.mlp([4, 5, 2], loss=_FailsAt(-1), dtype="float64", seed=4)
    twin.fit(X, Y, fn.Adam(lr=0.01), epochs=2, batch_size=10, seed=5)
    with pytest.raises(RuntimeError if exception else fn.TrainingDivergedError) as info:
        net.fit(X, Y, fn.Adam(lr=0.01), epochs=4, batch_size=10, seed=5, rollback=False)
    if exception is not None:
        assert info.value is exception
    else:
        assert len(info.value.history) == 2
    np.testing.assert_array_equal(net.params, twin.params)   # the two completed epochs', not a third's half
    assert net._optimizer.t == twin._optimizer.t == 2 * batches
    np.testing.assert_array_equal(net._optimizer.state, twin._optimizer.state)
    np.testing.assert_array_equal(net._shuffle_state, twin._shuffle_state)


def test_ctrl_c_in_the_loss_keeps_the_completed_epochs():
    X, Y, _ = _data()
    net = fn.Network.mlp([4, 5, 2], loss=_FailsAt(6 * 3 + 2, KeyboardInterrupt()), dtype="float64", seed=4)
    twin = fn.Network.mlp([4, 5, 2], loss=_FailsAt(-1), dtype="float64", seed=4)
    twin.fit(X, Y, "sgd", epochs=3, batch_size=10, seed=5)
    with pytest.warns(RuntimeWarning, match="interrupted by the user after 3 epochs"):
        history = net.fit(X, Y, "sgd", epochs=5, batch_size=10, seed=5)
    assert history.interrupted and len(history) == 3
    np.testing.assert_array_equal(net.params, twin.params)


# -- keeping the model ---------------------------------------------------------------------------------
def test_save_refuses_and_pickle_keeps_the_loss(tmp_path):
    X, Y, _ = _data()
    net = fn.Network.mlp([4, 5, 2], loss=Pinball(0.3), dtype="float64")
    net.fit(X, Y, epochs=2, batch_size=10)
    with pytest.raises(TypeError, match="custom loss Pinball cannot be saved to a model file"):
        net.save(tmp_path / "model.npz")
    assert not list(tmp_path.iterdir())
    copy = pickle.loads(pickle.dumps(net))
    assert isinstance(copy.criterion, Pinball) and copy.criterion.q == 0.3
    np.testing.assert_array_equal(copy.params, net.params)
    assert copy.loss(X, Y) == net.loss(X, Y)


def test_onnx_export_computes_predict(tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    X, Y, _ = _data()
    net = fn.Network.mlp([4, 5, 2], output_activation="tanh", loss=LogCosh(), dtype="float32")
    net.fit(X, Y, epochs=2, batch_size=10)
    path = tmp_path / "model.onnx"
    net.to_onnx(path)
    session = ort.InferenceSession(str(path))
    name = session.get_inputs()[0].name
    got = session.run(None, {name: X.astype(np.float32)})[0]
    np.testing.assert_allclose(got, net.predict(X), rtol=1e-5, atol=1e-6)


class _RaisesOnValidation(HalfMSE):
    """half_mse whose value raises on its second look at the validation rows (the end of epoch 2)."""

    def __init__(self, n_val):
        self.n_val, self.seen = n_val, 0

    def value(self, output, target):
        if len(output) == self.n_val:
            self.seen += 1
            if self.seen == 2:
                raise ArithmeticError("no validation today")
        return super().value(output, target)


def test_an_exception_in_the_validation_loss_undoes_its_epoch():
    X, Y, _ = _data(n=70)
    net = fn.Network.mlp([4, 5, 2], loss=_RaisesOnValidation(17), dtype="float64", seed=4)
    twin = fn.Network.mlp([4, 5, 2], loss=HalfMSE(), dtype="float64", seed=4)
    twin.fit(X[:53], Y[:53], "adam", epochs=1, batch_size=10, seed=5, validation_data=(X[53:], Y[53:]))
    with pytest.raises(ArithmeticError, match="no validation today"):
        net.fit(X[:53], Y[:53], "adam", epochs=3, batch_size=10, seed=5, validation_data=(X[53:], Y[53:]))
    np.testing.assert_array_equal(net.params, twin.params)
    assert net._optimizer.t == twin._optimizer.t == 6
