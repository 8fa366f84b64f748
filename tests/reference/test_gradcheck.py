"""fastnet.gradcheck: finite differences as the referee of backpropagation."""

import importlib
import math
import random

import pytest

from fastnet import Activation
from fastnet.gradcheck import gradcheck
from fastnet.reference import Network
from fastnet.reference import activations as ref_act
from fastnet.reference import losses as ref_loss


class Quadratic:
    """L(w) = sum_i c_i w_i^2 + s_i w_i, with exact gradient 2 c_i w_i + s_i (or a wrong one)."""

    def __init__(self, c, s, w, grad_error=None):
        self.c, self.s, self.w = list(c), list(s), list(w)
        self.grad_error = grad_error or [0.0] * len(c)
        self.loss_calls = []
        self._grads = None

    @property
    def params(self):
        return list(self.w)

    @params.setter
    def params(self, values):
        self.w = [float(v) for v in values]

    @property
    def grads(self):
        return self._grads

    def loss(self, X, Y):
        self.loss_calls.append(list(self.w))
        return sum(c * w * w + s * w for c, s, w in zip(self.c, self.s, self.w))

    def backward(self, X, Y):
        self._grads = [2 * c * w + s + e for c, s, w, e in zip(self.c, self.s, self.w, self.grad_error)]
        return self.loss(X, Y)


def test_exact_gradient_of_a_quadratic_scores_near_zero():
    q = Quadratic([1.0, 2.0, 0.5], [0.3, -1.0, 0.0], [0.7, -0.2, 1.5])
    assert gradcheck(q, None, None) < 1e-8


def test_a_wrong_entry_is_found():
    # one entry off by 1e-4 relative must show up as about 1e-4
    q = Quadratic([1.0, 2.0, 0.5], [0.3, -1.0, 0.0], [0.7, -0.2, 1.5], grad_error=[0.0, 0.0, 1.5e-4])
    assert gradcheck(q, None, None) == pytest.approx(1e-4, rel=1e-2)


def test_a_missing_small_derivative_is_found():
    # A true derivative of 1e-3 reported as 0. The loss is 0.98, so the floor is
    # sqrt(2**-52) * (2 * 0.98) / (2 * 1e-6) ~ 0.0146 and the error 1e-3 / 0.0146 ~ 0.068.
    q = Quadratic([1.0, 2.0, 0.5], [0.3, -1.0, 1e-3], [0.7, -0.2, 0.0], grad_error=[0.0, 0.0, -1e-3])
    assert gradcheck(q, None, None) == pytest.approx(1e-3 / (2.0**-26 * 0.98 / 1e-6), rel=1e-6)


def test_denominator_floor_hides_only_rounding_noise():
    # derivative 0 exactly (w = 0, s = 0): both sides 0 -> error 0, not 0/0
    q = Quadratic([1.0, 1.0], [0.0, 0.0], [0.0, 0.0])
    assert gradcheck(q, None, None) == 0.0
    # a derivative of 1e-9 next to a loss of 1: far below what differences resolve at h = 1e-6
    q = Quadratic([1.0, 1.0], [0.0, 1e-9], [1.0, 0.0])
    assert gradcheck(q, None, None) < 1e-6


def test_error_is_invariant_to_scaling_the_loss():
    a = Quadratic([1.0, 2.0], [0.3, -1.0], [0.7, -0.2], grad_error=[1e-5, 0.0])
    b = Quadratic([1e3, 2e3], [3e2, -1e3], [0.7, -0.2], grad_error=[1e-2, 0.0])
    assert gradcheck(a, None, None) == pytest.approx(gradcheck(b, None, None), rel=1e-3)


def test_nan_is_reported_not_hidden():
    q = Quadratic([1.0, 2.0], [0.0, 0.0], [0.5, 0.5], grad_error=[0.0, math.nan])
    assert math.isnan(gradcheck(q, None, None))


def test_params_are_restored_and_perturbed_one_at_a_time():
    q = Quadratic([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [0.1, 0.2, 0.3])
    gradcheck(q, None, None, h=1e-3)
    assert q.w == [0.1, 0.2, 0.3]
    perturbed = q.loss_calls[1:]                  # the first call is backward's
    assert len(perturbed) == 6
    for k, w in enumerate(perturbed):
        i, sign = divmod(k, 2)
        expected = [0.1, 0.2, 0.3]
        expected[i] += 1e-3 if sign == 0 else -1e-3
        assert w == expected


def test_params_are_restored_after_an_exception():
    class Failing(Quadratic):
        def loss(self, X, Y):
            if len(self.loss_calls) == 4:
                raise RuntimeError("boom")
            return super().loss(X, Y)

    q = Failing([1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [0.1, 0.2, 0.3])
    with pytest.raises(RuntimeError, match="boom"):
        gradcheck(q, None, None)
    assert q.w == [0.1, 0.2, 0.3]


def test_works_on_a_network_whose_params_are_a_live_numpy_array():
    np = pytest.importorskip("numpy")

    class ArrayQuadratic:
        """params returns the live buffer (as the compiled network does); grads too."""

        def __init__(self):
            self.w = np.array([0.7, -0.2, 1.5])
            self.g = np.zeros(3)

        @property
        def params(self):
            return self.w

        @params.setter
        def params(self, values):
            self.w[:] = np.asarray(values, dtype=np.float64)   # in place, keeps the buffer

        @property
        def grads(self):
            return self.g

        def loss(self, X, Y):
            return np.float64(np.sum(self.w ** 2 * np.array([1.0, 2.0, 0.5])))

        def backward(self, X, Y):
            self.g[:] = 2 * self.w * np.array([1.0, 2.0, 0.5])
            return self.loss(X, Y)

    net = ArrayQuadratic()
    buffer = net.w
    assert gradcheck(net, None, None) < 1e-8
    assert net.w is buffer and net.w.tolist() == [0.7, -0.2, 1.5]


def test_max_params_checks_a_seeded_subset():
    q = Quadratic([1.0] * 20, [0.0] * 20, [0.1 * i for i in range(20)])
    gradcheck(q, None, None, max_params=5, seed=3)
    assert len(q.loss_calls) == 1 + 2 * 5

    def checked(seed):
        q = Quadratic([1.0] * 20, [0.0] * 20, [0.1 * i for i in range(20)])
        gradcheck(q, None, None, max_params=5, seed=seed)
        base = [0.1 * i for i in range(20)]
        return [next(i for i, (a, b) in enumerate(zip(w, base)) if a != b) for w in q.loss_calls[1::2]]

    assert checked(3) == checked(3)
    assert checked(3) != checked(4)
    assert len(set(checked(3))) == 5
    # more than there are: all of them
    q = Quadratic([1.0] * 4, [0.0] * 4, [1.0] * 4)
    gradcheck(q, None, None, max_params=10)
    assert len(q.loss_calls) == 1 + 2 * 4


def test_a_subset_finds_a_bug_exactly_when_it_includes_it():
    wrong = [0.0] * 20
    wrong[10] = 0.5
    q = Quadratic([1.0] * 20, [0.0] * 20, [1.0] * 20, grad_error=wrong)
    assert gradcheck(q, None, None) > 0.1
    hits = []
    for seed in range(20):
        q.loss_calls = []
        found = gradcheck(q, None, None, max_params=3, seed=seed) > 0.1
        included = any(w[10] != 1.0 for w in q.loss_calls[1:])
        assert found == included
        hits.append(found)
    assert any(hits) and not all(hits)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(h=0.0), ValueError, "h must be > 0"),
    (dict(h=-1e-6), ValueError, "h must be > 0"),
    (dict(h=math.nan), ValueError, "h must be finite"),
    (dict(h="small"), TypeError, "h must be a real number"),
    (dict(max_params=0), ValueError, "max_params must be >= 1"),
    (dict(max_params=2.5), TypeError, "max_params must be an integer"),
    (dict(seed=-1), ValueError, "seed must be >= 0"),
])
def test_argument_checks(kwargs, exc, match):
    q = Quadratic([1.0], [0.0], [1.0])
    with pytest.raises(exc, match=match):
        gradcheck(q, None, None, **kwargs)


def test_needs_the_network_interface():
    with pytest.raises(TypeError, match="gradcheck needs a network .* has no 'params'"):
        gradcheck(object(), None, None)


def test_a_step_too_small_for_the_parameter_is_an_error():
    q = Quadratic([1.0], [0.0], [1e20])
    with pytest.raises(ValueError, match="h=1e-06 is too small to change parameter 0"):
        gradcheck(q, None, None)
    assert q.w == [1e20]


# -- on the reference network ---------------------------------------------------------------

def small_problem():
    rng = random.Random(0)
    net = Network.mlp([3, 4, 2], activation="tanh", loss="mse", seed=0)
    X = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(4)]
    Y = [[rng.uniform(-1, 1) for _ in range(2)] for _ in range(4)]
    return net, X, Y


def test_reference_network_passes_and_is_restored():
    net, X, Y = small_problem()
    before = net.params
    assert gradcheck(net, X, Y) < 1e-7
    assert net.params == before


@pytest.mark.parametrize("activation", ["gelu", "gelu_tanh", "silu", "elu", "softplus",
                                        Activation("softplus", beta=2.0, threshold=0.5)], ids=str)
def test_reference_network_with_a_smooth_hidden_activation_passes(activation):
    rng = random.Random(1)
    net = Network.mlp([3, 5, 4, 2], activation=activation, loss="mse", seed=2)
    X = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(5)]
    Y = [[rng.uniform(-1, 1) for _ in range(2)] for _ in range(5)]
    assert gradcheck(net, X, Y) < 1e-7


def test_catches_a_derivative_that_ignores_z(monkeypatch):
    # gelu's slope from a alone cannot be right: here, silu's formula applied to a in place of z.
    net = Network.mlp([3, 5, 2], activation="gelu", loss="mse", seed=2)
    X, Y = [[0.5, -1.0, 2.0], [1.5, 0.3, -0.7]], [[0.1, 0.2], [0.3, -0.4]]
    assert gradcheck(net, X, Y) < 1e-7
    monkeypatch.setitem(ref_act.BACKWARD, "gelu", lambda z, a, g, p: ref_act.BACKWARD["silu"](a, a, g, p))
    assert gradcheck(net, X, Y) > 1e-2


def test_catches_a_wrong_activation_derivative(monkeypatch):
    net, X, Y = small_problem()
    # tanh' = 1 - a^2; forgetting the square is the classic slip
    monkeypatch.setitem(ref_act.BACKWARD, "tanh", lambda z, a, g, p: [gi * (1 - ai) for ai, gi in zip(a, g)])
    assert gradcheck(net, X, Y) > 1e-2


def test_catches_a_wrong_loss_factor(monkeypatch):
    net, X, Y = small_problem()
    # the mse gradient is 2 (o - y) / (n k); drop the 2
    wrong = ref_loss._elementwise(lambda o, y, p: ((o - y) ** 2, o - y))
    monkeypatch.setitem(ref_loss.KERNELS, "mse", (wrong, "entries"))
    assert gradcheck(net, X, Y) > 0.4


def test_catches_a_slightly_wrong_gradient():
    net, X, Y = small_problem()

    class Skewed:
        """The reference network with one gradient entry off by one part in 10^5."""
        params = property(lambda self: net.params, lambda self, v: setattr(net, "params", v))
        loss = staticmethod(net.loss)
        backward = staticmethod(net.backward)

        @property
        def grads(self):
            g = net.grads
            g[5] *= 1 + 1e-5
            return g

    assert 1e-6 < gradcheck(Skewed(), X, Y) < 1e-4


def test_float32_networks_get_a_float32_floor():
    gradcheck_module = importlib.import_module("fastnet.gradcheck")   # fastnet.gradcheck is the function
    assert gradcheck_module._EPS["float32"] == 2.0**-23
    # backprop says 1e-4 where the derivative is 0; the loss is 1
    q = Quadratic([1.0, 1.0], [0.0, 0.0], [1.0, 0.0], grad_error=[0.0, 1e-4])
    assert gradcheck(q, None, None) == pytest.approx(1e-4 / (2.0**-26 / 1e-6), rel=1e-6)   # flagged
    q.dtype = "float32"
    # float32 losses are too coarse for h = 1e-6 to resolve 1e-4: not flagged
    assert gradcheck(q, None, None) == pytest.approx(1e-4 / (2.0**-11.5 / 1e-6), rel=1e-6)
    assert gradcheck(q, None, None) < 1e-6
