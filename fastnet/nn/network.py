"""The compiled network: a thin Python layer over the nogil kernels in fastnet._core.

Everything a kernel assumes is checked here first (fastnet/checks/); every
buffer is allocated here, once; the kernels then run without the GIL. A whole
training epoch is one call into ``fastnet._core.network.train_epoch``, made by
``fit`` (fastnet/train/fit.py, the loop around it).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import numpy as np
import numpy.typing as npt

from .._core import network as _engine
from ..checks.arrays import (Floats, as_dtype, as_features, as_sample_weight, as_targets, exclusive_empty,
                             exclusive_zeros)
from ..checks.scalars import check_int, check_seed
from ..runtime.threads import DEFAULT_N_THREADS, blas_threads
from ..train import python_loss
from ..train.fit import fit as _fit
from . import archive, conversions, evaluation, labels, manual_step
from .activations import Activation
from .custom_loss import CustomLoss, as_loss, loss_from_dict
from .init import kernel_plan
from .layers import DROPOUT_SEED_XOR, Dense, Dropout, layers_from_specs
from .losses import Loss
from .predict import predict as _predict
from ..runtime.blas_calls import rows_without_blas
from .stack import dense_and_rates, layer_list, mlp_layers

if TYPE_CHECKING:
    from ..optim.optimizers import Optimizer
    from ..optim.schedules import LRScheduleLike
    from ..train.history import History
    from ..train.metrics import Metric, MetricSet

__all__ = ["Network"]

#: The network's arrays: float32 or float64, as the network's dtype says.
_FloatArray: TypeAlias = npt.NDArray[np.floating[Any]]
#: A callback of fit: f(epoch, logs) -> True to stop.
_Callback: TypeAlias = Callable[[int, dict[str, float]], "bool | None"]

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
    layers : list of Dense (and Dropout)
        The layer stack; each Dense layer's ``n_in`` is the previous one's ``n_out``. A
        ``Dropout(p)`` between two of them drops that fraction of the outputs in training.
    loss : str or Loss
        A name from ``fastnet.LOSSES`` (``"mse"``, ``"huber"``, ``"cross_entropy"``, ``"poisson"``,
        ``"quantile"``, ...), or a ``Loss`` with its parameter (``Loss("quantile", q=0.9)``), or
        a :class:`fastnet.CustomLoss` written in NumPy (slower: one Python call per batch).
    dtype : "float32" (default) or "float64"
    seed : int
        Seeds the initialisation, the shuffling and the dropout masks (docs/MATH.md).
    n_threads : int >= 1
        Threads the BLAS calls (the gemm of batched layers) may use; 1, the
        default, keeps fastnet on one core, so that it never oversubscribes the
        machine when you parallelise around it. Settable later (``net.n_threads``).

    Notes
    -----
    Threads: calls on one network are serialised by a lock (a whole ``fit`` is
    one unit; a ``predict`` from another thread waits for it), so they never
    see each other's half-done work. Separate networks train in parallel, one
    per thread, each releasing the GIL for its epochs.
    """

    def __init__(self, layers: Dense | Iterable[Dense | Dropout], loss: Loss | CustomLoss | str = "mse",
                 dtype: npt.DTypeLike = "float32", seed: int = 0, n_threads: int = DEFAULT_N_THREADS) -> None:
        self.layers: list[Dense | Dropout] = layer_list(layers, Dense, "fastnet.Dense")
        self._dense, rates = dense_and_rates(self.layers)
        layers = self._dense
        self.criterion = as_loss(loss)
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
            [layer.activation.param_vector() for layer in layers],
            self.criterion.id, self.criterion.param, self.criterion.fused_activation is not None, rates)
        # Cache lines of their own (false sharing between networks in two threads).
        self._params: Floats = exclusive_empty(self._arch.n_params, self.dtype)
        self._grads: Floats = exclusive_zeros(self._arch.n_params, self.dtype)
        # [0]: the shuffle generator, [1]: the dropout masks' (docs/MATH.md, "Random numbers").
        self._shuffle_state = np.array([self.seed ^ _SHUFFLE_SALT, self.seed ^ DROPOUT_SEED_XOR], dtype=np.uint64)
        self._optimizer: Optimizer | None = None
        self._workspaces: dict[int, Floats] = {}
        self._fit_buffers: Any = None   # what every fit reuses (train/fit.py: fit's fixed cost)
        self._rows_without_blas = rows_without_blas(sizes)   # predict needs no BLAS-thread scope up to here
        self._lock = threading.RLock()
        #: Free-form information kept with the model by save/load and pickling
        #: (the command line stores feature names and class labels here): JSON values.
        self.metadata: dict[str, Any] = {}
        #: The string class labels ``fit`` learned (sorted, np.unique's order), or None (nn/labels.py).
        self.classes: npt.NDArray[np.str_] | None = None
        self._attach_views()
        self.reset_parameters()

    @classmethod
    def mlp(cls, sizes: Sequence[int], activation: Activation | str = "relu",
            output_activation: Activation | str | None = None, loss: Loss | CustomLoss | str = "mse",
            dtype: npt.DTypeLike = "float32", seed: int = 0, negative_slope: float | None = None,
            n_threads: int = DEFAULT_N_THREADS, *, init: str | Sequence[str | None] | None = None,
            dropout: float = 0.0) -> Network:
        """A stack of Dense layers of the given widths, e.g. ``Network.mlp([64, 128, 10])``.

        Hidden layers use ``activation`` (with ``negative_slope``, for leaky_relu);
        the output layer ``output_activation``, which defaults to what the loss is
        fused with (sigmoid or softmax for the cross-entropies) and to identity
        otherwise. ``init`` draws the weights: one of ``fastnet.INITIALIZERS``
        for every layer or a list of one per layer (see :class:`Dense`); None
        keeps each activation's default. ``dropout`` in [0, 1): a ``Dropout`` after every hidden layer.
        """
        layers, criterion = mlp_layers(Dense, sizes, activation, output_activation, loss, negative_slope, init,
                                       dropout)
        return cls(layers, loss=criterion, dtype=dtype, seed=seed, n_threads=n_threads)

    # -- parameters ---------------------------------------------------------------
    def _attach_views(self) -> None:
        off = 0
        for layer in self._dense:
            n_w = layer.n_in * layer.n_out
            layer.W = self._params[off:off + n_w].reshape(layer.n_in, layer.n_out)
            layer.dW = self._grads[off:off + n_w].reshape(layer.n_in, layer.n_out)
            layer.b = self._params[off + n_w:off + n_w + layer.n_out]
            layer.db = self._grads[off + n_w:off + n_w + layer.n_out]
            off += n_w + layer.n_out

    def reset_parameters(self) -> None:
        """Initialise the parameters from ``seed``: each layer's ``init`` (fastnet.nn.init), zero biases."""
        distributions, scales = kernel_plan(self._dense)
        # Drawn in float64 and rounded once, so float32 and float64 networks start alike.
        full = np.empty(self.n_params, dtype=np.float64)
        _engine.init_params(full, self._arch, distributions, scales, np.uint64(self.seed))
        self._params[:] = full

    @property
    def n_threads(self) -> int:
        """BLAS threads for this network's batched layers (1 by default).

        A cap, as is the BLAS thread count in force outside fastnet's calls
        (a ``threadpoolctl`` limit, ``OPENBLAS_NUM_THREADS``): the calls use
        the smaller of the two.
        """
        return self._n_threads

    @n_threads.setter
    def n_threads(self, value: int) -> None:
        self._n_threads = check_int("n_threads", value, low=1, high=1024)

    @property
    def params(self) -> _FloatArray:
        """All weights and biases, one flat 1-D array, (n_params,) (live: layers' W and b are views)."""
        return self._params

    @params.setter
    def params(self, values: npt.ArrayLike) -> None:
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
    def grads(self) -> _FloatArray:
        """Gradients of the last ``backward`` (or batch of ``fit``), (n_params,), the layout of ``params``."""
        return self._grads

    @property
    def n_params(self) -> int:
        return self._arch.n_params

    @property
    def n_features(self) -> int:
        return self._dense[0].n_in

    @property
    def n_outputs(self) -> int:
        return self._dense[-1].n_out

    @property
    def sizes(self) -> list[int]:
        return [self._dense[0].n_in] + [layer.n_out for layer in self._dense]

    @property
    def dense_layers(self) -> list[Dense]:
        """The layers with parameters (``layers`` without its Dropouts), in order."""
        return list(self._dense)

    # -- buffers --------------------------------------------------------------------
    def _workspace(self, capacity: int) -> Floats:
        """The workspace for batches of up to ``capacity`` rows, allocated once and reused."""
        work = self._workspaces.get(capacity)
        if work is None:
            if len(self._workspaces) >= 4:  # keep a few sizes, not one per call pattern
                self._workspaces.pop(next(iter(self._workspaces)))
            work = exclusive_empty(self._arch.workspace_size(capacity), self.dtype)
            self._workspaces[capacity] = work
        return work

    def _chunk(self, n_samples: int) -> int:
        return max(1, min(n_samples, _CHUNK_ELEMENTS // self._arch.workspace_size(1)))

    def _check_xy(self, X: npt.ArrayLike, Y: npt.ArrayLike,
                  names: tuple[str, str] = ("X", "Y")) -> tuple[Floats, Floats]:
        features: Floats = as_features(X, self.n_features, self.dtype, name=names[0])
        Y = labels.encode(self, Y, names[1])   # string class labels -> class indices
        targets: Floats = as_targets(Y, features.shape[0], self.criterion, self.n_outputs, self.dtype,
                                           name=names[1])
        return features, targets

    def _check_finite_result(self, values: float | _FloatArray, what: str) -> None:
        """Raise if a forward pass on finite inputs and parameters overflowed."""
        if not np.isfinite(values).all():
            pass_ = "backward pass" if what == "gradient" else "forward pass"
            remedy = "scale the inputs, or use dtype='float64'" if self.dtype == np.float32 else "scale the inputs"
            raise FloatingPointError(
                f"the {what} is not finite: the {pass_} overflowed {self.dtype.name} (inputs or "
                f"weights too large); {remedy}")

    # -- forward and backward -------------------------------------------------------
    def predict(self, X: npt.ArrayLike, out: _FloatArray | None = None, *, check_input: bool = True) -> _FloatArray:
        """The network's output for X (n_samples, n_features): shape (n_samples, n_outputs).

        Class probabilities for the cross-entropy losses. ``out``: an array to
        write the output into (and return), reused across calls. With
        ``check_input=False``, X must already be a C-contiguous array of the
        network's dtype and shape; only that is checked, in O(1), not its values
        (a non-finite output still raises). Both cut the fixed cost of small
        predictions (fastnet/nn/predict.py).
        """
        return _predict(self, X, out, check_input)

    def loss(self, X: npt.ArrayLike, Y: npt.ArrayLike, sample_weight: npt.ArrayLike | None = None) -> float:
        """The mean loss over (X, Y); with ``sample_weight``, the weighted mean."""
        features, targets = self._check_xy(X, Y)
        weights: Floats = as_sample_weight(sample_weight, features.shape[0], self.dtype)
        with self._lock, blas_threads(self._n_threads):
            capacity = self._chunk(features.shape[0])
            value = float(python_loss.engine(self.criterion).loss(self._arch, self._params, features, targets,
                                                                   weights, self._workspace(capacity), capacity))
        self._check_finite_result(value, "loss")
        return value

    def backward(self, X: npt.ArrayLike, Y: npt.ArrayLike,
                 sample_weight: npt.ArrayLike | None = None, *, dropout_seed: int | None = None) -> float:
        """Forward and backward pass over (X, Y) as one batch: returns the loss, fills ``grads``.

        In training mode: dropout masks are drawn from the network's dropout stream
        (which ``fit`` continues), or, given ``dropout_seed``, from a stream started
        there, which leaves the network's own untouched: the same seed, the same masks.
        """
        features, targets = self._check_xy(X, Y)
        weights: Floats = as_sample_weight(sample_weight, features.shape[0], self.dtype)
        rng = self._shuffle_state[1:] if dropout_seed is None else np.array(
            [check_seed(dropout_seed, "dropout_seed") ^ DROPOUT_SEED_XOR], dtype=np.uint64)
        with self._lock, blas_threads(self._n_threads):
            value = float(python_loss.engine(self.criterion).backward(
                self._arch, self._params, self._grads, features, targets, weights, self._workspace(features.shape[0]),
                rng))
            self._check_finite_result(value, "loss")
            self._check_finite_result(self._grads, "gradient")
        return value

    # -- optimizer hooks (called by Optimizer.step) ----------------------------------
    def _new_optimizer_state(self, optimizer: Optimizer) -> Floats:
        return manual_step.new_state(self, optimizer)

    def _optimizer_update(self, optimizer: Optimizer) -> None:
        manual_step.step(self, optimizer)

    # -- training --------------------------------------------------------------------
    def fit(self, X: npt.ArrayLike, Y: npt.ArrayLike, optimizer: Optimizer | str | None = None,
            epochs: int = 1, batch_size: int | None = None, shuffle: bool = True, seed: int | None = None, *,
            sample_weight: npt.ArrayLike | None = None, metrics: Iterable[Metric | str] | None = None,
            validation_data: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
            validation_split: float | None = None, validation_shuffle: bool = True,
            early_stopping: int | None = None, min_delta: float = 0.0,
            lr_schedule: LRScheduleLike | None = None, max_norm: float | None = None,
            callbacks: Iterable[_Callback] = (), progress: bool | Literal["bar", "log"] = False,
            reset_optimizer: bool = False, rollback: bool = True) -> History:
        """Train by mini-batch gradient descent; returns a :class:`History`.

        Each epoch is one nogil call; everything below runs between epochs.

        Parameters
        ----------
        X : array (n_samples, n_features)
        Y : array (n_samples, n_outputs), or (n_samples,) for one output or class labels
            Class labels may be strings (the cross-entropies): ``fit`` learns
            ``classes`` (sorted as numpy.unique sorts them) the first time.
        optimizer : Optimizer, name or None
            None continues with the optimizer of the previous ``fit`` (its state,
            such as Adam's moments, carries over); if no optimizer was ever given,
            ``Adam(lr=1e-3)`` (Keras's and torch's Adam rate). Up to 0.1 the
            default was ``SGD(lr=0.01)``: pass ``optimizer=SGD(lr=0.01)`` for it.
        epochs : int >= 0
            Default 1, as in Keras's ``Model.fit``: one pass over the data.
        batch_size : int >= 1 or None
            None (the default; Keras's is 32) is full-batch gradient descent, 1 stochastic
            gradient descent, k mini-batch. A batch size above the number of samples is full-batch.
        shuffle : bool
            Shuffle the samples every epoch (SplitMix64, docs/MATH.md).
        seed : int or None
            Restart the shuffle generator from this seed; None carries on.
        sample_weight : array (n_samples,) or None
            Per-sample weights (>= 0): each batch's loss is the weighted mean.
        metrics : list of names in ``fastnet.METRICS`` / :class:`fastnet.Metric`, or None
            Recorded every epoch as ``history.<name>`` (a running average over the
            epoch's batches, from each batch's outputs before its update, as in
            Keras) and ``history.val_<name>`` on the validation data. None: only
            ``val_accuracy``, for the classification losses with validation data.
        validation_data : (X_val, Y_val) or None
            Evaluated after every epoch (one forward pass): ``history.val_loss``
            and the metrics.
        validation_split : float in (0, 1) or None
            Hold out this fraction of the rows as validation data: drawn at random
            from the network's ``seed`` (its own stream: the shuffles are not
            disturbed) and, for the classification losses, stratified by class;
            the same rows in every ``fit`` on the same data.
        validation_shuffle : bool
            False holds out the last rows instead, as Keras does (scikit-learn's
            ``train_test_split(shuffle=False)``).
        early_stopping : int >= 0 or None
            Patience: stop when the monitored loss (``val_loss`` if there is
            validation data, else ``loss``) has not improved by more than
            ``min_delta`` for this many epochs, and restore the parameters of the
            best epoch.
        lr_schedule : fastnet.optim.schedules.LRSchedule, callable or None
            Sets the learning rate of each epoch (per epoch, never per batch) from
            the optimizer's ``lr``, which ``fit`` never changes; a plain function
            ``f(epoch)`` of the 0-based epoch returns a factor of it (``LambdaLR``).
        max_norm : float > 0 or None
            Clip each batch's gradient to this global L2 norm.
        callbacks : iterable of callables ``f(epoch, logs) -> bool | None``
            Called after every epoch with its figures; True stops. ``cb.set_network(self)`` first, if any.
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

        Notes
        -----
        Ctrl-C stops training at the end of the running epoch and returns the
        history so far (``history.interrupted`` is True) with the parameters intact.
        A non-finite loss, gradient, parameter or optimizer state restores the last
        finite epoch's parameters, optimizer state and step count and raises
        :class:`fastnet.TrainingDivergedError` (with ``rollback=False``: keeps the
        last finite batch's parameters; the error's ``params_kept`` tells which).
        """
        with labels.learning(self, Y):
            return _fit(self, X, Y, optimizer, epochs=epochs, batch_size=batch_size, shuffle=shuffle, seed=seed,
                        sample_weight=sample_weight, metrics=metrics, validation_data=validation_data,
                        validation_split=validation_split, validation_shuffle=validation_shuffle,
                        early_stopping=early_stopping, min_delta=min_delta,
                        lr_schedule=lr_schedule, max_norm=max_norm, callbacks=callbacks, progress=progress,
                        reset_optimizer=reset_optimizer, rollback=rollback)

    def _restart_shuffle(self, seed: int) -> None:
        self._shuffle_state[:] = seed ^ _SHUFFLE_SALT, seed ^ DROPOUT_SEED_XOR

    def partial_fit(self, X: npt.ArrayLike, Y: npt.ArrayLike, epochs: int = 1, **kwargs: Any) -> History:
        """Continue training from the current parameters and optimizer state (``fit`` with ``epochs=1``)."""
        return self.fit(X, Y, epochs=epochs, **kwargs)

    def predict_classes(self, X: npt.ArrayLike) -> npt.NDArray[Any]:
        """The most probable class of each row (cross-entropies): a label of ``classes``, else its index."""
        return labels.predict_classes(self, X)

    def _evaluate(self, X: Floats, Y: Floats, metrics: MetricSet) -> dict[str, float]:
        """Validation figures on checked arrays: val_loss and val_<metric> (``fit`` calls it)."""
        return evaluation.validation_figures(self, X, Y, metrics)

    def _validation_metrics(self, metrics: Iterable[Metric | str] | None) -> MetricSet:
        return evaluation.validation_metrics(self, metrics)

    def evaluate(self, X: npt.ArrayLike, Y: npt.ArrayLike, metrics: Iterable[Metric | str] | None = None,
                 sample_weight: npt.ArrayLike | None = None) -> dict[str, float]:
        """``{"loss": mean loss, "<metric>": value, ...}`` on (X, Y), in one forward pass (weighted if given).

        ``metrics``: names of ``fastnet.METRICS`` or :class:`fastnet.Metric` objects, as for ``fit``.
        A dict, where Keras returns a list by default (``return_dict=True`` there).
        """
        return evaluation.evaluate(self, X, Y, metrics, sample_weight)

    # -- keeping models ----------------------------------------------------------------
    def save(self, path: archive.PathLike, include_optimizer: bool = True,
             metadata: dict[str, Any] | None = None) -> str:
        """Write the network to ``path`` (.npz, no pickle inside), atomically; see :func:`fastnet.load`.

        ``metadata`` (JSON-serialisable) replaces ``self.metadata`` in the file if given.
        Returns the path written (``.npz`` appended when missing).
        """
        return archive.save(self, path, include_optimizer=include_optimizer, metadata=metadata)

    def to_onnx(self, path: archive.PathLike | None = None, *, opset: int = 17) -> Any:
        """The network as an ``onnx.ModelProto`` computing :meth:`predict`, written to ``path`` if given.

        See :func:`fastnet.io.onnx.to_onnx` (needs ``pip install 'fastnet[onnx]'``).
        """
        return conversions.export("onnx", self, path, opset=opset)

    def to_torch(self) -> Any:
        """The network as a ``torch.nn.Sequential`` computing :meth:`predict`; see :func:`fastnet.io.torch.to_torch`."""
        return conversions.export("torch", self)

    @classmethod
    def from_torch(cls, module: Any, dtype: npt.DTypeLike | None = None, loss: Loss | str | None = None) -> Network:
        """The network of a ``torch.nn.Sequential`` of Linear layers and activations; see
        :func:`fastnet.io.torch.from_torch`."""
        return conversions.import_from("torch", module, dtype=dtype, loss=loss)  # type: ignore[no-any-return]

    @classmethod
    def from_sklearn(cls, estimator: Any, dtype: npt.DTypeLike | None = None) -> Network:
        """The network of a fitted scikit-learn ``MLPClassifier`` / ``MLPRegressor``; see
        :func:`fastnet.io.sklearn.from_sklearn`."""
        return conversions.import_from("sklearn", estimator, dtype=dtype)  # type: ignore[no-any-return]

    # -- pickling (joblib, multiprocessing) ------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {**archive.describe(self), "params": self._params.copy(), "optimizer": self._optimizer,
                "metadata": self.metadata, "n_threads": self._n_threads}

    def __setstate__(self, state: dict[str, Any]) -> None:
        layers = layers_from_specs(state["layers"])
        Network.__init__(self, layers, loss=loss_from_dict(state["loss"]), dtype=state["dtype"], seed=state["seed"])
        archive.restore_pickled(self, state)

    def __repr__(self) -> str:
        return (f"Network(sizes={self.sizes}, activations={[l.activation.name for l in self._dense]}, "
                f"loss={self.criterion.name!r}, dtype={self.dtype.name!r}, n_params={self.n_params})")
