"""fastnet.LBFGS against torch.optim.LBFGS (strong Wolfe) and scipy's L-BFGS-B, and its argument checks."""

import pickle

import numpy as np
import pytest

import fastnet as fn
from fastnet.optim.line_search import cubic_minimum


def _data(n=64, n_in=5, n_out=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_in)), rng.normal(size=(n, n_out))


def _torch_twin(net):
    torch = pytest.importorskip("torch")
    layers = []
    for i, layer in enumerate(net.layers):
        linear = torch.nn.Linear(layer.W.shape[0], layer.W.shape[1]).double()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.W.T.copy()))
            linear.bias.copy_(torch.from_numpy(layer.b.copy()))
        layers.append(linear)
        if i < len(net.layers) - 1:
            layers.append(torch.nn.Tanh())
    return torch, torch.nn.Sequential(*layers)


def _torch_losses(net, X, Y, epochs, m, weight_decay=0.0):
    """torch.optim.LBFGS, one iteration per step: the loss each step starts from is the last step's result."""
    torch, model = _torch_twin(net)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    # max_eval = 1 + max_ls: torch gives its line search max_eval - 1 evaluations.
    opt = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=1, max_eval=21, tolerance_grad=0,
                            tolerance_change=1e-9, history_size=m, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = ((model(Xt) - Yt) ** 2).mean()
        loss = loss + 0.5 * weight_decay * sum((p ** 2).sum() for p in model.parameters())
        loss.backward()
        return loss

    losses = [float(opt.step(closure).detach()) for _ in range(epochs)]
    params = np.concatenate([np.concatenate([l.weight.detach().numpy().T.ravel(), l.bias.detach().numpy()])
                             for l in model if isinstance(l, torch.nn.Linear)])
    losses.append(float(closure().detach()))   # where the last iteration arrived
    return losses[1:], params


@pytest.mark.parametrize("m,epochs", [(10, 15), (3, 25)])   # (3, 25): the ring of pairs wraps around
def test_same_losses_and_parameters_as_torch(m, epochs):
    X, Y = _data()
    net = fn.Network.mlp([5, 8, 2], activation="tanh", loss="mse", dtype="float64", seed=1)
    expected, torch_params = _torch_losses(net, X, Y, epochs, m)
    history = net.fit(X, Y, optimizer=fn.LBFGS(m=m, tol=0, gtol=0), epochs=epochs)
    assert len(history) == epochs
    np.testing.assert_allclose(history.loss, expected, rtol=1e-8)
    np.testing.assert_allclose(net.params, torch_params, rtol=1e-6, atol=1e-9)
    assert expected[-1] < 0.7 * expected[0]   # it trains


def test_weight_decay_is_part_of_the_objective_not_of_the_logged_loss():
    X, Y = _data(seed=3)
    wd = 0.05
    net = fn.Network.mlp([5, 8, 2], activation="tanh", loss="mse", dtype="float64", seed=2)
    expected, _ = _torch_losses(net, X, Y, 10, 10, weight_decay=wd)
    history = net.fit(X, Y, optimizer=fn.LBFGS(tol=0, gtol=0, weight_decay=wd), epochs=10)
    objective = history.loss[-1] + 0.5 * wd * float(net.params @ net.params)
    np.testing.assert_allclose(objective, expected[-1], rtol=1e-8)
    assert history.loss[-1] == pytest.approx(net.loss(X, Y), rel=1e-12)


def test_a_quadratic_converges_in_a_few_iterations():
    # A linear network with the mean squared error: a convex quadratic in its 8 parameters.
    rng = np.random.default_rng(4)
    X = rng.normal(size=(100, 3))
    W, b = rng.normal(size=(3, 2)), rng.normal(size=2)
    Y = X @ W + b
    net = fn.Network.mlp([3, 2], activation="identity", loss="mse", dtype="float64", seed=0)
    optimizer = fn.LBFGS(gtol=1e-10, tol=0)
    history = net.fit(X, Y, optimizer=optimizer, epochs=100)
    assert optimizer.stop_reason == "gtol" and history.stopped_early
    assert len(history) <= 15   # exact in at most n = 8 steps with exact line searches
    np.testing.assert_allclose(net.layers[0].W, W, atol=1e-8)
    np.testing.assert_allclose(net.layers[0].b, b, atol=1e-8)


def test_rosenbrock_like_valley_through_a_tiny_net():
    # y = w2 * (w1 * x + b1) + b2 on two points: the minima form a curved valley (a product of parameters).
    X, Y = np.array([[0.0], [1.0]]), np.array([[1.0], [3.0]])
    net = fn.Network([fn.Dense(1, 1, activation="identity"), fn.Dense(1, 1, activation="identity")],
                     loss="mse", dtype="float64")
    net.params = [-1.5, 2.0, -0.8, 1.0]   # far from the valley
    start = net.loss(X, Y)
    history = net.fit(X, Y, optimizer=fn.LBFGS(gtol=1e-9, tol=0), epochs=200)
    assert start > 1 and history.loss[-1] < 1e-14
    np.testing.assert_allclose(net.predict(X), Y, atol=1e-7)


def test_reaches_the_minimum_scipy_finds():
    scipy_optimize = pytest.importorskip("scipy.optimize")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 4))
    y = (X @ [1.0, -2.0, 0.5, 0.0] + 0.3 * rng.normal(size=200) > 0).astype(float)[:, None]
    net = fn.Network.mlp([4, 1], activation="sigmoid", loss="binary_cross_entropy", dtype="float64", seed=0)
    wd, p0 = 1e-2, net.params.copy()   # logistic regression with an L2 penalty: strictly convex

    def fun(p):
        net.params = p
        return net.backward(X, y) + 0.5 * wd * p @ p, net.grads + wd * p

    reference = scipy_optimize.minimize(fun, p0, jac=True, method="L-BFGS-B", options={"gtol": 1e-10})
    net.params = p0
    optimizer = fn.LBFGS(gtol=1e-10, tol=0, weight_decay=wd)
    history = net.fit(X, y, optimizer=optimizer, epochs=200)
    assert history.loss[-1] + 0.5 * wd * net.params @ net.params == pytest.approx(reference.fun, rel=1e-10)
    np.testing.assert_allclose(net.params, reference.x, atol=1e-5)   # scipy stops on its ftol
    assert optimizer.n_fun <= 2 * reference.nfev


def test_float32_follows_float64():
    X, Y = _data(seed=6)
    nets = [fn.Network.mlp([5, 8, 2], activation="tanh", loss="mse", dtype=d, seed=3) for d in ("float32", "float64")]
    losses = [net.fit(X, Y, optimizer=fn.LBFGS(tol=0, gtol=0), epochs=5).loss for net in nets]
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-4)


def test_stops_on_tol_and_on_max_fun():
    X, Y = _data(seed=7)
    net = fn.Network.mlp([5, 8, 2], activation="tanh", loss="mse", dtype="float64", seed=4)
    optimizer = fn.LBFGS(tol=1e-2)
    history = net.fit(X, Y, optimizer=optimizer, epochs=500)
    assert optimizer.stop_reason == "tol" and len(history) < 500
    f_old, f_new = history.loss[-2], history.loss[-1]
    assert f_old - f_new <= 1e-2 * max(abs(f_old), abs(f_new), 1.0)
    optimizer = fn.LBFGS(max_fun=7, tol=0, gtol=0)
    net.fit(X, Y, optimizer=optimizer, epochs=500)
    assert optimizer.stop_reason == "max_fun" and 7 <= optimizer.n_fun <= 7 + 20


def test_pickle_keeps_the_memory():
    X, Y = _data(seed=8)
    net = fn.Network.mlp([5, 8, 2], activation="tanh", loss="mse", dtype="float64", seed=5)
    net.fit(X, Y, optimizer=fn.LBFGS(tol=0, gtol=0), epochs=5)
    copy = pickle.loads(pickle.dumps(net))
    assert copy._optimizer.state.count == net._optimizer.state.count == 5
    np.testing.assert_array_equal(net.fit(X, Y, epochs=5).loss, copy.fit(X, Y, epochs=5).loss)


def test_save_does_not_keep_the_lbfgs_memory(tmp_path):
    X, Y = _data(seed=9)
    net = fn.Network.mlp([5, 8, 2], activation="tanh", loss="mse", dtype="float64", seed=6)
    net.fit(X, Y, optimizer=fn.LBFGS(), epochs=3)
    loaded = fn.load(net.save(tmp_path / "model"))
    np.testing.assert_array_equal(loaded.params, net.params)
    assert loaded._optimizer is None   # documented: a fit with optimizer=LBFGS() starts afresh
    restarted = loaded.fit(X, Y, optimizer=fn.LBFGS(tol=0, gtol=0), epochs=2)
    fresh = net.fit(X, Y, optimizer=fn.LBFGS(tol=0, gtol=0), epochs=2)
    np.testing.assert_array_equal(restarted.loss, fresh.loss)


def test_cubic_minimum_of_a_cubic():
    # f(x) = (x - 1)^3 / 3 - (x - 1) on [1, 3] has its minimum at x = 2.
    f = lambda x: (x - 1) ** 3 / 3 - (x - 1)  # noqa: E731
    g = lambda x: (x - 1) ** 2 - 1  # noqa: E731
    assert cubic_minimum(1.0, f(1.0), g(1.0), 3.0, f(3.0), g(3.0)) == pytest.approx(2.0, abs=1e-12)
    assert cubic_minimum(1.0, f(1.0), g(1.0), 3.0, f(3.0), g(3.0), bounds=(2.5, 4.0)) == 2.5
    assert cubic_minimum(0.0, np.inf, -1.0, 1.0, 0.0, 1.0) == 0.5   # not finite: the middle


@pytest.mark.parametrize("kwargs,match", [
    ({"m": 0}, "m must be"), ({"tol": -1.0}, "tol"), ({"gtol": float("nan")}, "gtol"),
    ({"max_ls": 0}, "max_ls"), ({"max_fun": 0}, "max_fun"), ({"lr": 0.0}, "lr"),
    ({"weight_decay": -1.0}, "weight_decay"), ({"weight_decay": [[1.0]]}, "weight_decay"),
    ({"m": 2.5}, "m must be"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        fn.LBFGS(**kwargs)


def test_is_not_a_kernel_optimizer():
    assert "lbfgs" not in fn.OPTIMIZERS
    assert isinstance(fn.optim.make_optimizer("lbfgs"), fn.LBFGS)
    net = fn.Network.mlp([2, 1], dtype="float64")
    with pytest.raises(TypeError, match="net.fit"):
        fn.LBFGS().step(net)


@pytest.mark.parametrize("options,match", [
    ({"batch_size": 16}, "batch_size must be None"),
    ({"lr_schedule": fn.StepLR(step_size=1)}, "lr_schedule does not apply"),
    ({"max_norm": 1.0}, "max_norm does not apply"),
])
def test_fit_refuses_what_lbfgs_cannot_honour_and_changes_nothing(options, match):
    X, Y = _data()
    net = fn.Network.mlp([5, 8, 2], dtype="float64", seed=1)
    before = net.params.copy()
    with pytest.raises(ValueError, match=match):
        net.fit(X, Y, optimizer=fn.LBFGS(), epochs=2, **options)
    np.testing.assert_array_equal(net.params, before)
    assert net._optimizer is None
    net.fit(X, Y, optimizer=fn.LBFGS(), epochs=1, batch_size=64)   # a batch of all the rows is the full batch


def test_a_network_with_dropout_is_refused_before_training():
    # Its evaluations would draw no masks: it would train as if it had no dropout.
    X, Y = _data()
    net = fn.Network([fn.Dense(5, 8, "relu"), fn.Dropout(0.3), fn.Dense(8, 2)], dtype="float64", seed=1)
    before = net.params.copy()
    with pytest.raises(ValueError, match="Dropout layers"):
        net.fit(X, Y, optimizer=fn.LBFGS(), epochs=2)
    np.testing.assert_array_equal(net.params, before)
    assert net._optimizer is None


def test_weight_decay_of_the_wrong_length_is_refused_before_training():
    X, Y = _data()
    net = fn.Network.mlp([5, 8, 2], dtype="float64", seed=1)
    before = net.params.copy()
    with pytest.raises(ValueError, match=f"this network has {net.n_params} parameters"):
        net.fit(X, Y, optimizer=fn.LBFGS(weight_decay=np.ones(3)), epochs=1)
    np.testing.assert_array_equal(net.params, before)


def test_an_interrupt_in_the_line_search_puts_the_parameters_back():
    # f(x) = |x - c|^2 / 2 evaluated by hand; the third evaluation (inside the second line search) raises.
    c = np.array([3.0, -1.0, 2.0])
    params, grads = np.zeros(3), np.zeros(3)
    calls = []

    def data_loss():
        calls.append(params.copy())
        if len(calls) == 3:
            raise KeyboardInterrupt
        np.subtract(params, c, out=grads)
        return 0.5 * float(grads @ grads)

    class Owner:
        n_params, dtype = 3, np.dtype("float64")

    owner = Owner()
    optimizer = fn.LBFGS(tol=0, gtol=0)
    optimizer.bind(owner)
    loss, reason = optimizer.iterate(params, grads, data_loss)
    after_first = params.copy()
    assert reason is None and loss < 0.5 * c @ c and not np.array_equal(after_first, 0)
    with pytest.raises(KeyboardInterrupt):
        optimizer.iterate(params, grads, data_loss)
    assert not np.array_equal(calls[-1], after_first)   # it was evaluating a trial point
    np.testing.assert_array_equal(params, after_first)
    assert optimizer.t == 1


def test_lbfgs_records_metrics_of_the_point_each_iteration_reached():
    X, y = fn.datasets.blobs(120, n_features=4, n_classes=3, seed=0)
    net = fn.Network.mlp([4, 8, 3], loss="cross_entropy", dtype="float64", seed=0)
    history = net.fit(X, y, optimizer=fn.LBFGS(), epochs=5, metrics=["accuracy", "log_loss"],
                      validation_data=(X[:40], y[:40]))
    assert {"accuracy", "log_loss", "val_accuracy", "val_log_loss"} <= set(history.history)
    final = net.evaluate(X, y, metrics=["accuracy", "log_loss"])
    assert history.accuracy[-1] == pytest.approx(final["accuracy"])
    assert history.log_loss[-1] == pytest.approx(final["log_loss"], rel=1e-12)
    assert history.val_accuracy[-1] == pytest.approx(net.evaluate(X[:40], y[:40], metrics=["accuracy"])["accuracy"])
