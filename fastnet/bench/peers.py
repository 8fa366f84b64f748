"""The implementations a workload is timed with, side by side: fastnet and its peers.

Every peer trains ONE epoch of the same work (fastnet/bench/workloads.py): same
layer sizes, relu hidden layers, the same loss (MSE / softmax cross-entropy),
plain SGD with the same learning rate, the same batch size, shuffled, and (where
the library allows) the same initial parameters, taken from the fastnet network.

- ``FastnetPeer``: ``Network.fit(X, y, epochs=1, ...)``, the user-facing call.
- ``ReferencePeer``: ``fastnet.reference`` (pure Python) on a subsample of
  ``workload.reference_samples`` rows, scaled per sample.
- ``NumpyPeer``: the same network written by hand in NumPy the way a competent
  person would (fastnet/bench/numpy_mlp.py).
- ``TorchPeer``: PyTorch eager mode, ``nn.Sequential`` of ``nn.Linear``/``nn.ReLU``,
  ``torch.optim.SGD``, the standard loop (zero_grad, forward, loss, backward,
  step) over slices of a ``torch.randperm`` order (cheaper than a DataLoader)
  (fastnet/bench/torch_peer.py).
- ``TorchCompilePeer``: the same with ``model = torch.compile(model)``, its
  compile time reported apart; opt-in (``--peers torch_compile``), as it
  compiles for tens of seconds per workload (fastnet/bench/torch_peer.py).
- ``JaxPeer``: JAX, the whole epoch one ``jax.jit`` with a ``lax.scan`` over the
  batches (fastnet/bench/jax_peer.py).
- ``CLoopPeer``: the batch-1 epoch written by hand in C, compiled at benchmark
  time: the limit of the per-sample loop; tiny and small only (fastnet/bench/c_loop.py).
- ``SklearnPeer``: ``MLPClassifier`` (``MLPRegressor`` for MSE) with
  solver="sgd", momentum 0, alpha 0, constant learning rate; one
  ``partial_fit`` is one shuffled epoch.

All of them are meant to run on one thread: ``fastnet.bench.single_thread()``
limits the BLAS pools and PyTorch's intra-op pool before anything is timed.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .c_loop import CLoopPeer
from .jax_peer import JaxPeer
from .numpy_mlp import NumpyMLP, one_hot, split_params
from .peer import Array, Clock, Peer, PeerUnavailable
from .torch_peer import TorchCompilePeer, TorchPeer
from .workloads import Workload

if TYPE_CHECKING:
    import fastnet.reference
    from fastnet.nn.network import Network
    from fastnet.optim.optimizers import SGD

__all__ = ["Peer", "PeerUnavailable", "FastnetPeer", "ReferencePeer", "NumpyPeer", "TorchPeer", "TorchCompilePeer",
           "SklearnPeer", "JaxPeer", "CLoopPeer", "PEERS", "DEFAULT_PEERS", "peer_status", "Clock"]

# ---------------------------------------------------------------------------
# fastnet and its pure-Python reference
# ---------------------------------------------------------------------------

class FastnetPeer(Peer):
    name = "fastnet"

    def __init__(self, workload: Workload, X: Array, y: Array, dtype: npt.DTypeLike = "float32",
                 init_params: Array | None = None, seed: int = 0, rollback: bool = True) -> None:
        import fastnet

        super().__init__(workload, X, y, dtype, init_params, seed)
        self.rollback = rollback
        self.net: Network = workload.network(dtype=dtype, seed=seed)
        if init_params is not None:
            self.net.params = init_params
        self.optimizer: SGD = fastnet.SGD(lr=workload.lr)
        self.X, self.y = X, y

    def run(self) -> float:
        history = self.net.fit(self.X, self.y, optimizer=self.optimizer, epochs=1,
                               batch_size=self.workload.batch_size, shuffle=True, rollback=self.rollback)
        return history.loss[-1]


class ReferencePeer(Peer):
    """fastnet.reference on ``workload.reference_samples`` rows, timed and scaled per sample.

    When the subsample holds at least one batch it trains real batches (``fit``).
    When one batch is larger than the subsample (mid, large), one
    epoch is estimated as ``n_samples / m`` times a backward pass over the m rows
    plus ``n_batches`` optimizer steps, so the update is counted once per batch
    as in the real epoch.
    """

    name = "reference"
    needs_warmup = False   # pure Python, nothing to warm; its runs take seconds

    def __init__(self, workload: Workload, X: Array, y: Array, dtype: npt.DTypeLike = "float32",
                 init_params: Array | None = None, seed: int = 0) -> None:
        import fastnet
        import fastnet.reference

        super().__init__(workload, X, y, dtype, init_params, seed)
        m = min(workload.reference_samples, len(X))
        self.net: fastnet.reference.Network = fastnet.reference.Network.mlp(list(workload.sizes), activation="relu",
                                                 loss=workload.loss, dtype=self.dtype.name, seed=seed)
        if init_params is not None:
            self.net.params = np.asarray(init_params, dtype=np.float64).tolist()
        self.optimizer = fastnet.SGD(lr=workload.lr)
        self.X = X[:m].astype(np.float64).tolist()
        self.y = y[:m].tolist()
        self.samples_per_run = m
        self.estimated = m < workload.batch_size

    def run(self) -> float:
        if self.estimated:
            loss = self.net.backward(self.X, self.y)
            self.optimizer.step(self.net)
            return loss
        history = self.net.fit(self.X, self.y, optimizer=self.optimizer, epochs=1,
                               batch_size=self.workload.batch_size, shuffle=True)
        return history.loss[-1]

    def run_seconds(self, clock: Clock) -> float:
        if not self.estimated:
            return super().run_seconds(clock)
        start = clock()
        self.last_loss = self.net.backward(self.X, self.y)
        backward = clock() - start
        start = clock()
        self.optimizer.step(self.net)
        step = clock() - start
        # Returned per run of samples_per_run rows, so that epoch_scale applies.
        return backward + step * self.workload.n_batches / self.epoch_scale


# ---------------------------------------------------------------------------
# NumPy, written by hand
# ---------------------------------------------------------------------------

class NumpyPeer(Peer):
    name = "numpy"

    def __init__(self, workload: Workload, X: Array, y: Array, dtype: npt.DTypeLike = "float32",
                 init_params: Array | None = None, seed: int = 0) -> None:
        super().__init__(workload, X, y, dtype, init_params, seed)
        self.mlp = NumpyMLP(workload.sizes, workload.loss, dtype, params=init_params, seed=seed)
        self.X = np.ascontiguousarray(X, dtype=dtype)
        if workload.loss == "cross_entropy":
            self.Y = one_hot(y, workload.sizes[-1], dtype)
        else:
            self.Y = np.ascontiguousarray(y, dtype=dtype).reshape(len(X), -1)
        self.rng = np.random.default_rng(seed)

    def run(self) -> float:
        return self.mlp.epoch(self.X, self.Y, self.workload.batch_size, self.workload.lr, self.rng)


# ---------------------------------------------------------------------------
# scikit-learn
# ---------------------------------------------------------------------------

class SklearnPeer(Peer):
    """scikit-learn's MLP (its objects are Any here)."""

    name = "sklearn"

    @classmethod
    def available(cls) -> str | None:
        try:
            importlib.import_module("sklearn.neural_network")
        except ImportError:
            return "scikit-learn is not installed"
        return None

    def __init__(self, workload: Workload, X: Array, y: Array, dtype: npt.DTypeLike = "float32",
                 init_params: Array | None = None, seed: int = 0) -> None:
        neural_network: Any = importlib.import_module("sklearn.neural_network")
        MLPClassifier, MLPRegressor = neural_network.MLPClassifier, neural_network.MLPRegressor

        super().__init__(workload, X, y, dtype, init_params, seed)
        cls = MLPClassifier if workload.loss == "cross_entropy" else MLPRegressor
        # sklearn's MLPRegressor minimises half the mean squared error: the same work.
        self.model: Any = cls(hidden_layer_sizes=tuple(workload.sizes[1:-1]), activation="relu",
                         solver="sgd", batch_size=workload.batch_size, max_iter=1,
                         learning_rate="constant", learning_rate_init=workload.lr, momentum=0.0,
                         nesterovs_momentum=False, alpha=0.0, shuffle=True, random_state=seed,
                         n_iter_no_change=10**9, tol=0.0)
        self.X = np.ascontiguousarray(X, dtype=self.dtype)
        self.y = np.asarray(y) if workload.loss == "cross_entropy" else np.asarray(y, dtype=self.dtype).ravel()
        # The first partial_fit initialises the model (one epoch, not timed), then the
        # fastnet initial parameters are copied in.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if workload.loss == "cross_entropy":
                self.model.partial_fit(self.X[:workload.batch_size], self.y[:workload.batch_size],
                                       classes=np.arange(workload.sizes[-1]))
            else:
                self.model.partial_fit(self.X[:workload.batch_size], self.y[:workload.batch_size])
        if init_params is not None:
            for l, (W, b) in enumerate(split_params(np.asarray(init_params), workload.sizes)):
                self.model.coefs_[l][:] = W
                self.model.intercepts_[l][:] = b

    def run(self) -> float:
        convergence_warning = importlib.import_module("sklearn.exceptions").ConvergenceWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", convergence_warning)
            self.model.partial_fit(self.X, self.y)
        return float(self.model.loss_)


#: name -> Peer class, in the order the table lists them
PEERS: dict[str, type[Peer]] = {cls.name: cls for cls in (FastnetPeer, ReferencePeer, NumpyPeer, TorchPeer,
                                                            SklearnPeer, JaxPeer, TorchCompilePeer, CLoopPeer)}
#: The peers the bench runs when none are asked for: all but torch.compile, which compiles
#: for tens of seconds per workload (``--peers torch_compile`` asks for it).
DEFAULT_PEERS: list[str] = [name for name in PEERS if name != TorchCompilePeer.name]


def peer_status() -> dict[str, str | None]:
    """name -> None if the peer can run here, else why not."""
    return {name: cls.available() for name, cls in PEERS.items()}
