"""The implementations a workload is timed with, side by side: fastnet and its peers.

Every peer trains ONE epoch of the same work (fastnet/bench/workloads.py): same
layer sizes, relu hidden layers, the same loss (MSE / softmax cross-entropy),
plain SGD with the same learning rate, the same batch size, shuffled, and (where
the library allows) the same initial parameters, taken from the fastnet network.

- ``FastnetPeer``: ``Network.fit(X, y, epochs=1, ...)``, the user-facing call.
- ``ReferencePeer``: ``fastnet.reference`` (pure Python) on a subsample of
  ``workload.reference_samples`` rows, scaled per sample.
- ``NumpyPeer``: the same network written by hand in NumPy the way a competent
  person would: float32, ``@`` matmuls into preallocated arrays, one flat
  parameter buffer (so the update is one in-place pass), the epoch's shuffle as
  one gather, then contiguous batch slices.
- ``TorchPeer``: PyTorch eager mode, ``nn.Sequential`` of ``nn.Linear``/``nn.ReLU``,
  ``torch.optim.SGD``, the standard loop (zero_grad, forward, loss, backward,
  step) over slices of a ``torch.randperm`` order (cheaper than a DataLoader).
- ``SklearnPeer``: ``MLPClassifier`` (``MLPRegressor`` for MSE) with
  solver="sgd", momentum 0, alpha 0, constant learning rate; one
  ``partial_fit`` is one shuffled epoch.

All of them are meant to run on one thread: ``fastnet.bench.single_thread()``
limits the BLAS pools and PyTorch's intra-op pool before anything is timed.
"""

import abc
import math
import warnings

import numpy as np

__all__ = ["Peer", "FastnetPeer", "ReferencePeer", "NumpyPeer", "NumpyMLP", "TorchPeer",
           "SklearnPeer", "PEERS", "split_params", "peer_status"]


def split_params(flat, sizes):
    """[(W, b), ...] views of a flat buffer in fastnet's layout (W (n_in, n_out) row-major, then b)."""
    out, off = [], 0
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = flat[off:off + n_in * n_out].reshape(n_in, n_out)
        off += n_in * n_out
        b = flat[off:off + n_out]
        off += n_out
        out.append((W, b))
    if off != len(flat):
        raise ValueError(f"a flat buffer of {len(flat)} numbers does not fit sizes {list(sizes)} "
                         f"({off} parameters)")
    return out


def one_hot(labels, n_classes, dtype):
    Y = np.zeros((len(labels), n_classes), dtype=dtype)
    Y[np.arange(len(labels)), labels] = 1
    return Y


class Peer(abc.ABC):
    """One implementation of a workload: ``run()`` trains over ``samples_per_run`` rows.

    ``available()`` returns None when the peer can run here, else the reason it
    cannot (a library that is not installed). ``epoch_scale`` multiplies the
    time of one ``run()`` to give the time of a full epoch (1 unless subsampled).
    """

    name = ""
    #: whether the first run is slower than the next (buffers, caches, lazy initialisation)
    needs_warmup = True

    @classmethod
    def available(cls):
        return None

    def __init__(self, workload, X, y, dtype="float32", init_params=None, seed=0):
        self.workload = workload
        self.dtype = np.dtype(dtype)
        self.samples_per_run = len(X)
        self.last_loss = float("nan")

    @property
    def epoch_scale(self):
        return self.workload.n_samples / self.samples_per_run

    @abc.abstractmethod
    def run(self):
        """Train one epoch over this peer's rows; returns the epoch's mean loss."""

    def run_seconds(self, clock):
        """Seconds of one ``run()`` by ``clock``; its loss goes to ``last_loss``."""
        start = clock()
        self.last_loss = self.run()
        return clock() - start


# ---------------------------------------------------------------------------
# fastnet and its pure-Python reference
# ---------------------------------------------------------------------------

class FastnetPeer(Peer):
    name = "fastnet"

    def __init__(self, workload, X, y, dtype="float32", init_params=None, seed=0, rollback=True):
        import fastnet

        super().__init__(workload, X, y, dtype, init_params, seed)
        self.rollback = rollback
        self.net = workload.network(dtype=dtype, seed=seed)
        if init_params is not None:
            self.net.params = init_params
        self.optimizer = fastnet.SGD(lr=workload.lr)
        self.X, self.y = X, y

    def run(self):
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

    def __init__(self, workload, X, y, dtype="float32", init_params=None, seed=0):
        import fastnet
        import fastnet.reference

        super().__init__(workload, X, y, dtype, init_params, seed)
        m = min(workload.reference_samples, len(X))
        self.net = fastnet.reference.Network.mlp(list(workload.sizes), activation="relu",
                                                 loss=workload.loss, dtype=self.dtype.name, seed=seed)
        if init_params is not None:
            self.net.params = np.asarray(init_params, dtype=np.float64).tolist()
        self.optimizer = fastnet.SGD(lr=workload.lr)
        self.X = X[:m].astype(np.float64).tolist()
        self.y = y[:m].tolist()
        self.samples_per_run = m
        self.estimated = m < workload.batch_size

    def run(self):
        if self.estimated:
            loss = self.net.backward(self.X, self.y)
            self.optimizer.step(self.net)
            return loss
        history = self.net.fit(self.X, self.y, optimizer=self.optimizer, epochs=1,
                               batch_size=self.workload.batch_size, shuffle=True)
        return history.loss[-1]

    def run_seconds(self, clock):
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

class NumpyMLP:
    """A relu MLP trained by SGD in plain NumPy: the hand-written baseline.

    sizes: layer widths; loss: "mse" (mean of squares over rows and outputs) or
    "cross_entropy" (softmax on logits, one-hot targets); params: a flat buffer
    in fastnet's layout to start from (copied), else He-uniform from ``seed``.
    Arrays are preallocated once per batch size; ``W`` and ``b`` are views into
    one flat ``params`` buffer, so the SGD update is one in-place pass.
    """

    def __init__(self, sizes, loss="cross_entropy", dtype="float32", params=None, seed=0):
        if loss not in ("mse", "cross_entropy"):
            raise ValueError(f"NumpyMLP implements 'mse' and 'cross_entropy', got {loss!r}")
        self.sizes = list(sizes)
        self.loss = loss
        self.dtype = np.dtype(dtype)
        n_params = sum(a * b + b for a, b in zip(self.sizes[:-1], self.sizes[1:]))
        self.params = np.zeros(n_params, dtype=self.dtype)
        self.grads = np.zeros(n_params, dtype=self.dtype)
        if params is not None:
            self.params[:] = params
        else:
            rng = np.random.default_rng(seed)
            for W, _ in split_params(self.params, self.sizes):
                limit = math.sqrt(6.0 / W.shape[0])
                W[:] = rng.uniform(-limit, limit, size=W.shape)
        self.layers = split_params(self.params, self.sizes)
        self.grad_layers = split_params(self.grads, self.sizes)
        self._buffers = {}

    def _buffers_for(self, m):
        buf = self._buffers.get(m)
        if buf is None:
            acts = [np.empty((m, n), dtype=self.dtype) for n in self.sizes[1:]]
            deltas = [np.empty((m, n), dtype=self.dtype) for n in self.sizes[1:]]
            buf = self._buffers[m] = (acts, deltas)
        return buf

    def forward(self, x, acts):
        """Hidden activations and the output layer's logits (or outputs, for MSE) into acts."""
        a = x
        last = len(self.layers) - 1
        for l, (W, b) in enumerate(self.layers):
            z = acts[l]
            np.matmul(a, W, out=z)
            z += b
            if l < last:
                np.maximum(z, 0, out=z)
            a = z
        return a

    def train_batch(self, x, y, lr):
        """One SGD step on the batch (x (m, n_in), y (m, k) one-hot or values); returns its loss."""
        m = x.shape[0]
        acts, deltas = self._buffers_for(m)
        out = self.forward(x, acts)
        d = deltas[-1]
        if self.loss == "cross_entropy":
            zmax = out.max(axis=1, keepdims=True)
            np.subtract(out, zmax, out=d)
            np.exp(d, out=d)
            total = d.sum(axis=1, keepdims=True)
            # loss = mean(logsumexp(z) - z[label]); gradient (softmax - y) / m
            loss = float(np.mean(zmax[:, 0] + np.log(total[:, 0]) - np.einsum("ij,ij->i", out, y)))
            d /= total
            d -= y
            d *= 1.0 / m
        else:
            np.subtract(out, y, out=d)
            loss = float(np.vdot(d, d)) / d.size
            d *= 2.0 / d.size
        for l in range(len(self.layers) - 1, -1, -1):
            W, _ = self.layers[l]
            dW, db = self.grad_layers[l]
            a_prev = x if l == 0 else acts[l - 1]
            np.matmul(a_prev.T, d, out=dW)
            np.sum(d, axis=0, out=db)
            if l > 0:
                d_prev = deltas[l - 1]
                np.matmul(d, W.T, out=d_prev)
                d_prev *= a_prev > 0          # relu backward
                d = d_prev
        self.grads *= lr
        self.params -= self.grads
        return loss

    def epoch(self, X, Y, batch_size, lr, rng=None):
        """One epoch over (X, Y); shuffled by ``rng`` (a numpy Generator) unless None. Mean loss."""
        n = X.shape[0]
        if rng is not None:
            order = rng.permutation(n)
            X, Y = X[order], Y[order]
        total = 0.0
        for s in range(0, n, batch_size):
            xb, yb = X[s:s + batch_size], Y[s:s + batch_size]
            total += self.train_batch(xb, yb, lr) * xb.shape[0]
        return total / n


class NumpyPeer(Peer):
    name = "numpy"

    def __init__(self, workload, X, y, dtype="float32", init_params=None, seed=0):
        super().__init__(workload, X, y, dtype, init_params, seed)
        self.mlp = NumpyMLP(workload.sizes, workload.loss, dtype, params=init_params, seed=seed)
        self.X = np.ascontiguousarray(X, dtype=dtype)
        if workload.loss == "cross_entropy":
            self.Y = one_hot(y, workload.sizes[-1], dtype)
        else:
            self.Y = np.ascontiguousarray(y, dtype=dtype).reshape(len(X), -1)
        self.rng = np.random.default_rng(seed)

    def run(self):
        return self.mlp.epoch(self.X, self.Y, self.workload.batch_size, self.workload.lr, self.rng)


# ---------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------

class TorchPeer(Peer):
    name = "torch"

    @classmethod
    def available(cls):
        try:
            import torch  # noqa: F401
        except ImportError:
            return "PyTorch is not installed"
        return None

    def __init__(self, workload, X, y, dtype="float32", init_params=None, seed=0):
        import torch
        from torch import nn

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

    def run(self):
        torch = self.torch
        n, batch_size = self.X.shape[0], self.workload.batch_size
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
            total += loss.item() * len(idx)
        return total / n


# ---------------------------------------------------------------------------
# scikit-learn
# ---------------------------------------------------------------------------

class SklearnPeer(Peer):
    name = "sklearn"

    @classmethod
    def available(cls):
        try:
            import sklearn.neural_network  # noqa: F401
        except ImportError:
            return "scikit-learn is not installed"
        return None

    def __init__(self, workload, X, y, dtype="float32", init_params=None, seed=0):
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        super().__init__(workload, X, y, dtype, init_params, seed)
        cls = MLPClassifier if workload.loss == "cross_entropy" else MLPRegressor
        # sklearn's MLPRegressor minimises half the mean squared error: the same work.
        self.model = cls(hidden_layer_sizes=tuple(workload.sizes[1:-1]), activation="relu",
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

    def run(self):
        from sklearn.exceptions import ConvergenceWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.model.partial_fit(self.X, self.y)
        return self.model.loss_


#: name -> Peer class, in the order the table lists them
PEERS = {cls.name: cls for cls in (FastnetPeer, ReferencePeer, NumpyPeer, TorchPeer, SklearnPeer)}


def peer_status():
    """name -> None if the peer can run here, else why not."""
    return {name: cls.available() for name, cls in PEERS.items()}
