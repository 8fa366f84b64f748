"""The hand-written C loop peer (fastnet/bench/mlp_batch1.c): it trains what fastnet trains, or skips."""

import math

import numpy as np
import pytest

import fastnet
from fastnet.bench import WORKLOADS, main
from fastnet.bench import c_loop
from fastnet.bench.peers import PEERS, PeerUnavailable


def _needs_the_c_loop():
    reason = c_loop.CLoopPeer.available()
    if reason is not None:
        pytest.skip(reason)


@pytest.mark.parametrize("name", ["tiny", "small"])
@pytest.mark.parametrize("dtype,rtol,atol", [("float32", 2e-5, 2e-6), ("float64", 1e-12, 1e-14)])
def test_c_loop_trains_what_fastnet_trains(name, dtype, rtol, atol):
    """Same initial parameters, the rows in order (shuffle=False): the same epoch loss and parameters."""
    _needs_the_c_loop()
    w = WORKLOADS[name]
    X, y = w.make_data(dtype=dtype, seed=1, n_samples=300)
    net = w.network(dtype=dtype, seed=2)
    peer = c_loop.CLoopPeer(w, X, y, dtype=dtype, init_params=net.params.copy(), shuffle=False)
    assert peer.params.dtype == np.dtype(dtype)
    for _ in range(2):
        expected = net.fit(X, y, optimizer=fastnet.SGD(lr=w.lr), epochs=1, batch_size=1, shuffle=False).loss[-1]
        got = peer.run()
        assert got == pytest.approx(expected, rel=rtol)
    assert not np.allclose(peer.params, w.network(dtype=dtype, seed=2).params)   # it did train
    np.testing.assert_allclose(peer.params, net.params, rtol=rtol, atol=atol)


def test_c_loop_shuffles_each_epoch_from_its_seed():
    _needs_the_c_loop()
    w = WORKLOADS["tiny"]
    X, y = w.make_data(seed=1, n_samples=200)
    init = w.network(seed=2).params.copy()
    a, b = (c_loop.CLoopPeer(w, X, y, init_params=init, seed=5) for _ in range(2))
    in_order = c_loop.CLoopPeer(w, X, y, init_params=init, shuffle=False)
    loss_a, loss_b = a.run(), b.run()
    assert loss_a == loss_b and math.isfinite(loss_a)
    np.testing.assert_array_equal(a.params, b.params)
    assert in_order.run() != loss_a
    assert not np.array_equal(a.params, in_order.params)


def test_c_loop_is_for_batch_1_mse_workloads_only():
    assert c_loop.CLoopPeer.skip_reason(WORKLOADS["tiny"]) is None
    assert c_loop.CLoopPeer.skip_reason(WORKLOADS["small"]) is None
    for name in ("digits", "mid", "large"):
        assert "batch-1" in c_loop.CLoopPeer.skip_reason(WORKLOADS[name])
    w = WORKLOADS["digits"]
    X, y = w.make_data(n_samples=4)
    with pytest.raises(ValueError, match="batch-1 MSE workloads"):
        c_loop.CLoopPeer(w, X, y)


def test_c_loop_rejects_bad_arguments():
    _needs_the_c_loop()
    w = WORKLOADS["tiny"]
    X, y = w.make_data(n_samples=4)
    with pytest.raises(ValueError, match="init_params must hold 33 numbers"):
        c_loop.CLoopPeer(w, X, y, init_params=np.zeros(5))
    with pytest.raises(ValueError, match="dtype must be float32 or float64, got float16"):
        c_loop.CLoopPeer(w, X, y, dtype="float16")
    with pytest.raises(ValueError, match=r"X must be \(n_samples, 2\), got shape \(4, 3\)"):
        c_loop.CLoopPeer(w, np.zeros((4, 3)), y)
    with pytest.raises(ValueError, match=r"y must hold 1 value\(s\) per row of X \(4 rows\), got shape \(3, 1\)"):
        c_loop.CLoopPeer(w, X, y[:3])


def test_c_loop_without_a_compiler_is_unavailable(monkeypatch, tmp_path):
    monkeypatch.setenv("CC", str(tmp_path / "no-such-cc"))
    assert c_loop.compiler() is None
    assert c_loop.CLoopPeer.available() == "no C compiler (set CC or install cc)"
    monkeypatch.setattr(c_loop, "_libraries", {})
    with pytest.raises(PeerUnavailable, match="no C compiler"):
        c_loop.compile_loop((2, 8, 1), "float32")


def test_a_failing_compile_skips_the_peer_with_the_compilers_message(monkeypatch, tmp_path, capsys):
    fake = tmp_path / "cc"
    fake.write_text("#!/bin/sh\necho 'cc: error: unrecognized option -march=native' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CC", str(fake))
    monkeypatch.setattr(c_loop, "_libraries", {})
    if c_loop.CLoopPeer.available() is not None:
        pytest.skip(c_loop.CLoopPeer.available())
    code = main(["--quick", "--workloads", "tiny", "--peers", "c_loop", "--no-memory", "--no-predict"])
    text = capsys.readouterr().out
    assert code == 0
    assert "skipped: c_loop on tiny (cc failed: cc: error: unrecognized option -march=native" in text
    assert PEERS["c_loop"] is c_loop.CLoopPeer


def test_bench_prints_the_c_loop_row_and_its_compile_time(capsys, tmp_path):
    _needs_the_c_loop()
    import json

    out = tmp_path / "bench.json"
    code = main(["--quick", "--workloads", "tiny,digits", "--peers", "c_loop", "--no-memory", "--no-predict",
                 "--json", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    rows = {(r["workload"], r["peer"]): r for r in json.loads(out.read_text())["results"]}
    tiny = rows[("tiny", "c_loop")]
    assert tiny["samples_timed"] == tiny["n_samples"] and tiny["fastnet_speedup"] > 0
    assert "compile_seconds" in tiny and "tiny float32 c_loop" in text
    assert rows[("digits", "c_loop")]["skipped"].startswith("the C loop is written for the batch-1")
