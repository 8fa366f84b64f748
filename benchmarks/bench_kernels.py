"""The kernels one at a time, through their Python-callable twins in fastnet._core.

Each call pays the twin's Python overhead (argument parsing, memoryview
acquisition: about a microsecond), which dominates the smallest shapes; the
nogil epoch loop calls the C functions directly, without it. Activations,
losses and optimizers come from fastnet's own tables (ACTIVATIONS, LOSSES,
OPTIMIZERS), so a new one is benchmarked as soon as it is added there.
"""

import numpy as np

import fastnet
from fastnet._core import activations as _activations
from fastnet._core import dense as _dense
from fastnet._core import losses as _losses
from fastnet._core import optimizers as _optimizers

DTYPES = ["float32", "float64"]


def _rng():
    return np.random.default_rng(0)


class DenseLayer:
    """One dense layer z = x W + b, forward and backward, shape "n x n_in x n_out".

    The shapes are the layers of the training workloads (fastnet/bench/workloads.py)
    at their batch sizes, plus 1 x 1024 x 1024 (a large matrix-vector product).
    """

    params = [DTYPES, ["1x2x8", "1x8x1", "1x16x32", "1x32x32", "32x64x128", "32x128x10",
                       "64x256x256", "256x784x1024", "256x1024x1024", "1x1024x1024"]]
    param_names = ["dtype", "shape"]

    def setup(self, dtype, shape):
        n, n_in, n_out = (int(s) for s in shape.split("x"))
        rng = _rng()
        self.x = rng.standard_normal((n, n_in)).astype(dtype)
        self.W = rng.standard_normal((n_in, n_out)).astype(dtype)
        self.b = rng.standard_normal(n_out).astype(dtype)
        self.z = np.empty((n, n_out), dtype=dtype)
        self.delta = rng.standard_normal((n, n_out)).astype(dtype)
        self.dW = np.empty_like(self.W)
        self.db = np.empty_like(self.b)
        self.dx = np.empty_like(self.x)

    def time_forward(self, dtype, shape):
        _dense.forward(self.x, self.W, self.b, self.z)

    def time_backward(self, dtype, shape):
        _dense.backward(self.x, self.W, self.delta, self.dW, self.db, self.dx)

    def time_backward_first_layer(self, dtype, shape):
        # the first layer needs no input gradient (dx=None)
        _dense.backward(self.x, self.W, self.delta, self.dW, self.db)


class Activation:
    """Each activation forward (in place on z) and backward (on a scratch copy of delta)."""

    params = [DTYPES, list(fastnet.ACTIVATIONS), ["1x32", "256x1024"]]
    param_names = ["dtype", "activation", "shape"]

    def setup(self, dtype, activation, shape):
        rows, cols = (int(s) for s in shape.split("x"))
        act = fastnet.Activation(activation)
        self.id, self.params = act.id, act.param_vector()
        rng = _rng()
        self.z = rng.standard_normal((rows, cols)).astype(dtype)
        self.a = self.z.copy()
        self.z_kept = self.z.copy()    # the pre-activations, for the backward passes that read them
        _activations.forward(self.id, self.params, self.a)
        self.delta0 = rng.standard_normal((rows, cols)).astype(dtype)
        self.delta = np.empty_like(self.delta0)

    def time_forward(self, dtype, activation, shape):
        # repeated in place: every activation maps its own output to finite values
        _activations.forward(self.id, self.params, self.z)

    def time_backward(self, dtype, activation, shape):
        # includes one copy of delta, since backward works in place and
        # repeating it would drive delta towards subnormal numbers
        np.copyto(self.delta, self.delta0)
        _activations.backward(self.id, self.params, self.a, self.delta, self.z_kept)


class Loss:
    """Each loss: its value and gradient in one pass, and the value alone."""

    params = [DTYPES, list(fastnet.LOSSES), ["1x1", "32x10", "256x10"]]
    param_names = ["dtype", "loss", "shape"]

    def setup(self, dtype, loss, shape):
        rows, cols = (int(s) for s in shape.split("x"))
        if loss == "cross_entropy" and cols < 2:
            raise NotImplementedError("cross_entropy needs at least 2 outputs")
        criterion = fastnet.Loss(loss)
        self.id, self.param = criterion.id, criterion.param
        rng = _rng()
        self.out = rng.standard_normal((rows, cols)).astype(dtype)
        if loss == "cross_entropy":
            self.y = np.zeros((rows, cols), dtype=dtype)
            self.y[np.arange(rows), rng.integers(0, cols, rows)] = 1
        elif loss == "binary_cross_entropy":
            self.y = rng.integers(0, 2, (rows, cols)).astype(dtype)
        else:
            self.y = rng.standard_normal((rows, cols)).astype(dtype)
        self.grad = np.empty_like(self.out)

    def time_value_and_gradient(self, dtype, loss, shape):
        _losses.loss_gradient_py(self.id, self.param, self.out, self.y, self.grad)

    def time_value(self, dtype, loss, shape):
        _losses.loss_gradient_py(self.id, self.param, self.out, self.y)


class OptimizerStep:
    """One optimizer update over a flat buffer of n_params numbers (default hyperparameters)."""

    params = [DTYPES, list(fastnet.OPTIMIZERS), [10_000, 1_000_000]]
    param_names = ["dtype", "optimizer", "n_params"]

    def setup(self, dtype, optimizer, n_params):
        opt = fastnet.OPTIMIZERS[optimizer]()
        self.id = opt.kernel_id
        self.hyper = np.asarray(opt.hyper_vector(), dtype=np.float64)
        rng = _rng()
        self.params = rng.standard_normal(n_params).astype(dtype)
        # small gradients so that repeated steps keep the parameters finite
        self.grads = (1e-3 * rng.standard_normal(n_params)).astype(dtype)
        self.state = np.zeros((opt.n_state, n_params), dtype=dtype)
        for row in range(opt.n_state):
            self.state[row] = opt.initial_state_value(row)
        self.t = 1

    def time_step(self, dtype, optimizer, n_params):
        _optimizers.step(self.id, self.hyper, self.t, self.params, self.grads, self.state)
