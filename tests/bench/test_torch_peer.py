"""The PyTorch peers: torch.compile trains what eager PyTorch trains, or is skipped with its reason."""

import numpy as np
import pytest

from fastnet.bench import WORKLOADS, main
from fastnet.bench import torch_peer
from fastnet.bench.peers import DEFAULT_PEERS, PEERS, PeerUnavailable
from fastnet.bench.report import _peer_names


def test_torch_compile_is_opt_in():
    assert "torch_compile" in PEERS and "torch_compile" not in DEFAULT_PEERS
    assert DEFAULT_PEERS == [name for name in PEERS if name != "torch_compile"]
    assert _peer_names(None) == DEFAULT_PEERS
    assert _peer_names(["torch_compile"]) == ["fastnet", "torch_compile"]


def test_torch_compile_epoch_equals_eager_torch():
    """Same initial parameters and shuffling seed: the compiled epoch's loss is eager PyTorch's to 1e-5."""
    pytest.importorskip("torch")
    w = WORKLOADS["tiny"]
    X, y = w.make_data(dtype="float32", seed=1, n_samples=40)
    init = w.network(dtype="float64", seed=2).params.copy()
    eager = torch_peer.TorchPeer(w, X, y, init_params=init, seed=3)
    try:
        compiled = torch_peer.TorchCompilePeer(w, X, y, init_params=init, seed=3)
    except PeerUnavailable as exc:
        assert str(exc).startswith("torch.compile failed: ")
        pytest.skip(str(exc))
    assert compiled.compile_seconds > 0
    # compiling ran forward and backward but left the parameters as they were
    for a, b in zip(eager.model.parameters(), compiled.model.parameters()):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    expected = eager.run()
    assert compiled.run() == pytest.approx(expected, rel=1e-5)


def test_a_failing_torch_compile_skips_the_peer_with_its_error(monkeypatch, capsys):
    torch = pytest.importorskip("torch")

    def no_compiler(model, *args, **kwargs):
        raise RuntimeError("InvalidCxxCompiler: No working C++ compiler found\n(more detail)")

    monkeypatch.setattr(torch, "compile", no_compiler)
    w = WORKLOADS["tiny"]
    X, y = w.make_data(n_samples=4)
    with pytest.raises(PeerUnavailable, match="^torch.compile failed: RuntimeError: InvalidCxxCompiler: No working"):
        torch_peer.TorchCompilePeer(w, X, y)
    code = main(["--quick", "--workloads", "tiny", "--peers", "torch_compile", "--no-memory", "--no-predict"])
    text = capsys.readouterr().out
    assert code == 0
    assert ("skipped: torch_compile on tiny (torch.compile failed: RuntimeError: InvalidCxxCompiler: No working C++ "
            "compiler found") in text
    assert "(more detail)" not in text


def test_unavailable_torch_skips_both_torch_peers(monkeypatch, capsys):
    monkeypatch.setattr(torch_peer.TorchPeer, "available", classmethod(lambda cls: "PyTorch is not installed"))
    assert torch_peer.TorchCompilePeer.available() == "PyTorch is not installed"
    code = main(["--quick", "--workloads", "tiny", "--peers", "torch,torch_compile", "--no-memory", "--no-predict"])
    text = capsys.readouterr().out
    assert code == 0
    assert "skipped: torch on tiny (PyTorch is not installed)" in text
    assert "skipped: torch_compile on tiny (PyTorch is not installed)" in text
