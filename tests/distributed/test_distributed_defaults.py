"""fit_data_parallel's optimizer when none is given: Network.fit's default, ``Adam(lr=1e-3)`` (issue 21)."""

import pytest

pytest.importorskip("dask.array", reason="the `dask` extra is not installed")
pytest.importorskip("distributed", reason="the `dask` extra is not installed")

import fastnet  # noqa: E402
from fastnet.distributed.arguments import resolve_optimizer  # noqa: E402


def test_no_optimizer_is_a_fresh_adam_at_1e_3():
    net = fastnet.Network.mlp([3, 4, 1], dtype="float64", seed=0)
    chosen = resolve_optimizer(net, None)
    assert type(chosen) is fastnet.Adam and chosen.lr == 1e-3 and chosen.t == 0
    assert chosen.state.shape == (2, net.n_params)   # bound to this network: m and v
    assert resolve_optimizer(fastnet.Network.mlp([3, 4, 1], seed=0), None) is not chosen


def test_no_optimizer_continues_the_last_fit_s():
    net = fastnet.Network.mlp([3, 4, 1], dtype="float64", seed=0)
    sgd = fastnet.SGD(lr=0.05, momentum=0.9)
    net.fit([[0.0, 1.0, 2.0], [1.0, 0.0, -1.0]], [[1.0], [0.0]], optimizer=sgd, epochs=2)
    assert resolve_optimizer(net, None) is sgd and sgd.t == 2
