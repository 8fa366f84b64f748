"""A dense network in pure Python: forward pass, backpropagation, training loop.

Read next to docs/MATH.md. A layer computes ``z = x W + b`` and ``a = act(z)``;
the network chains layers; :meth:`Network.backward` runs the chain rule from the
loss back to every ``W`` and ``b``; :meth:`Network.fit` repeats
"shuffle, then for each batch: backward, optimizer step".

Rows are samples: a batch is a list of ``n`` rows, each a list of floats.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from ..checks.scalars import check_bool, check_dtype_name, check_int, check_seed
from ..nn.activations import Activation
from ..nn.layers import DROPOUT_SEED_XOR, Dropout
from ..nn.losses import Loss
from ..nn.stack import dense_and_rates, layer_list, mlp_layers
from ..optim.optimizers import default_optimizer, make_optimizer
from ..train.errors import TrainingDivergedError
from ..train.history import History
from ..train.metrics import Metric, MetricSet, resolve_metrics
from . import metrics as reference_metrics
from . import activations as act
from ._data import NumericArray, as_flat, as_rows, as_targets, as_weights
from .losses import loss_gradient, weighted_loss_gradient
from .dropout import draw_mask, times_mask
from .layers import Dense
from .optimizers import update
from .random import SHUFFLE_SEED_XOR, SplitMix64, shuffled_order

if TYPE_CHECKING:
    from ..optim.optimizers import Optimizer

__all__ = ["Dense", "Dropout", "Network"]

#: A batch: rows of floats (nested lists; a 2-D numpy array works too).
_Rows: TypeAlias = "Sequence[Sequence[float]] | NumericArray"
#: Targets: rows, or one value (or class index) per sample.
_Targets: TypeAlias = "Sequence[Sequence[float]] | Sequence[float] | NumericArray"
#: One weight (>= 0) per sample.
_Weights: TypeAlias = "Sequence[float] | NumericArray"
#: Checked data: a list of rows of Python floats.
_Matrix: TypeAlias = "list[list[float]]"


class Network:
    """A stack of :class:`Dense` layers trained on one loss.

    layers: Dense layers whose sizes chain (``layers[i].n_out == layers[i+1].n_in``);
    they are initialised in place from ``seed``. loss: a name or a
    :class:`fastnet.nn.losses.Loss`; the cross-entropies need a sigmoid / softmax
    output layer. dtype: ``"float32"`` or ``"float64"``, kept for parity with the
    compiled network; the reference always computes in Python floats (double).
    seed: an integer in [0, 2**64) for the weights, the shuffling and the dropout masks.
    """

    layers: list[Dense | Dropout]
    criterion: Loss
    dtype: str  # "float32" or "float64"; the arithmetic is always Python floats (double)
    seed: int
    _optimizer: Optimizer | None

    def __init__(self, layers: Dense | Iterable[Dense | Dropout], loss: Loss | str = "mse",
                 dtype: Any = "float64", seed: int = 0) -> None:
        self.layers = layer_list(layers, Dense, "fastnet.reference.Dense")
        # The Dense layers, and for each the dropout rate of its output (MATH.md "Dropout").
        self._dense, self._rates = dense_and_rates(self.layers)
        self.criterion = Loss.coerce(loss)    # named so because the method `loss` is the API
        self.criterion.check_output_activation(self._dense[-1].activation)
        self.criterion.check_n_outputs(self._dense[-1].n_out)
        self.dtype = check_dtype_name(dtype)
        self.seed = check_seed(seed)
        rng = SplitMix64(self.seed)
        for layer in self._dense:           # one generator across layers, in flat order
            layer.initialise(rng)
        self._shuffle_rng = SplitMix64(self.seed ^ SHUFFLE_SEED_XOR)
        self._dropout_rng = SplitMix64(self.seed ^ DROPOUT_SEED_XOR)
        self._optimizer = None

    @classmethod
    def mlp(cls, sizes: Sequence[int], activation: Activation | str = "relu",
            output_activation: Activation | str | None = None, loss: Loss | str = "mse",
            dtype: Any = "float64", seed: int = 0, negative_slope: float | None = None, *,
            init: str | Sequence[str | None] | None = None, dropout: float = 0.0) -> Network:
        """A multi-layer perceptron: ``sizes = [n_features, hidden..., n_outputs]``.

        Hidden layers use ``activation`` (with ``negative_slope`` if given, for
        leaky_relu). ``output_activation=None`` means the loss's fused activation
        (sigmoid / softmax for the cross-entropies), else identity. ``init``: one
        initialiser for every layer or a list of one per layer (None: each
        activation's default), as :meth:`fastnet.Network.mlp`; ``dropout``: a
        :class:`Dropout` of that rate after every hidden layer.
        """
        layers, _ = mlp_layers(Dense, sizes, activation, output_activation, loss, negative_slope, init, dropout)
        return cls(layers, loss=loss, dtype=dtype, seed=seed)   # mlp_layers checked it

    # -- shape -----------------------------------------------------------------------
    @property
    def n_features(self) -> int:
        return self._dense[0].n_in

    @property
    def n_outputs(self) -> int:
        return self._dense[-1].n_out

    @property
    def n_params(self) -> int:
        return sum(layer.n_params for layer in self._dense)

    # -- the flat parameter vector (MATH.md: each layer's W row-major, then b) ----------
    @property
    def params(self) -> list[float]:
        """A new flat list of all parameters: layer by layer, W row by row, then b."""
        flat: list[float] = []
        for layer in self._dense:
            for row in layer.W:
                flat.extend(row)
            flat.extend(layer.b)
        return flat

    @params.setter
    def params(self, values: Sequence[float] | NumericArray) -> None:
        flat = as_flat("params", values, self.n_params)
        pos = 0
        for layer in self._dense:
            for row in layer.W:
                row[:] = flat[pos:pos + layer.n_out]
                pos += layer.n_out
            layer.b[:] = flat[pos:pos + layer.n_out]
            pos += layer.n_out

    @property
    def grads(self) -> list[float]:
        """The gradients of the last backward pass, flat, in the layout of ``params``."""
        flat: list[float] = []
        for layer in self._dense:
            for row in layer.dW:
                flat.extend(row)
            flat.extend(layer.db)
        return flat

    # -- forward and backward ------------------------------------------------------------
    def _forward(self, X: _Matrix, rng: SplitMix64 | None = None
                 ) -> tuple[list[_Matrix], list[_Matrix], list[_Matrix], list[_Matrix | None]]:
        """Every layer's output ``a[0] = X, a[1], ..., a[L]`` and pre-activation ``z[1], ..., z[L]``.

        ``z[0]`` is X too; gelu, gelu_tanh, silu and softplus read their ``z``. With ``rng``
        (training) a layer with a dropout rate draws ``masks[l]`` (else None); layer l reads ``inputs[l]``.
        """
        a, z, inputs = [X], [X], [X]
        masks: list[_Matrix | None] = [None]
        for layer, rate in zip(self._dense, self._rates):
            z.append(layer.linear(inputs[-1]))
            a.append([act.forward(layer.activation, z_row) for z_row in z[-1]])
            mask = draw_mask(rng, rate, len(X), layer.n_out) if rng is not None and rate > 0 else None
            masks.append(mask)
            inputs.append(a[-1] if mask is None else times_mask(a[-1], mask))
        return a, z, inputs, masks

    def _loss_input(self, a: list[_Matrix], z: list[_Matrix]) -> _Matrix:
        # The cross-entropies are fused with their activation and read the logits.
        return z[-1] if self.criterion.fused_activation else a[-1]

    @staticmethod
    def _through_activation(layer: Dense, z: _Matrix, a: _Matrix, grad: _Matrix) -> _Matrix:
        """dL/da -> dL/dz through ``layer``'s activation, row by row."""
        return [act.backward(layer.activation, a_row, g_row, z_row) for z_row, a_row, g_row in zip(z, a, grad)]

    def _loss_gradient(self, out: _Matrix, Y: _Matrix, weights: list[float] | None) -> tuple[float, _Matrix]:
        if weights is None:
            return loss_gradient(self.criterion, out, Y)
        return weighted_loss_gradient(self.criterion, out, Y, weights)

    def _backward(self, X: _Matrix, Y: _Matrix, weights: list[float] | None = None,
                  rng: SplitMix64 | None = None, outputs: list[_Matrix] | None = None) -> float:
        """The loss, with the gradients in self.grads; ``outputs`` (a list) receives the loss's input."""
        a, z, inputs, masks = self._forward(X, rng)
        loss_input = self._loss_input(a, z)
        if outputs is not None:
            outputs.append(loss_input)
        value, delta = self._loss_gradient(loss_input, Y, weights)
        last = self._dense[-1]
        if not self.criterion.fused_activation:     # dL/do -> dL/dz through the output activation
            delta = self._through_activation(last, z[-1], a[-1], delta)
        # Here delta = dL/dz of layer l; walk down the stack.
        for l in range(len(self._dense) - 1, -1, -1):
            grad_below = self._dense[l].backward(inputs[l], delta, want_input_grad=l > 0)
            if grad_below is not None:   # l > 0: dL/da of the layer below (through its mask) -> its dL/dz
                mask = masks[l]
                grad_below = grad_below if mask is None else times_mask(grad_below, mask)
                delta = self._through_activation(self._dense[l - 1], z[l], a[l], grad_below)
        return value

    def _check_X(self, X: object) -> _Matrix:
        return as_rows("X", X, self.n_features)

    def _check_data(self, X: object, Y: object) -> tuple[_Matrix, _Matrix]:
        rows = self._check_X(X)
        return rows, as_targets(Y, len(rows), self.criterion, self.n_outputs)

    def predict(self, X: _Rows) -> list[list[float]]:
        """The activated outputs, one row per sample (probabilities for the cross-entropies)."""
        a, _, _, _ = self._forward(self._check_X(X))
        return a[-1]

    def loss(self, X: _Rows, Y: _Targets, sample_weight: _Weights | None = None) -> float:
        """The mean loss on (X, Y) (weighted by ``sample_weight`` if given); no gradients."""
        rows, targets = self._check_data(X, Y)
        a, z, _, _ = self._forward(rows)
        return self._loss_gradient(self._loss_input(a, z), targets, as_weights(sample_weight, len(rows)))[0]

    def backward(self, X: _Rows, Y: _Targets, sample_weight: _Weights | None = None, *,
                 dropout_seed: int | None = None) -> float:
        """The mean loss on (X, Y); fills :attr:`grads` (overwriting) by backpropagation.

        Training mode: the masks come from the network's dropout stream, or from one at ``dropout_seed``'s.
        """
        rows, targets = self._check_data(X, Y)
        rng = self._dropout_rng if dropout_seed is None else SplitMix64(
            check_seed(dropout_seed, "dropout_seed") ^ DROPOUT_SEED_XOR)
        return self._backward(rows, targets, as_weights(sample_weight, len(rows)), rng)

    # -- training ----------------------------------------------------------------------------
    def fit(self, X: _Rows, Y: _Targets, optimizer: Optimizer | str | None = None, epochs: int = 1,
            batch_size: int | None = None, shuffle: bool = True, seed: int | None = None,
            sample_weight: _Weights | None = None, metrics: Iterable[Metric | str] | None = None) -> History:
        """Train for ``epochs`` epochs; returns a :class:`fastnet.train.history.History`.

        optimizer: an Optimizer, a name (fresh, default hyperparameters), or None for
        the previous fit's optimizer (its state carries on), else ``Adam(lr=1e-3)``, as the
        compiled fit (``fastnet.optim.optimizers.default_optimizer``).
        epochs: default 1 (Keras's). batch_size: None (the default) for full-batch gradient
        descent, 1 for SGD, k for mini-batches.
        seed: restart the shuffle and dropout generators there (MATH.md); None carries them on.
        sample_weight: per-sample weights; each batch's loss is then its weighted
        mean, and the epoch loss weights the batches by their total weight.
        metrics: recorded each epoch (``history.<name>``) from every batch's
        outputs before its update, as the compiled fit does (reference/metrics.py).
        Raises TrainingDivergedError if a batch loss, or at the end of an epoch a
        parameter or the optimizer's state, is NaN or infinite; the parameters, the
        optimizer's state and its step count are then those of the last finite epoch.
        """
        rows, targets = self._check_data(X, Y)
        weights = as_weights(sample_weight, len(rows))
        epochs = check_int("epochs", epochs, low=0)
        batch_size = check_int("batch_size", batch_size, low=1, allow_none=True)
        shuffle = check_bool("shuffle", shuffle)
        seed = None if seed is None else check_seed(seed)
        chosen = resolve_metrics(metrics, self.criterion.name, self.n_outputs)
        opt = self._choose_optimizer(optimizer)
        if seed is not None:
            self._shuffle_rng = SplitMix64(seed ^ SHUFFLE_SEED_XOR)
            self._dropout_rng = SplitMix64(seed ^ DROPOUT_SEED_XOR)
        opt.bind(self)   # the state exists from here, so that it can be saved

        history = History()
        for epoch in range(1, epochs + 1):
            saved = self.params, [list(row) for row in opt.state], opt.t
            acc = reference_metrics.accumulator(chosen, targets)
            loss = self._epoch(rows, targets, weights, opt, len(rows) if batch_size is None else batch_size, shuffle,
                               chosen, acc)
            if loss is None or not self._all_finite(opt):
                self._restore(opt, *saved)
                raise TrainingDivergedError(epoch, history, opt.lr)
            history.append(epoch, loss=loss, **chosen.figures(acc))
        return history

    def _epoch(self, X: _Matrix, Y: _Matrix, weights: list[float] | None, opt: Optimizer,
               batch_size: int, shuffle: bool, metrics: MetricSet | None = None,
               acc: list[float] | None = None) -> float | None:
        """One pass over the data, batch by batch: backward, then the optimizer's step.

        Returns the epoch's loss, the batches' losses weighted by their size (or
        total weight); None as soon as a batch's loss is not finite (before its step).
        """
        n = len(X)
        order = shuffled_order(n, self._shuffle_rng) if shuffle else list(range(n))
        total = total_weight = 0.0
        for start in range(0, n, batch_size):
            batch = order[start:start + batch_size]
            batch_weights = None if weights is None else [weights[i] for i in batch]
            outputs: list[_Matrix] | None = [] if metrics and acc is not None else None
            batch_loss = self._backward([X[i] for i in batch], [Y[i] for i in batch], batch_weights,
                                        self._dropout_rng, outputs)
            if outputs:   # the outputs before this batch's update, through this batch's dropout masks
                assert metrics is not None and acc is not None
                reference_metrics.accumulate(metrics, self.criterion, outputs[0], [Y[i] for i in batch],
                                             batch_weights, acc)
            if not math.isfinite(batch_loss):
                return None
            opt.step(self)
            batch_weight = len(batch) if batch_weights is None else sum(batch_weights)
            total += batch_loss * batch_weight
            total_weight += batch_weight
        return total / total_weight

    def evaluate(self, X: _Rows, Y: _Targets, metrics: Iterable[Metric | str] | None = None,
                 sample_weight: _Weights | None = None) -> dict[str, float]:
        """``{"loss": ..., metric: ...}`` on (X, Y), as :meth:`fastnet.Network.evaluate`."""
        return reference_metrics.evaluate(self, X, Y, metrics, sample_weight)

    def _all_finite(self, opt: Optimizer) -> bool:
        """Whether the parameters and the optimizer's state are all finite."""
        return all(map(math.isfinite, self.params)) and all(math.isfinite(v) for row in opt.state for v in row)

    def _restore(self, opt: Optimizer, params: list[float], state: list[list[float]], t: int) -> None:
        """Put back the parameters, optimizer state and step count saved at the start of an epoch."""
        self.params = params
        for row, saved in zip(opt.state, state):
            row[:] = saved
        opt.t = t

    def _choose_optimizer(self, optimizer: Optimizer | str | None) -> Optimizer:
        if optimizer is None:
            optimizer = self._optimizer if self._optimizer is not None else default_optimizer()
        chosen = make_optimizer(optimizer)
        if getattr(chosen, "full_batch", False):   # not a kernel: nothing here to be the oracle of
            raise ValueError(f"the reference network has no {type(chosen).__name__} (it mirrors the update "
                             "kernels of OPTIMIZERS); train with fastnet.Network")
        self._optimizer = chosen
        return self._optimizer

    # -- hooks for fastnet.optim.optimizers.Optimizer.step ----------------------------------------
    def _new_optimizer_state(self, opt: Optimizer) -> list[list[float]]:
        return [[opt.initial_state_value(r)] * self.n_params for r in range(opt.n_state)]

    def _optimizer_update(self, opt: Optimizer) -> None:
        params = self.params
        update(opt, params, self.grads, opt.state, opt.t)
        self.params = params

    def __repr__(self) -> str:
        layers = ", ".join(map(repr, self.layers))
        return f"Network([{layers}], loss={self.criterion!r}, dtype={self.dtype!r}, seed={self.seed})"

