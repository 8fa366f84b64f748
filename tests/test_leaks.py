"""Issue 8: no leaks.

Thousands of build/fit/predict/loss/backward/save/load cycles, and of calls
that fail validation, keep the process's memory flat. Memory is the resident
set size from /proc/self/statm (so C-level mallocs count too, e.g. the
Architecture's arrays freed in __dealloc__), measured after a warm-up, with a
generous bound: a leak of even a few hundred bytes a cycle over thousands of
cycles shows, while allocator noise does not.
"""

import gc
import os
import sys

import numpy as np
import pytest

import fastnet

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux") or not os.path.exists("/proc/self/statm"),
                                reason="reads the resident set size from /proc/self/statm (Linux)")

MB = 1 << 20


def rss():
    """Resident set size of this process, in bytes."""
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def growth(cycle, n, warmup=200):
    """RSS growth over ``n`` calls of ``cycle(i)`` after ``warmup`` calls."""
    for i in range(warmup):
        cycle(i)
    before = rss()
    for i in range(n):
        cycle(i)
    return rss() - before


def data(n=64, n_features=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_features))
    return X, (X[:, :1] > 0).astype(np.float64), (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)


def test_fit_predict_save_load_cycles_keep_memory_flat(tmp_path, monkeypatch):
    # fsync makes a save cost ~10 ms on a busy disk; durability is tests/io/test_io.py's
    # business, memory is this test's, so it is skipped here.
    monkeypatch.setattr(fastnet.nn.archive.os, "fsync", lambda fd: None)
    X, y_bce, y_ce = data()
    path = tmp_path / "model.npz"
    Xv = X[:16]

    def cycle(i):
        loss, Y = [("mse", y_bce), ("binary_cross_entropy", y_bce), ("cross_entropy", y_ce)][i % 3]
        n_out = 3 if loss == "cross_entropy" else 1
        dtype = "float32" if i % 2 else "float64"
        net = fastnet.Network.mlp([6, 8, n_out], loss=loss, dtype=dtype, seed=i)
        opt = [fastnet.SGD(lr=0.01, momentum=0.9), fastnet.Adam(), fastnet.RMSprop()][i % 3]
        net.fit(X, Y, optimizer=opt, epochs=2, batch_size=16, validation_data=(Xv, Y[:16]),
                early_stopping=1)
        net.predict(X)
        net.loss(X, Y)
        net.backward(X, Y)
        opt.step(net)
        net.save(path)
        again = fastnet.load(path)
        assert again.predict(Xv).shape == (16, n_out)
        again.fit(X, Y, epochs=1, batch_size=32)  # continues with the loaded optimizer

    assert growth(cycle, 2000) < 50 * MB


def test_rejected_calls_keep_memory_flat(tmp_path):
    X, Y, _ = data()
    net = fastnet.Network.mlp([6, 8, 1], dtype="float64")
    X_nan = X.copy()
    X_nan[5, 2] = np.nan
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"PK\x03\x04" + b"\0" * 100)
    bad_calls = [
        lambda: net.predict(X_nan),
        lambda: net.predict(X[:, :5]),
        lambda: net.fit(X, Y[:10]),
        lambda: net.fit(X, Y, epochs=-1),
        lambda: net.loss(X.astype(complex), Y),
        lambda: net.predict([[1, 2], [3]]),
        lambda: fastnet.SGD(lr=-1),
        lambda: fastnet.Network.mlp([6, 2], loss="cross_entropy", output_activation="relu"),
        lambda: fastnet.load(junk),
    ]

    def cycle(i):
        try:
            bad_calls[i % len(bad_calls)]()
        except (ValueError, TypeError):
            pass
        else:
            raise AssertionError(f"bad call {i % len(bad_calls)} was accepted")

    assert growth(cycle, 4000) < 50 * MB


def test_architectures_are_freed():
    # Each Architecture mallocs five arrays of one entry per layer (freed in
    # __dealloc__): with 10000 layers that is ~360 kB an object, over 100 MB
    # across these cycles if never freed.
    from fastnet._core import network as engine

    L = 10000

    def cycle(i):
        arch = engine.Architecture([1] * (L + 1), [4] * L, [[]] * L, 1, 0.0, False)  # tanh: no parameters
        assert arch.n_params == 2 * L

    assert growth(cycle, 300, warmup=20) < 30 * MB

    def small(i):  # and through the public API, with every activation and loss
        loss = list(fastnet.LOSSES)[i % len(fastnet.LOSSES)]
        net = fastnet.Network.mlp([3, 4, 2], activation=list(fastnet.ACTIVATIONS)[i % 5], loss=loss, seed=i)
        net.predict(np.ones((2, 3)))

    assert growth(small, 2000) < 50 * MB


def test_workspaces_do_not_accumulate_over_many_batch_sizes():
    # A network keeps a few workspaces (one per batch capacity); calls with
    # hundreds of different row counts must not keep one each.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(4000, 4))
    net = fastnet.Network.mlp([4, 8, 2], dtype="float64")

    def cycle(i):
        m = 2000 + (i * 7919) % 2000
        net.predict(X[:m])
        if i % 10 == 0:
            net.backward(X[:m], np.zeros((m, 2)))

    # A workspace for ~3000 rows is ~0.8 MB: keeping one per row count would be ~500 MB.
    assert growth(cycle, 600, warmup=20) < 50 * MB
    assert len(net._workspaces) <= 4


def test_threads_do_not_leak():
    import threading

    X, Y, _ = data()

    def work(seed):
        net = fastnet.Network.mlp([6, 8, 1], dtype="float32", seed=seed)
        net.fit(X, Y, epochs=2, batch_size=8)
        net.predict(X)

    def cycle(i):
        threads = [threading.Thread(target=work, args=(i * 4 + k,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    assert growth(cycle, 300, warmup=30) < 50 * MB
