"""PyTorch as a peer: eager mode (``TorchPeer``) and ``torch.compile`` (``TorchCompilePeer``).

``TorchPeer``: ``nn.Sequential`` of ``nn.Linear``/``nn.ReLU``, ``torch.optim.SGD``,
the standard loop (zero_grad, forward, loss, backward, step) over slices of a
``torch.randperm`` order (cheaper than a DataLoader).

``TorchCompilePeer``: the same loop with the model compiled the way the PyTorch
documentation tells a user to, ``model = torch.compile(model)`` (mode
"default", the inductor backend); forward and backward run compiled code, the
optimizer step stays eager. Compiling takes tens of seconds per workload,
so the peer compiles in its constructor, by running forward and backward
once for each batch size an epoch has (the full batches and a shorter last
one; gradients zeroed, the parameters untouched), and reports that time as
``compile_seconds``, apart from the epoch times. When torch.compile cannot
work here (no C++ compiler for inductor, an unsupported Python), the
constructor raises PeerUnavailable with the error, and the bench skips the
peer with it as the reason. It is not in the default peer set
(fastnet.bench.peers.DEFAULT_PEERS): ``--peers torch_compile`` asks for it.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

import numpy as np
import numpy.typing as npt

from .numpy_mlp import split_params
from .peer import Array, Peer, PeerUnavailable
from .workloads import Workload

__all__ = ["TorchPeer", "TorchCompilePeer"]



class TorchPeer(Peer):
    """PyTorch (untyped here: it is optional, and its objects are Any)."""

    name = "torch"

    @classmethod
    def available(cls) -> str | None:
        try:
            importlib.import_module("torch")
        except ImportError:
            return "PyTorch is not installed"
        return None

    def __init__(self, workload: Workload, X: Array, y: Array, dtype: npt.DTypeLike = "float32",
                 init_params: Array | None = None, seed: int = 0) -> None:
        torch: Any = importlib.import_module("torch")
        nn = torch.nn

        super().__init__(workload, X, y, dtype, init_params, seed)
        torch.set_num_threads(1)
        tdtype = torch.float32 if self.dtype == np.float32 else torch.float64
        torch.manual_seed(seed)
        modules = []
        sizes = workload.sizes
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            modules.append(nn.Linear(n_in, n_out, dtype=tdtype))
            if i < len(sizes) - 2:
                modules.append(nn.ReLU())
        self.model = nn.Sequential(*modules)
        if init_params is not None:
            linears = [m for m in modules if isinstance(m, nn.Linear)]
            with torch.no_grad():
                for lin, (W, b) in zip(linears, split_params(np.asarray(init_params), sizes)):
                    lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
                    lin.bias.copy_(torch.from_numpy(np.ascontiguousarray(b)))
        self.loss_fn = nn.CrossEntropyLoss() if workload.loss == "cross_entropy" else nn.MSELoss()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=workload.lr)
        self.X = torch.from_numpy(np.ascontiguousarray(X, dtype=self.dtype))
        if workload.loss == "cross_entropy":
            self.y = torch.from_numpy(np.asarray(y, dtype=np.int64))
        else:
            self.y = torch.from_numpy(np.ascontiguousarray(y, dtype=self.dtype).reshape(len(X), -1))
        self.generator = torch.Generator().manual_seed(seed)
        self.torch = torch

    def run(self) -> float:
        torch = self.torch
        n: int = self.X.shape[0]
        batch_size = self.workload.batch_size
        model, loss_fn, optimizer = self.model, self.loss_fn, self.optimizer
        order = torch.randperm(n, generator=self.generator)
        total = 0.0
        for s in range(0, n, batch_size):
            idx = order[s:s + batch_size]
            xb, yb = self.X[idx], self.y[idx]
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += float(loss.item()) * len(idx)
        return total / n


class TorchCompilePeer(TorchPeer):
    """TorchPeer with ``torch.compile(model)``; compiled in the constructor (see the module docstring)."""

    name = "torch_compile"

    @classmethod
    def available(cls) -> str | None:
        reason = super().available()
        if reason is None and not hasattr(importlib.import_module("torch"), "compile"):
            return "this PyTorch has no torch.compile (it needs 2.0 or later)"
        return reason

    def __init__(self, workload: Workload, X: Array, y: Array, dtype: npt.DTypeLike = "float32",
                 init_params: Array | None = None, seed: int = 0) -> None:
        super().__init__(workload, X, y, dtype, init_params, seed)
        start = time.perf_counter()
        try:
            self.model = self.torch.compile(self.model)
            self._compile_each_batch_size()
        except Exception as exc:   # whatever inductor raises (a missing compiler, a failed build): a skip, not a crash
            lines = str(exc).strip().splitlines()
            raise PeerUnavailable(f"torch.compile failed: {type(exc).__name__}: {lines[0] if lines else ''}"
                                  ) from exc
        self.compile_seconds = time.perf_counter() - start

    def _compile_each_batch_size(self) -> None:
        """Forward and backward once per batch size of an epoch; the gradients are dropped, no step taken."""
        n: int = self.X.shape[0]
        batch_size = self.workload.batch_size
        sizes = {min(batch_size, n)} | ({n % batch_size} if n > batch_size and n % batch_size else set())
        for m in sorted(sizes, reverse=True):
            self.loss_fn(self.model(self.X[:m]), self.y[:m]).backward()
            self.optimizer.zero_grad()
