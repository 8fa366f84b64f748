"""JAX as a peer: the whole epoch ``jax.jit``-compiled, its batches a ``lax.scan``.

This is what a speed-minded JAX user writes for a small network: one compiled
function per epoch (shuffle, gather each batch, forward, loss, gradient by
``jax.value_and_grad``, the SGD update), so that Python runs once per epoch,
as in fastnet. The batches of equal size are one ``lax.scan``; a last, shorter
batch is one more step inside the same function (scan needs one shape). The
parameters are donated, so XLA updates them in place.

One XLA thread, as every peer runs on one thread. The flags
(``--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1``) are
not enough for jax 0.10: its CPU client still runs a product on every core
(measured: 1.9 s of CPU per second of a 1024^3 product on 2 cores), so the
backend is started with the calling thread pinned to one CPU, which the
threads XLA makes then inherit, and the pin is lifted from the calling thread
afterwards. Both happen before the backend starts (the first JAX import in the
process); :func:`xla_single_thread` says whether it was in time. The compile time is measured once and reported apart from the epoch
times (``compile_seconds``). float64 workloads turn on ``jax_enable_x64``.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from .numpy_mlp import NumpyMLP, one_hot, split_params
from .peer import Array, Peer
from .workloads import Workload

__all__ = ["JaxPeer", "xla_single_thread"]

_ONE_THREAD = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"


_started_on_one_cpu = False


def xla_single_thread() -> bool:
    """Start JAX's CPU backend on one CPU; True if that reached it (not started before, or started so)."""
    global _started_on_one_cpu
    if _started_on_one_cpu:
        return True
    if "jax" in sys.modules:   # its backend may have started already, on every core
        return False
    flags = os.environ.get("XLA_FLAGS", "")
    if _ONE_THREAD not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {_ONE_THREAD}".strip()
    if not hasattr(os, "sched_setaffinity"):   # not Linux: the flags alone
        return True
    everywhere = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(everywhere)})   # this thread only: the threads XLA starts now inherit it
    try:
        jax: Any = importlib.import_module("jax")
        jax.devices("cpu")   # starts the backend and its thread pool
        jax.jit(lambda x: x + 1)(np.zeros(2, np.float32)).block_until_ready()
    finally:
        os.sched_setaffinity(0, everywhere)
    _started_on_one_cpu = True
    return True


def _epoch_function(jax: Any, sizes: tuple[int, ...], loss: str, n: int, batch_size: int, lr: float) -> Any:
    """The jitted epoch: (params, key, X, Y) -> (params, key, mean loss)."""
    jnp, lax = jax.numpy, jax.lax
    n_full, rest = divmod(n, batch_size)

    def forward(params: Any, x: Any) -> Any:
        for W, b in params[:-1]:
            x = jnp.maximum(x @ W + b, 0)
        W, b = params[-1]
        return x @ W + b

    def batch_loss(params: Any, x: Any, y: Any) -> Any:
        out = forward(params, x)
        if loss == "cross_entropy":   # y one-hot: mean over rows of logsumexp(o) - o_y
            return jnp.mean(jax.nn.logsumexp(out, axis=1) - jnp.sum(out * y, axis=1))
        return jnp.mean((out - y) ** 2)   # MSE over every element, as torch.nn.MSELoss

    def step(params: Any, x: Any, y: Any) -> tuple[Any, Any]:
        value, grads = jax.value_and_grad(batch_loss)(params, x, y)
        return jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads), value

    def epoch(params: Any, key: Any, X: Any, Y: Any) -> tuple[Any, Any, Any]:
        key, sub = jax.random.split(key)
        order = jax.random.permutation(sub, n)
        full = order[:n_full * batch_size].reshape(n_full, batch_size)
        params, losses = lax.scan(lambda p, idx: step(p, X[idx], Y[idx]), params, full)
        total = jnp.sum(losses) * batch_size
        if rest:
            last = order[n_full * batch_size:]
            params, value = step(params, X[last], Y[last])
            total = total + value * rest
        return params, key, total / n

    return jax.jit(epoch, donate_argnums=(0,))


class JaxPeer(Peer):
    """JAX, one compiled epoch (its objects are Any here: JAX is optional)."""

    name = "jax"

    @classmethod
    def available(cls) -> str | None:
        if importlib.util.find_spec("jax") is None:
            return "JAX is not installed (pip install 'jax[cpu]')"
        return None

    def __init__(self, workload: Workload, X: Array, y: Array, dtype: npt.DTypeLike = "float32",
                 init_params: Array | None = None, seed: int = 0) -> None:
        super().__init__(workload, X, y, dtype, init_params, seed)
        self.single_thread = xla_single_thread()
        jax: Any = importlib.import_module("jax")
        if self.dtype == np.float64:
            jax.config.update("jax_enable_x64", True)
        jnp = jax.numpy
        if init_params is None:
            init_params = NumpyMLP(workload.sizes, workload.loss, dtype, seed=seed).params
        self.params = [(jnp.asarray(W, dtype=self.dtype), jnp.asarray(b, dtype=self.dtype))
                       for W, b in split_params(np.asarray(init_params), workload.sizes)]
        self.X = jnp.asarray(np.ascontiguousarray(X, dtype=self.dtype))
        Y = (one_hot(y, workload.sizes[-1], self.dtype) if workload.loss == "cross_entropy"
             else np.asarray(y, dtype=self.dtype).reshape(len(X), -1))
        self.Y = jnp.asarray(Y)
        self.key = jax.random.PRNGKey(seed)
        epoch = _epoch_function(jax, workload.sizes, workload.loss, len(X), workload.batch_size, workload.lr)
        start = time.perf_counter()
        self._epoch = epoch.lower(self.params, self.key, self.X, self.Y).compile()
        self.compile_seconds = time.perf_counter() - start

    def run(self) -> float:
        self.params, self.key, loss = self._epoch(self.params, self.key, self.X, self.Y)
        return float(loss)   # waits for the epoch: JAX dispatches asynchronously
