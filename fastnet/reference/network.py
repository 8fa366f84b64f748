"""A dense network in pure Python: forward pass, backpropagation, training loop.

Read next to docs/MATH.md. A layer computes ``z = x W + b`` and ``a = act(z)``;
the network chains layers; :meth:`Network.backward` runs the chain rule from the
loss back to every ``W`` and ``b``; :meth:`Network.fit` repeats
"shuffle, then for each batch: backward, optimizer step".

Rows are samples: a batch is a list of ``n`` rows, each a list of floats.
"""

import math

from ..checks.scalars import check_bool, check_choice, check_int
from ..nn.activations import Activation
from ..train.errors import TrainingDivergedError
from ..train.history import History
from ..nn.losses import Loss
from ..optim.optimizers import SGD, make_optimizer
from . import activations as act
from ._data import as_flat, as_rows, as_targets, as_weights
from .losses import loss_gradient, weighted_loss_gradient
from .optimizers import update
from .random import SHUFFLE_SEED_XOR, SplitMix64, shuffled_order

__all__ = ["Dense", "Network"]

_MAX_SEED = 2**64 - 1


def _dot(u, v):
    return sum(a * b for a, b in zip(u, v))


def _columns(rows):
    """The transpose of a list of rows."""
    return [list(col) for col in zip(*rows)]


class Dense:
    """A fully connected layer: ``z = x W + b``, ``a = activation(z)``.

    W: ``n_in`` lists of ``n_out`` floats (``W[i][j]`` joins input ``i`` to unit ``j``);
    b: ``n_out`` floats. They start at zero; the :class:`Network` that the layer is
    given to initialises them from its seed. ``dW`` and ``db`` hold the gradients of
    the last backward pass.
    """

    def __init__(self, n_in, n_out, activation="identity"):
        self.n_in = check_int("n_in", n_in, low=1)
        self.n_out = check_int("n_out", n_out, low=1)
        self.activation = Activation.coerce(activation)
        self.W = [[0.0] * self.n_out for _ in range(self.n_in)]
        self.b = [0.0] * self.n_out
        self.dW = [[0.0] * self.n_out for _ in range(self.n_in)]
        self.db = [0.0] * self.n_out

    @property
    def n_params(self):
        return self.n_in * self.n_out + self.n_out

    def initialise(self, rng):
        """Uniform weights in [-limit, limit), drawn in row-major order; zero biases.

        The limit keeps the variance of ``z`` about that of ``x`` at the start:
        He (``sqrt(6 / n_in)``) for the relus, which zero half their inputs,
        Glorot (``sqrt(6 / (n_in + n_out))``) for the rest.
        """
        if self.activation.init == "he":
            limit = math.sqrt(6.0 / self.n_in)
        else:
            limit = math.sqrt(6.0 / (self.n_in + self.n_out))
        for row in self.W:
            for j in range(self.n_out):
                row[j] = (2.0 * rng.uniform() - 1.0) * limit
        self.b = [0.0] * self.n_out

    def linear(self, x_rows):
        """``z = x W + b`` for a batch of rows."""
        W_columns = _columns(self.W)   # column j holds the weights into unit j
        return [[_dot(x, w_j) + b_j for w_j, b_j in zip(W_columns, self.b)] for x in x_rows]

    def backward(self, x_rows, delta_rows, want_input_grad=True):
        """Chain rule through ``z = x W + b``, given ``delta = dL/dz``.

        Sets ``dW = x^T delta`` and ``db = sum over rows of delta`` (each sample's
        contribution adds up, since the loss is a sum over samples); returns
        ``dL/dx = delta W^T`` for the layer below (None if not wanted).
        """
        x_columns, delta_columns = _columns(x_rows), _columns(delta_rows)
        self.dW = [[_dot(x_i, d_j) for d_j in delta_columns] for x_i in x_columns]
        self.db = [sum(d_j) for d_j in delta_columns]
        if not want_input_grad:
            return None
        return [[_dot(delta, w_i) for w_i in self.W] for delta in delta_rows]

    def __repr__(self):
        return f"Dense({self.n_in}, {self.n_out}, {self.activation!r})"


class Network:
    """A stack of :class:`Dense` layers trained on one loss.

    layers: Dense layers whose sizes chain (``layers[i].n_out == layers[i+1].n_in``);
    they are initialised in place from ``seed``. loss: a name or a
    :class:`fastnet.nn.losses.Loss`; the cross-entropies need a sigmoid / softmax
    output layer. dtype: ``"float32"`` or ``"float64"``, kept for parity with the
    compiled network; the reference always computes in Python floats (double).
    seed: an integer in [0, 2**64) for the weights and the shuffling.
    """

    def __init__(self, layers, loss="mse", dtype="float64", seed=0):
        self.layers = _check_layers(layers)
        self.criterion = Loss.coerce(loss)    # named so because the method `loss` is the API
        self.criterion.check_output_activation(self.layers[-1].activation)
        self.criterion.check_n_outputs(self.layers[-1].n_out)
        self.dtype = _dtype_name(dtype)
        self.seed = check_int("seed", seed, low=0, high=_MAX_SEED)
        rng = SplitMix64(self.seed)
        for layer in self.layers:           # one generator across layers, in flat order
            layer.initialise(rng)
        self._shuffle_rng = SplitMix64(self.seed ^ SHUFFLE_SEED_XOR)
        self._optimizer = None

    @classmethod
    def mlp(cls, sizes, activation="relu", output_activation=None, loss="mse",
            dtype="float64", seed=0, negative_slope=None):
        """A multi-layer perceptron: ``sizes = [n_features, hidden..., n_outputs]``.

        Hidden layers use ``activation`` (with ``negative_slope`` if given, for
        leaky_relu). ``output_activation=None`` means the loss's fused activation
        (sigmoid / softmax for the cross-entropies), else identity.
        """
        if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
            raise ValueError("sizes must list at least 2 layer sizes (inputs, ..., outputs), "
                             f"got {sizes!r}")
        sizes = [check_int(f"sizes[{i}]", s, low=1) for i, s in enumerate(sizes)]
        hidden = Activation.coerce(activation)
        if negative_slope is not None:
            if hidden.name != "leaky_relu":
                raise ValueError(f"negative_slope applies to activation 'leaky_relu', got activation "
                                 f"{hidden.name!r}")
            hidden = Activation("leaky_relu", negative_slope=negative_slope)
        criterion = Loss.coerce(loss)
        if output_activation is None:
            output_activation = criterion.fused_activation or "identity"
        layers = [Dense(n_in, n_out, hidden) for n_in, n_out in zip(sizes[:-2], sizes[1:-1])]
        layers.append(Dense(sizes[-2], sizes[-1], output_activation))
        return cls(layers, loss=criterion, dtype=dtype, seed=seed)

    # -- shape -----------------------------------------------------------------------
    @property
    def n_features(self):
        return self.layers[0].n_in

    @property
    def n_outputs(self):
        return self.layers[-1].n_out

    @property
    def n_params(self):
        return sum(layer.n_params for layer in self.layers)

    # -- the flat parameter vector (MATH.md: each layer's W row-major, then b) ----------
    @property
    def params(self):
        """A new flat list of all parameters: layer by layer, W row by row, then b."""
        flat = []
        for layer in self.layers:
            for row in layer.W:
                flat.extend(row)
            flat.extend(layer.b)
        return flat

    @params.setter
    def params(self, values):
        values = as_flat("params", values, self.n_params)
        pos = 0
        for layer in self.layers:
            for row in layer.W:
                row[:] = values[pos:pos + layer.n_out]
                pos += layer.n_out
            layer.b[:] = values[pos:pos + layer.n_out]
            pos += layer.n_out

    @property
    def grads(self):
        """The gradients of the last backward pass, flat, in the layout of ``params``."""
        flat = []
        for layer in self.layers:
            for row in layer.dW:
                flat.extend(row)
            flat.extend(layer.db)
        return flat

    # -- forward and backward ------------------------------------------------------------
    def _forward(self, X):
        """Every layer's output ``a[0] = X, a[1], ..., a[L]`` and the last layer's ``z``."""
        a = [X]
        for layer in self.layers:
            z = layer.linear(a[-1])
            a.append([act.forward(layer.activation, z_row) for z_row in z])
        return a, z

    def _loss_input(self, a, z):
        # The cross-entropies are fused with their activation and read the logits.
        return z if self.criterion.fused_activation else a[-1]

    def _loss_gradient(self, out, Y, weights):
        if weights is None:
            return loss_gradient(self.criterion, out, Y)
        return weighted_loss_gradient(self.criterion, out, Y, weights)

    def _backward(self, X, Y, weights=None):
        a, z = self._forward(X)
        value, delta = self._loss_gradient(self._loss_input(a, z), Y, weights)
        last = self.layers[-1]
        if not self.criterion.fused_activation:     # dL/do -> dL/dz through the output activation
            delta = [act.backward(last.activation, a_row, g_row) for a_row, g_row in zip(a[-1], delta)]
        # Here delta = dL/dz of layer l; walk down the stack.
        for l in range(len(self.layers) - 1, -1, -1):
            grad_below = self.layers[l].backward(a[l], delta, want_input_grad=l > 0)
            if l > 0:   # dL/da of the layer below -> its dL/dz
                below = self.layers[l - 1].activation
                delta = [act.backward(below, a_row, g_row) for a_row, g_row in zip(a[l], grad_below)]
        return value

    def _check_X(self, X):
        return as_rows("X", X, self.n_features)

    def _check_data(self, X, Y):
        X = self._check_X(X)
        return X, as_targets(Y, len(X), self.criterion, self.n_outputs)

    def predict(self, X):
        """The activated outputs, one row per sample (probabilities for the cross-entropies)."""
        a, _ = self._forward(self._check_X(X))
        return a[-1]

    def loss(self, X, Y, sample_weight=None):
        """The mean loss on (X, Y) (weighted by ``sample_weight`` if given); no gradients."""
        X, Y = self._check_data(X, Y)
        a, z = self._forward(X)
        return self._loss_gradient(self._loss_input(a, z), Y, as_weights(sample_weight, len(X)))[0]

    def backward(self, X, Y, sample_weight=None):
        """The mean loss on (X, Y); fills :attr:`grads` (overwriting) by backpropagation."""
        X, Y = self._check_data(X, Y)
        return self._backward(X, Y, as_weights(sample_weight, len(X)))

    # -- training ----------------------------------------------------------------------------
    def fit(self, X, Y, optimizer=None, epochs=1, batch_size=None, shuffle=True, seed=None,
            sample_weight=None):
        """Train for ``epochs`` epochs; returns a :class:`fastnet.train.history.History`.

        optimizer: an Optimizer, a name (fresh, default hyperparameters), or None for
        the previous fit's optimizer (its state carries on), else ``SGD(lr=0.01)``.
        batch_size: None for full-batch gradient descent, 1 for SGD, k for mini-batches.
        seed: restart the shuffle generator at ``seed ^ 0x243F6A8885A308D3``; by
        default it carries on from the previous epoch and fit.
        sample_weight: per-sample weights; each batch's loss is then its weighted
        mean, and the epoch loss weights the batches by their total weight.
        Raises TrainingDivergedError if a batch loss, or at the end of an epoch a
        parameter or the optimizer's state, is NaN or infinite; the parameters, the
        optimizer's state and its step count are then those of the last finite epoch.
        """
        X, Y = self._check_data(X, Y)
        weights = as_weights(sample_weight, len(X))
        epochs = check_int("epochs", epochs, low=0)
        batch_size = check_int("batch_size", batch_size, low=1, allow_none=True)
        shuffle = check_bool("shuffle", shuffle)
        seed = check_int("seed", seed, low=0, high=_MAX_SEED, allow_none=True)
        optimizer = self._choose_optimizer(optimizer)
        if seed is not None:
            self._shuffle_rng = SplitMix64(seed ^ SHUFFLE_SEED_XOR)

        n = len(X)
        batch_size = n if batch_size is None else batch_size
        history = History()
        optimizer.bind(self)   # the state exists from here, so that it can be saved

        def restore_and_raise(epoch):
            self.params = saved_params
            for row, saved in zip(optimizer.state, saved_state):
                row[:] = saved
            optimizer.t = saved_t
            raise TrainingDivergedError(epoch, history, optimizer.lr)

        for epoch in range(1, epochs + 1):
            saved_params, saved_state, saved_t = self.params, [list(row) for row in optimizer.state], optimizer.t
            order = shuffled_order(n, self._shuffle_rng) if shuffle else list(range(n))
            total = total_weight = 0.0
            for start in range(0, n, batch_size):
                batch = order[start:start + batch_size]
                batch_weights = None if weights is None else [weights[i] for i in batch]
                batch_loss = self._backward([X[i] for i in batch], [Y[i] for i in batch], batch_weights)
                if not math.isfinite(batch_loss):
                    restore_and_raise(epoch)
                optimizer.step(self)
                batch_weight = len(batch) if weights is None else sum(batch_weights)
                total += batch_loss * batch_weight
                total_weight += batch_weight
            if not all(map(math.isfinite, self.params)) or not all(
                    math.isfinite(v) for row in optimizer.state for v in row):
                restore_and_raise(epoch)
            history.append(epoch, loss=total / total_weight)   # batches weighted by size (or weight)
        return history

    def _choose_optimizer(self, optimizer):
        if optimizer is None:
            optimizer = self._optimizer if self._optimizer is not None else SGD(lr=0.01)
        self._optimizer = make_optimizer(optimizer)
        return self._optimizer

    # -- hooks for fastnet.optim.optimizers.Optimizer.step ----------------------------------------
    def _new_optimizer_state(self, opt):
        return [[opt.initial_state_value(r)] * self.n_params for r in range(opt.n_state)]

    def _optimizer_update(self, opt):
        params = self.params
        update(opt, params, self.grads, opt.state, opt.t)
        self.params = params

    def __repr__(self):
        layers = ", ".join(map(repr, self.layers))
        return f"Network([{layers}], loss={self.criterion!r}, dtype={self.dtype!r}, seed={self.seed})"


def _check_layers(layers):
    if isinstance(layers, Dense):
        layers = [layers]
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__iter__"):
        raise TypeError(f"layers must be a list of Dense layers, got {type(layers).__name__}")
    layers = list(layers)
    if not layers:
        raise ValueError("layers is empty; a network needs at least one Dense layer")
    for i, layer in enumerate(layers):
        if not isinstance(layer, Dense):
            raise TypeError(f"layers[{i}] must be a Dense layer, got {type(layer).__name__}")
    for i, (lower, upper) in enumerate(zip(layers, layers[1:])):
        if lower.n_out != upper.n_in:
            raise ValueError(f"layer sizes do not chain: layers[{i}] has n_out={lower.n_out} but "
                             f"layers[{i + 1}] has n_in={upper.n_in}")
    return layers


def _dtype_name(dtype):
    """'float32' or 'float64', also from objects named so (numpy's dtypes and scalar types)."""
    name = dtype
    if not isinstance(dtype, str):
        name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None) or dtype
        name = name if isinstance(name, str) else dtype
    return check_choice("dtype", name, ("float32", "float64"))
