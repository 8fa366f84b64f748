"""Issue 8: threads.

Documented behaviour (the design): every Network method that touches the
parameters, gradients or workspaces (predict, loss, backward, fit and the
optimizer update behind ``Optimizer.step``) holds the network's own lock
(``net._lock``, a ``threading.RLock``) for the whole call. Calls on ONE
network from several threads are therefore serialised: a whole ``fit`` runs
as one unit, and a ``predict`` issued during it sees the parameters of an
epoch boundary (in fact those before or after the whole fit), never a torn
mix. Different networks share no lock and train in parallel, each in its
own nogil call (tests/nn/test_network.py checks that the GIL is released).

The checks are exact: full-batch or shuffled mini-batch training is a
deterministic function of (parameters, optimizer state, step count, shuffle
state), so running k epochs in each of m threads must leave bit-for-bit the
parameters of one fit of m*k epochs, whatever order the threads ran in.
"""

import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import fastnet
from helpers import child_process_env


def problem(n=240, n_features=12, n_outputs=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    Y = np.tanh(X @ rng.normal(size=(n_features, n_outputs)))
    return X, Y


def new_net(dtype="float64", seed=1, sizes=(12, 24, 24, 3)):
    return fastnet.Network.mlp(list(sizes), activation="tanh", dtype=dtype, seed=seed)


def run_threads(targets):
    """Start all targets at once (a barrier), join them, and re-raise the first error."""
    barrier = threading.Barrier(len(targets))
    errors = []

    def wrap(fn):
        def run():
            try:
                barrier.wait()
                fn()
            except BaseException as exc:  # noqa: BLE001 - handed to the main thread
                errors.append(exc)
        return run

    threads = [threading.Thread(target=wrap(fn)) for fn in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
        assert not t.is_alive(), "a thread hung"
    if errors:
        raise errors[0]


@pytest.fixture
def quick_switches():
    """A tiny switch interval: threads are interleaved as often as possible."""
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(old)


# ---------------------------------------------------------------------------
# One network, several threads: serialised, never corrupted
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("make_optimizer,batch_size,shuffle", [
    (lambda: fastnet.SGD(lr=0.05), None, False),                     # full-batch GD, as in the issue
    (lambda: fastnet.SGD(lr=0.05, momentum=0.9), None, False),
    (lambda: fastnet.Adam(lr=1e-3), 16, True),                      # mini-batches, shuffled, Adam's state
])
def test_threads_fitting_one_network_equal_one_long_serial_fit(dtype, make_optimizer, batch_size, shuffle,
                                                              quick_switches):
    X, Y = problem()
    n_threads, k = 4, 10
    net, opt = new_net(dtype), make_optimizer()

    def work():
        net.fit(X, Y, optimizer=opt, epochs=k, batch_size=batch_size, shuffle=shuffle)

    run_threads([work] * n_threads)

    serial = new_net(dtype)
    serial.fit(X, Y, optimizer=make_optimizer(), epochs=n_threads * k, batch_size=batch_size, shuffle=shuffle)
    np.testing.assert_array_equal(net.params, serial.params)
    assert opt.t == serial._optimizer.t


def test_threads_fitting_one_network_epoch_by_epoch(quick_switches):
    # Many short fits (one epoch each) from several threads: the epochs interleave
    # in any order, and each is still whole.
    X, Y = problem()
    net, opt = new_net(), fastnet.SGD(lr=0.05, momentum=0.5)

    def work():
        for _ in range(10):
            net.fit(X, Y, optimizer=opt, epochs=1, shuffle=False)

    run_threads([work] * 4)
    serial = new_net()
    serial.fit(X, Y, optimizer=fastnet.SGD(lr=0.05, momentum=0.5), epochs=40, shuffle=False)
    np.testing.assert_array_equal(net.params, serial.params)


def test_predict_during_fit_sees_the_parameters_of_an_epoch_boundary(quick_switches):
    X, Y = problem()
    net = new_net()
    boundary_params = [net.params.copy()]
    opt = fastnet.SGD(lr=0.05, momentum=0.9)
    stop = threading.Event()
    predictions = []

    def record(epoch, logs):
        boundary_params.append(net.params.copy())

    def train():
        try:
            for _ in range(15):  # one epoch per fit, so that predicts fall between epochs too
                net.fit(X, Y, optimizer=opt, epochs=1, batch_size=50, shuffle=True, callbacks=[record])
        finally:
            stop.set()

    def watch():
        while not stop.is_set():
            predictions.append(net.predict(X[:64]))

    run_threads([train, watch, watch])
    assert len(predictions) > 0
    twin = new_net()
    expected = []
    for p in boundary_params:
        twin.params = p
        expected.append(twin.predict(X[:64]))
    for out in predictions:
        assert any(np.array_equal(out, e) for e in expected), "a prediction mixes two epochs' parameters"
    assert len({e.tobytes() for e in expected}) == len(expected)  # the boundaries are distinguishable


def test_backward_and_loss_from_many_threads_are_each_exact(quick_switches):
    X, Y = problem()
    net = new_net()
    inputs = [(X[i::5], Y[i::5]) for i in range(5)]
    twin = new_net()
    expected = []
    for Xi, Yi in inputs:
        expected.append((twin.loss(Xi, Yi), twin.backward(Xi, Yi), twin.grads.copy()))
    failures = []

    def work(i):
        def run():
            Xi, Yi = inputs[i]
            for _ in range(30):
                if net.loss(Xi, Yi) != expected[i][0]:
                    failures.append(("loss", i))
                with net._lock:  # backward, then read the gradients it left, as one unit
                    if net.backward(Xi, Yi) != expected[i][1] or not np.array_equal(net.grads, expected[i][2]):
                        failures.append(("backward", i))
        return run

    run_threads([work(i) for i in range(5)])
    assert not failures, failures[:5]


def test_predict_from_many_threads_with_different_batch_sizes(quick_switches):
    # Different row counts need different workspaces (the network keeps a few,
    # evicting the oldest): sizes change under concurrent use without mixing up.
    X, _ = problem(n=1500)
    net = new_net()
    sizes = [1, 7, 64, 500, 1500, 13]
    expected = {m: net.predict(X[:m]) for m in sizes}
    failures = []

    def work(offset):
        def run():
            for r in range(40):
                m = sizes[(r + offset) % len(sizes)]
                if not np.array_equal(net.predict(X[:m]), expected[m]):
                    failures.append(m)
        return run

    run_threads([work(i) for i in range(6)])
    assert not failures


def test_optimizer_steps_from_two_threads_on_one_network(quick_switches):
    X, Y = problem()
    net, opt = new_net(), fastnet.SGD(lr=0.01)
    net.backward(X, Y)
    grads = net.grads.copy()

    def work():
        for _ in range(50):
            opt.step(net)

    run_threads([work, work])
    # Plain SGD with fixed gradients: 100 steps of p -= lr * g, in any order.
    serial = new_net()
    serial.backward(X, Y)
    serial_opt = fastnet.SGD(lr=0.01)
    for _ in range(100):
        serial_opt.step(serial)
    np.testing.assert_array_equal(serial.grads, grads)
    np.testing.assert_array_equal(net.params, serial.params)


# ---------------------------------------------------------------------------
# Races found (deterministic reproductions; fixes belong in network.py / optimizers.py)
# ---------------------------------------------------------------------------

def test_a_seeded_fit_is_reproducible_while_another_thread_fits():
    X, Y = problem(n=60)
    A = {"epochs": 1, "batch_size": 10}
    B = {"epochs": 2, "batch_size": 5, "seed": 5}

    def serial(order):
        net, opt = new_net(), fastnet.SGD(lr=0.05)
        for kwargs in order:
            net.fit(X, Y, optimizer=opt, **kwargs)
        return net.params

    net, opt = new_net(), fastnet.SGD(lr=0.05)
    thread = threading.Thread(target=lambda: net.fit(X, Y, optimizer=opt, **B))
    with net._lock:
        thread.start()
        time.sleep(0.3)            # B has started, and waits for the lock
        net.fit(X, Y, optimizer=opt, **A)  # A runs first (the lock is re-entrant for this thread)
    thread.join(timeout=60)
    assert any(np.array_equal(net.params, serial(order)) for order in ([A, B], [B, A]))


def test_concurrent_optimizer_steps_count_each_step_once():
    X, Y = problem()
    net, opt = new_net(), fastnet.Adam(lr=0.1)
    net.backward(X, Y)
    threads = [threading.Thread(target=opt.step, args=(net,)) for _ in range(2)]
    with net._lock:
        for t in threads:
            t.start()
        time.sleep(0.3)  # both threads are inside step(), waiting for the lock
    for t in threads:
        t.join(timeout=60)
    serial, serial_opt = new_net(), fastnet.Adam(lr=0.1)
    serial.backward(X, Y)
    serial_opt.step(serial)
    serial_opt.step(serial)
    assert opt.t == 2
    np.testing.assert_array_equal(net.params, serial.params)


_RESET_WHILE_FITTING = """
import threading, time, numpy as np, fastnet
rng = np.random.default_rng(0)
X, Y = rng.normal(size=(200, 8)), rng.normal(size=(200, 2))
net = fastnet.Network.mlp([8, 16, 2], dtype="float64")
net.fit(X, Y, optimizer=fastnet.Adam(), epochs=1)
second_started = threading.Event()
def callback(epoch, logs):
    if epoch == 1:                  # give the other thread time to reach its fit and reset
        second_started.wait(timeout=30)
        time.sleep(0.3)
errors = []
def first():
    try:
        net.fit(X, Y, epochs=3, callbacks=[callback])
    except (ValueError, TypeError) as exc:
        errors.append(exc)
def second():
    second_started.set()
    net.fit(X, Y, epochs=1, reset_optimizer=True)
a, b = threading.Thread(target=first), threading.Thread(target=second)
a.start()
time.sleep(0.2)
b.start()
a.join(); b.join()
print("finite:", bool(np.isfinite(net.params).all()), "errors:", errors)
"""


def test_resetting_the_optimizer_while_another_thread_fits_does_not_crash(tmp_path):
    done = subprocess.run([sys.executable, "-c", _RESET_WHILE_FITTING], cwd=tmp_path, env=child_process_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"exit code {done.returncode}: {done.stderr[-2000:]}"
    assert "finite: True" in done.stdout and "errors: []" in done.stdout, done.stdout


# ---------------------------------------------------------------------------
# Many networks, many threads: in parallel, each exactly as if alone
# ---------------------------------------------------------------------------

def test_many_threads_each_with_its_own_network_match_serial_runs(quick_switches):
    X, Y = problem()
    configs = [(seed, dtype, opt) for seed in range(4) for dtype in ("float32", "float64")
               for opt in ("sgd", "adam")]

    def train(seed, dtype, opt_name):
        net = new_net(dtype=dtype, seed=seed)
        opt = fastnet.SGD(lr=0.05, momentum=0.9) if opt_name == "sgd" else fastnet.Adam(lr=1e-3)
        history = net.fit(X, Y, optimizer=opt, epochs=4, batch_size=32, seed=seed)
        return net.params.copy(), history.loss, net.predict(X)

    results = {}

    def work(cfg):
        return lambda: results.__setitem__(cfg, train(*cfg))

    run_threads([work(cfg) for cfg in configs])
    for cfg in configs:
        params, losses, out = train(*cfg)
        np.testing.assert_array_equal(results[cfg][0], params)
        assert results[cfg][1] == losses
        np.testing.assert_array_equal(results[cfg][2], out)


def test_one_optimizer_cannot_serve_two_networks_in_two_threads():
    X, Y = problem()
    opt = fastnet.Adam()
    nets = [new_net(seed=1), new_net(seed=2, sizes=(12, 20, 3))]
    outcome = {}

    def work(i):
        def run():
            try:
                nets[i].fit(X, Y, optimizer=opt, epochs=3)
                outcome[i] = "trained"
            except ValueError as exc:
                outcome[i] = str(exc)
        return run

    run_threads([work(0), work(1)])
    assert sorted(v == "trained" for v in outcome.values()) == [False, True], outcome
    message = next(v for v in outcome.values() if v != "trained")
    assert "already holds state for another network" in message
    winner = next(i for i, v in outcome.items() if v == "trained")
    alone = new_net(seed=1) if winner == 0 else new_net(seed=2, sizes=(12, 20, 3))
    alone.fit(X, Y, optimizer=fastnet.Adam(), epochs=3)
    np.testing.assert_array_equal(nets[winner].params, alone.params)


# ---------------------------------------------------------------------------
# The BLAS thread count: one process-wide setting shared by concurrent calls
# ---------------------------------------------------------------------------

@pytest.fixture
def fake_blas(monkeypatch):
    """A fake ``openblas_set_num_threads_local`` behind fastnet.runtime.threads: [the count in force]."""
    from fastnet.runtime import threads

    current = [4]

    def setter(n):
        previous, current[0] = current[0], n
        return previous

    monkeypatch.setattr(threads, "_get_setter", lambda: setter)
    return current


def test_blas_threads_is_reference_counted_across_threads(fake_blas):
    """Lowered while any call runs, restored when the last one leaves, never raised above the user's limit.

    (An estimator's fit or predict and the Network calls inside it share this one scope.)
    """
    from fastnet.runtime.threads import blas_threads

    entered = threading.Barrier(3)
    leave = [threading.Event(), threading.Event()]
    left = [threading.Event(), threading.Event()]

    def fit_like(i, n_threads):
        def run():
            with blas_threads(n_threads):
                entered.wait()
                leave[i].wait()
            left[i].set()
        return run

    threads = [threading.Thread(target=fit_like(0, 1)), threading.Thread(target=fit_like(1, 2))]
    for t in threads:
        t.start()
    entered.wait()
    assert fake_blas == [1]                 # the smallest count asked for
    leave[0].set()
    left[0].wait()
    assert fake_blas == [2]                 # the first to leave does not restore the user's count
    leave[1].set()
    for t in threads:
        t.join()
    assert fake_blas == [4]                 # the last to leave does
    fake_blas[0] = 1                        # a tighter limit set by the user stays
    with blas_threads(2):
        assert fake_blas == [1]
        with blas_threads(1):               # a Network's call inside an estimator's fit
            assert fake_blas == [1]
    assert fake_blas == [1]


def test_the_threadpoolctl_fallback_is_reference_counted_too(monkeypatch):
    """Without OpenBLAS's per-thread setter, fastnet sets BLAS through threadpoolctl, by the same rules."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from fastnet.runtime import threads

    monkeypatch.setattr(threads, "_find_setter", lambda path: None)
    for cached, value in {"_searched": None, "_setter": None, "_how": "none"}.items():
        monkeypatch.setattr(threads, cached, value)   # look the setter up again, through the patch; restored after
    if threads.blas_threading() != "threadpoolctl":
        pytest.skip("threadpoolctl finds no BLAS library here")
    controller = threadpoolctl.ThreadpoolController().select(user_api="blas")

    def counts():
        return {lib.num_threads for lib in controller.lib_controllers}

    with threadpoolctl.threadpool_limits(limits=3, user_api="blas"):
        with threads.blas_threads(2):
            assert counts() == {2}
            with threads.blas_threads(1):
                assert counts() == {1}
            assert counts() == {2}              # the smallest of the calls still running
        assert counts() == {3}                  # then the count found before the first
        with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
            with threads.blas_threads(2):
                assert counts() == {1}          # never above a tighter limit the user set
