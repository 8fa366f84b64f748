"""The compiled network: a thin Python layer over the nogil kernels in fastnet._core.

Everything a kernel assumes is checked here first (fastnet/checks/); every
buffer is allocated here, once; the kernels then run without the GIL. A whole
training epoch is one call into ``fastnet._core.network.train_epoch``, made by
``fit`` (fastnet/train/fit.py, the loop around it).
"""

import math
import threading

import numpy as np

from ..checks.arrays import (as_dtype, as_features, as_sample_weight, as_targets, exclusive_empty,
                      exclusive_zeros, no_weights)
from .._core import network as _engine
from .._core import optimizers as _optimizers
from ..runtime.threads import DEFAULT_N_THREADS, blas_threads
from ..checks.scalars import check_int, check_seed
from . import archive
from .activations import Activation
from .layers import Dense
from .losses import Loss
from ..train.fit import fit as _fit

__all__ = ["Network"]

# The shuffle generator starts at seed ^ this (docs/MATH.md), so that it does
# not replay the initialisation stream.
_SHUFFLE_SALT = 0x243F6A8885A308D3

# BLAS takes 32-bit dimensions; and a network beyond this many parameters
# (64 GB in float32) is a typo, not a model.
_MAX_WIDTH = 2**31 - 1
_MAX_PARAMS = 2**34

# predict() and loss() work through the data in chunks whose workspace holds
# about this many numbers (a few MB): bounded memory, and still large GEMMs.
_CHUNK_ELEMENTS = 1 << 20


class Network:
    """A multi-layer perceptron whose parameters live in one flat buffer.

    Parameters
    ----------
    layers : list of Dense
        The layer stack; each layer's ``n_in`` is the previous layer's ``n_out``.
    loss : str or Loss
        One of ``fastnet.LOSSES`` (``"mse"``, ``"half_mse"``, ``"mae"``, ``"huber"``,
        ``"binary_cross_entropy"``, ``"cross_entropy"``).
    dtype : "float32" (default) or "float64"
    seed : int
        Seeds the initialisation and the shuffling (docs/MATH.md).
    n_threads : int >= 1
        Threads the BLAS calls (the gemm of batched layers) may use; 1, the
        default, keeps fastnet on one core, so that it never oversubscribes the
        machine when you parallelise around it. Settable later (``net.n_threads``).

    Threads: calls on one network are serialised by a lock (a whole ``fit`` is
    one unit; a ``predict`` from another thread waits for it), so they never
    see each other's half-done work. Separate networks train in parallel, one
    per thread, each releasing the GIL for its epochs.
    """

    def __init__(self, layers, loss="mse", dtype="float32", seed=0, n_threads=DEFAULT_N_THREADS):
        layers = list(layers) if not isinstance(layers, Dense) else [layers]
        if not layers:
            raise ValueError("layers must hold at least one Dense layer, got none")
        for i, layer in enumerate(layers):
            if not isinstance(layer, Dense):
                raise TypeError(f"layers[{i}] must be a fastnet.Dense, got {type(layer).__name__}")
        for i in range(1, len(layers)):
            if layers[i].n_in != layers[i - 1].n_out:
                raise ValueError(f"layers[{i}] takes {layers[i].n_in} inputs but layers[{i - 1}] "
                                 f"gives {layers[i - 1].n_out} outputs")
        if len({id(layer) for layer in layers}) != len(layers):
            raise ValueError("the same Dense object appears twice in layers; create one per layer")
        self.layers = layers
        self.criterion = Loss.coerce(loss)
        self.criterion.check_output_activation(layers[-1].activation)
        self.criterion.check_n_outputs(layers[-1].n_out)
        self.dtype = as_dtype(dtype)
        self.seed = check_seed(seed)
        self.n_threads = n_threads

        sizes = [layers[0].n_in] + [layer.n_out for layer in layers]
        n_params = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
        if n_params > _MAX_PARAMS or max(sizes) > _MAX_WIDTH:
            raise ValueError(f"layer widths {sizes} give {n_params:,} parameters; fastnet supports up to "
                             f"{_MAX_PARAMS:,} parameters and widths up to {_MAX_WIDTH:,}")
        self._arch = _engine.Architecture(
            sizes, [layer.activation.id for layer in layers],
            [layer.activation.param for layer in layers],
            self.criterion.id, self.criterion.param, self.criterion.fused_activation is not None)
        # Cache lines of their own (false sharing between networks in two threads).
        self._params = exclusive_empty(self._arch.n_params, self.dtype)
        self._grads = exclusive_zeros(self._arch.n_params, self.dtype)
        self._shuffle_state = np.array([self.seed ^ _SHUFFLE_SALT], dtype=np.uint64)
        self._optimizer = None
        self._workspaces = {}
        self._lock = threading.RLock()
        #: Free-form information kept with the model by save/load and pickling
        #: (the command line stores feature names and class labels here).
        self.metadata = {}
        self._attach_views()
        self.reset_parameters()

    @classmethod
    def mlp(cls, sizes, activation="relu", output_activation=None, loss="mse", dtype="float32",
            seed=0, negative_slope=None, n_threads=DEFAULT_N_THREADS):
        """A stack of Dense layers of the given widths, e.g. ``Network.mlp([64, 128, 10])``.

        Hidden layers use ``activation``; the output layer ``output_activation``,
        which defaults to what the loss is fused with (sigmoid or softmax for the
        cross-entropies) and to identity otherwise.
        """
        try:
            if isinstance(sizes, (str, bytes)):
                raise TypeError
            sizes = list(sizes)
        except TypeError:
            raise TypeError(f"sizes must be a list of layer widths such as [64, 128, 10], "
                            f"got {type(sizes).__name__} {sizes!r}") from None
        sizes = [check_int(f"sizes[{i}]", width, low=1) for i, width in enumerate(sizes)]
        if len(sizes) < 2:
            raise ValueError(f"sizes must list at least an input and an output width, got {sizes!r}")
        criterion = Loss.coerce(loss)
        hidden = (Activation(activation, negative_slope=negative_slope)
                  if negative_slope is not None else Activation.coerce(activation))
        if output_activation is None:
            output_activation = criterion.fused_activation or "identity"
        layers = [Dense(sizes[i], sizes[i + 1], hidden) for i in range(len(sizes) - 2)]
        layers.append(Dense(sizes[-2], sizes[-1], output_activation))
        return cls(layers, loss=criterion, dtype=dtype, seed=seed, n_threads=n_threads)

    # -- parameters ---------------------------------------------------------------
    def _attach_views(self):
        off = 0
        for layer in self.layers:
            n_w = layer.n_in * layer.n_out
            layer.W = self._params[off:off + n_w].reshape(layer.n_in, layer.n_out)
            layer.dW = self._grads[off:off + n_w].reshape(layer.n_in, layer.n_out)
            layer.b = self._params[off + n_w:off + n_w + layer.n_out]
            layer.db = self._grads[off + n_w:off + n_w + layer.n_out]
            off += n_w + layer.n_out

    def reset_parameters(self):
        """Initialise the parameters from ``seed`` (He or Glorot uniform, zero biases)."""
        limits = np.array([math.sqrt(6.0 / layer.n_in) if layer.activation.init == "he"
                           else math.sqrt(6.0 / (layer.n_in + layer.n_out)) for layer in self.layers])
        # Drawn in float64 and rounded once, so float32 and float64 networks start alike.
        full = np.empty(self.n_params, dtype=np.float64)
        _engine.init_uniform(full, self._arch, limits, np.uint64(self.seed))
        self._params[:] = full

    @property
    def n_threads(self):
        """BLAS threads for this network's batched layers (1 by default).

        A cap, as is the BLAS thread count in force outside fastnet's calls
        (a ``threadpoolctl`` limit, ``OPENBLAS_NUM_THREADS``): the calls use
        the smaller of the two.
        """
        return self._n_threads

    @n_threads.setter
    def n_threads(self, value):
        self._n_threads = check_int("n_threads", value, low=1, high=1024)

    @property
    def params(self):
        """All weights and biases, one flat 1-D array (live: layers' W and b are views)."""
        return self._params

    @params.setter
    def params(self, values):
        arr = np.asarray(values)
        if arr.shape != self._params.shape:
            raise ValueError(f"params must have shape {self._params.shape}, got {arr.shape}")
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"params must be real numbers, got dtype {arr.dtype}")
        if not np.isfinite(arr).all():
            raise ValueError("params contains NaN or infinity")
        if arr is not self._params:
            with self._lock:  # not in the middle of another thread's fit
                self._params[:] = arr

    @property
    def grads(self):
        """Gradients of the last ``backward`` (or batch of ``fit``), same layout as ``params``."""
        return self._grads

    @property
    def n_params(self):
        return self._arch.n_params

    @property
    def n_features(self):
        return self.layers[0].n_in

    @property
    def n_outputs(self):
        return self.layers[-1].n_out

    @property
    def sizes(self):
        return [self.layers[0].n_in] + [layer.n_out for layer in self.layers]

    # -- buffers --------------------------------------------------------------------
    def _workspace(self, capacity):
        """The workspace for batches of up to ``capacity`` rows, allocated once and reused."""
        work = self._workspaces.get(capacity)
        if work is None:
            if len(self._workspaces) >= 4:  # keep a few sizes, not one per call pattern
                self._workspaces.pop(next(iter(self._workspaces)))
            work = exclusive_empty(self._arch.workspace_size(capacity), self.dtype)
            self._workspaces[capacity] = work
        return work

    def _chunk(self, n_samples):
        return max(1, min(n_samples, _CHUNK_ELEMENTS // self._arch.workspace_size(1)))

    def _check_xy(self, X, Y, names=("X", "Y")):
        X = as_features(X, self.n_features, self.dtype, name=names[0])
        Y = as_targets(Y, X.shape[0], self.criterion, self.n_outputs, self.dtype, name=names[1])
        return X, Y

    def _check_finite_result(self, values, what):
        """Raise if a forward pass on finite inputs and parameters overflowed."""
        if not np.isfinite(values).all():
            pass_ = "backward pass" if what == "gradient" else "forward pass"
            remedy = "scale the inputs, or use dtype='float64'" if self.dtype == np.float32 else "scale the inputs"
            raise FloatingPointError(
                f"the {what} is not finite: the {pass_} overflowed {self.dtype.name} (inputs or "
                f"weights too large); {remedy}")

    # -- forward and backward -------------------------------------------------------
    def predict(self, X):
        """The network's output for X (n_samples, n_features): shape (n_samples, n_outputs).

        Class probabilities for the cross-entropy losses.
        """
        X = as_features(X, self.n_features, self.dtype)
        out = np.empty((X.shape[0], self.n_outputs), dtype=self.dtype)
        with self._lock, blas_threads(self._n_threads):
            capacity = self._chunk(X.shape[0])
            _engine.predict(self._arch, self._params, X, out, self._workspace(capacity), capacity)
        self._check_finite_result(out, "output")
        return out

    def loss(self, X, Y, sample_weight=None):
        """The mean loss over (X, Y); with ``sample_weight``, the weighted mean."""
        X, Y = self._check_xy(X, Y)
        weights = as_sample_weight(sample_weight, X.shape[0], self.dtype)
        with self._lock, blas_threads(self._n_threads):
            capacity = self._chunk(X.shape[0])
            value = float(_engine.loss(self._arch, self._params, X, Y, weights,
                                       self._workspace(capacity), capacity))
        self._check_finite_result(value, "loss")
        return value

    def backward(self, X, Y, sample_weight=None):
        """Forward and backward pass over (X, Y) as one batch: returns the loss, fills ``grads``."""
        X, Y = self._check_xy(X, Y)
        weights = as_sample_weight(sample_weight, X.shape[0], self.dtype)
        with self._lock, blas_threads(self._n_threads):
            value = float(_engine.backward(self._arch, self._params, self._grads, X, Y, weights,
                                           self._workspace(X.shape[0])))
            self._check_finite_result(value, "loss")
            self._check_finite_result(self._grads, "gradient")
        return value

    # -- optimizer hooks (called by Optimizer.step) ----------------------------------
    def _new_optimizer_state(self, optimizer):
        state = exclusive_zeros((optimizer.n_state, self.n_params), self.dtype)
        for row in range(optimizer.n_state):
            state[row] = optimizer.initial_state_value(row)
        return state

    def _optimizer_update(self, optimizer):
        with self._lock:
            if not np.isfinite(self._grads).all():
                raise FloatingPointError("net.grads holds NaN or infinity; the step was not taken "
                                         "(lower the learning rate, clip gradients or scale the inputs)")
            # A manual step is the slow path: keep copies, so that a step that
            # overflows the parameters can be undone instead of losing the model.
            params, state = self._params.copy(), optimizer.state.copy()
            _optimizers.step(optimizer.kernel_id, np.asarray(optimizer.hyper_vector(), dtype=np.float64),
                             optimizer.t, self._params, self._grads, optimizer.state)
            params_finite = bool(np.isfinite(self._params).all())
            if not (params_finite and np.isfinite(optimizer.state).all()):
                # The state too: a finite gradient's square can overflow Adam's, and then
                # every later step of those weights is 0 or NaN.
                self._params[:] = params
                optimizer.state[:] = state
                what = "the parameters" if not params_finite else "the optimizer's state"
                raise FloatingPointError(f"this {type(optimizer).__name__} step overflowed {what}; "
                                         "it was undone (lower the learning rate, or scale the inputs)")

    # -- training --------------------------------------------------------------------
    def fit(self, X, Y, optimizer=None, epochs=1, batch_size=None, shuffle=True, seed=None, *,
            sample_weight=None, validation_data=None, validation_split=None, early_stopping=None, min_delta=0.0,
            lr_schedule=None, max_norm=None, callbacks=(), progress=False, reset_optimizer=False,
            rollback=True):
        """Train by mini-batch gradient descent; returns a :class:`History`.

        Each epoch is one nogil call; everything below runs between epochs.

        Parameters
        ----------
        X : array (n_samples, n_features)
        Y : array (n_samples, n_outputs), or (n_samples,) for one output or class labels
        optimizer : Optimizer, name or None
            None continues with the optimizer of the previous ``fit`` (its state,
            such as Adam's moments, carries over), else ``SGD(lr=0.01)``.
        epochs : int >= 0
        batch_size : int >= 1 or None
            None is full-batch gradient descent, 1 stochastic gradient descent, k
            mini-batch. A batch size above the number of samples is full-batch.
        shuffle : bool
            Shuffle the samples every epoch (SplitMix64, docs/MATH.md).
        seed : int or None
            Restart the shuffle generator from this seed; None carries on.
        sample_weight : array (n_samples,) or None
            Per-sample weights (>= 0): each batch's loss is the weighted mean.
        validation_data : (X_val, Y_val) or None
            Evaluated after every epoch: ``history.val_loss``, and
            ``history.val_accuracy`` for the classification losses.
        validation_split : float in (0, 1) or None
            Hold out this fraction of the rows (the last ones, as Keras does) as
            validation data.
        early_stopping : int >= 0 or None
            Patience: stop when the monitored loss (``val_loss`` if there is
            validation data, else ``loss``) has not improved by more than
            ``min_delta`` for this many epochs, and restore the parameters of the
            best epoch.
        lr_schedule : fastnet.optim.schedules.LRSchedule or None
            Sets the learning rate of each epoch from the optimizer's ``lr``
            (which is restored when ``fit`` returns).
        max_norm : float > 0 or None
            Clip each batch's gradient to this global L2 norm.
        callbacks : iterable of callables ``f(epoch, logs) -> bool | None``
            Called after every epoch with the epoch's figures; returning True stops.
        progress : bool, "bar" or "log"
            A tqdm bar when tqdm is installed, else one log line per epoch (throttled).
        reset_optimizer : bool
            Start the optimizer's state afresh instead of continuing it.
        rollback : bool
            Keep a copy of the parameters, the optimizer's state and its step
            count from the start of every epoch, so that an epoch that diverges
            is undone (default). False saves that copy's memory (``n_params``
            values, times 1 + the optimizer's state rows: 7 MB for a
            784-1024-1024-10 network with plain SGD, 21 MB with Adam) and checks
            each batch's gradient instead: training stops before the first
            non-finite batch's update, with the parameters of the batch before.
            The check reads the gradient once per batch: free for large layers,
            up to a third of the time of a one-row step of a tiny network.
            Only an update that overflows on its own (a finite gradient times an
            enormous step) can then leave non-finite parameters, and
            :class:`fastnet.TrainingDivergedError` says so.

        Ctrl-C stops training at the end of the running epoch and returns the
        history so far (``history.interrupted`` is True) with the parameters intact.
        A non-finite loss, gradient, parameter or optimizer state restores the last
        finite epoch's parameters, optimizer state and step count and raises
        :class:`fastnet.TrainingDivergedError` (with ``rollback=False``: keeps the
        last finite batch's parameters; the error's ``params_kept`` tells which).
        """
        return _fit(self, X, Y, optimizer, epochs=epochs, batch_size=batch_size, shuffle=shuffle, seed=seed,
                    sample_weight=sample_weight, validation_data=validation_data,
                    validation_split=validation_split, early_stopping=early_stopping, min_delta=min_delta,
                    lr_schedule=lr_schedule, max_norm=max_norm, callbacks=callbacks, progress=progress,
                    reset_optimizer=reset_optimizer, rollback=rollback)

    def _restart_shuffle(self, seed):
        self._shuffle_state[0] = seed ^ _SHUFFLE_SALT

    def partial_fit(self, X, Y, epochs=1, **kwargs):
        """Continue training from the current parameters and optimizer state (``fit`` with ``epochs=1``)."""
        return self.fit(X, Y, epochs=epochs, **kwargs)

    def _evaluate(self, X, Y):
        """Validation figures on checked arrays: val_loss, and val_accuracy for classification."""
        capacity = self._chunk(X.shape[0])
        work = self._workspace(capacity)
        figures = {"val_loss": float(_engine.loss(self._arch, self._params, X, Y, no_weights(self.dtype),
                                                  work, capacity))}
        if self.criterion.is_classification:
            out = np.empty((X.shape[0], self.n_outputs), dtype=self.dtype)
            _engine.predict(self._arch, self._params, X, out, work, capacity)
            if self.criterion.name == "cross_entropy":
                hits = out.argmax(axis=1) == Y.argmax(axis=1)
            else:
                hits = (out >= 0.5) == (Y >= 0.5)
            figures["val_accuracy"] = float(hits.mean())
        return figures

    # -- keeping models ----------------------------------------------------------------
    def save(self, path, include_optimizer=True, metadata=None):
        """Write the network to ``path`` (.npz, no pickle inside), atomically; see :func:`fastnet.load`.

        ``metadata`` (JSON-serialisable) replaces ``self.metadata`` in the file if given.
        Returns the path written (``.npz`` appended when missing).
        """
        return archive.save(self, path, include_optimizer=include_optimizer, metadata=metadata)

    # -- pickling (joblib, multiprocessing) ------------------------------------------
    def __getstate__(self):
        return {"layers": [layer._spec() for layer in self.layers], "loss": self.criterion.to_dict(),
                "dtype": self.dtype.name, "seed": self.seed, "params": self._params.copy(),
                "shuffle_state": int(self._shuffle_state[0]), "optimizer": self._optimizer,
                "metadata": self.metadata, "n_threads": self._n_threads}

    def __setstate__(self, state):
        layers = [Dense(s["n_in"], s["n_out"], Activation(**s["activation"])) for s in state["layers"]]
        self.__init__(layers, loss=Loss(**state["loss"]), dtype=state["dtype"], seed=state["seed"])
        self._params[:] = state["params"]
        self._shuffle_state[0] = state["shuffle_state"]
        self.metadata = state.get("metadata", {})
        self.n_threads = state.get("n_threads", 1)
        optimizer = state["optimizer"]
        self._optimizer = optimizer
        if optimizer is not None and optimizer.state is not None:
            rows, t = optimizer.state, optimizer.t
            optimizer._owner = None
            optimizer.bind(self)  # re-binds to this network (bind starts a fresh state)
            optimizer.state[:] = rows
            optimizer.t = t

    def __repr__(self):
        return (f"Network(sizes={self.sizes}, activations={[l.activation.name for l in self.layers]}, "
                f"loss={self.criterion.name!r}, dtype={self.dtype.name!r}, n_params={self.n_params})")
