"""The loss kernels of fastnet._core.losses against fastnet.reference.

The kernel sums in double whatever the dtype, and the reference is given the
very values the kernel reads, so the loss value agrees to double precision for
both dtypes; the gradient is rounded once to the array's dtype.
"""

import numpy as np
import pytest

from fastnet._core import losses as kernels
from fastnet._core.losses import LossId
from fastnet.losses import LOSSES, Loss
from fastnet.reference import losses as reference

VALUE_RTOL = 1e-12
RTOL = {np.float32: 1e-5, np.float64: 1e-12}
ATOL = {np.float32: 1e-8, np.float64: 1e-15}

N_ROWS, N_COLS = 6, 4


def test_enum_matches_the_python_table():
    assert [member.name.lower() for member in LossId] == list(LOSSES)
    assert [int(member) for member in LossId] == list(range(len(LOSSES)))
    for name in LOSSES:
        assert Loss(name).id == LossId[name.upper()]


# -- data -------------------------------------------------------------------------------

def _regression(rng):
    out = rng.standard_normal((N_ROWS, N_COLS)) * 2.0
    y = rng.standard_normal((N_ROWS, N_COLS))
    y[0, :2] = out[0, :2]   # d = 0 exactly: mae's sign(0) = 0, huber's quadratic branch
    return out, y


def _binary(rng):
    logits = rng.standard_normal((N_ROWS, N_COLS)) * 3.0
    y = rng.random((N_ROWS, N_COLS))
    y[:2] = rng.integers(0, 2, size=(2, N_COLS))   # hard 0/1 labels and soft targets
    return logits, y


def _one_hot(rng):
    logits = rng.standard_normal((N_ROWS, N_COLS)) * 3.0
    return logits, np.eye(N_COLS)[rng.integers(0, N_COLS, size=N_ROWS)]


def _probabilities(rng):
    logits = rng.standard_normal((N_ROWS, N_COLS)) * 3.0
    y = rng.random((N_ROWS, N_COLS))
    return logits, y / y.sum(axis=1, keepdims=True)


def _counts(rng):
    log_rate = rng.standard_normal((N_ROWS, N_COLS))
    y = rng.poisson(np.exp(log_rate)).astype(np.float64)
    y[0, 0] = 0.0   # a zero count: the loss is exp(o) alone
    return log_rate, y


CASES = [
    (Loss("half_mse"), _regression),
    (Loss("mse"), _regression),
    (Loss("mae"), _regression),
    (Loss("huber"), _regression),                  # delta 1: both branches are hit
    (Loss("huber", delta=0.5), _regression),
    (Loss("huber", delta=2.5), _regression),
    (Loss("binary_cross_entropy"), _binary),
    (Loss("cross_entropy"), _one_hot),
    (Loss("cross_entropy"), _probabilities),
    (Loss("poisson"), _counts),
    (Loss("quantile"), _regression),               # q 0.5; _regression holds r = 0 exactly
    (Loss("quantile", q=0.1), _regression),
    (Loss("quantile", q=0.9), _regression),
    (Loss("log_cosh"), _regression),
]
IDS = ["half_mse", "mse", "mae", "huber", "huber-0.5", "huber-2.5", "bce", "ce-one-hot", "ce-soft",
       "poisson", "quantile-0.5", "quantile-0.1", "quantile-0.9", "log_cosh"]


def _check_against_reference(loss, out, y, dtype):
    out, y = out.astype(dtype), y.astype(dtype)
    expected_value, expected_grad = reference.loss_gradient(loss, out.tolist(), y.tolist())

    grad = np.full_like(out, np.nan)
    value = kernels.loss_gradient_py(loss.id, loss.param, out, y, grad)

    assert np.isfinite(value) and np.all(np.isfinite(grad))
    assert value == pytest.approx(expected_value, rel=VALUE_RTOL)
    np.testing.assert_allclose(grad, np.array(expected_grad), rtol=RTOL[dtype], atol=ATOL[dtype])
    # Without a gradient buffer, the same value.
    assert kernels.loss_gradient_py(loss.id, loss.param, out, y) == value
    return value, grad


@pytest.mark.parametrize("loss, make_data", CASES, ids=IDS)
def test_loss_and_gradient_match_reference(loss, make_data, dtype):
    out, y = make_data(np.random.default_rng(0))
    _check_against_reference(loss, out, y, dtype)


def test_huber_delta_changes_the_result():
    out, y = _regression(np.random.default_rng(0))
    values = {delta: kernels.loss_gradient_py(LossId.HUBER, delta, out, y) for delta in (0.5, 1.0, 2.5)}
    assert len(set(values.values())) == 3


def test_mae_gradient_at_zero_difference_is_zero(dtype):
    out = np.array([[1.0, 2.0, 3.0]], dtype=dtype)
    y = np.array([[1.0, 1.0, 4.0]], dtype=dtype)
    grad = np.empty_like(out)
    kernels.loss_gradient_py(LossId.MAE, 0.0, out, y, grad)
    np.testing.assert_array_equal(grad[0], np.array([0.0, 1.0, -1.0], dtype) / 3)


def test_quantile_q_changes_the_result():
    out, y = _regression(np.random.default_rng(0))
    values = {q: kernels.loss_gradient_py(LossId.QUANTILE, q, out, y) for q in (0.1, 0.5, 0.9)}
    assert len(set(values.values())) == 3


def test_quantile_gradient_at_zero_residual_is_zero(dtype):
    # Above the target 1 - q, below it -q, exactly on it 0 (docs/MATH.md).
    out = np.array([[1.0, 2.0, 3.0]], dtype=dtype)
    y = np.array([[1.0, 1.0, 4.0]], dtype=dtype)
    grad = np.empty_like(out)
    kernels.loss_gradient_py(LossId.QUANTILE, 0.25, out, y, grad)
    np.testing.assert_array_equal(grad[0], np.array([0.0, 0.75, -0.25], dtype) / np.array(3, dtype))


@pytest.mark.parametrize("d", [30.0, 400.0, 1e4, 1e300], ids=["30", "400", "1e4", "1e300"])
def test_log_cosh_is_finite_for_huge_errors(d, dtype):
    d = min(d, 3e38) if dtype == np.float32 else d   # near float32's largest
    out = np.array([[d, -d]], dtype=dtype)
    grad = np.empty_like(out)
    value = kernels.loss_gradient_py(LossId.LOG_COSH, 0.0, out, np.zeros_like(out), grad)
    # log cosh(d) = d - log 2 + log1p(e^-2d): the last term is below 1e-26 here.
    assert value == pytest.approx(float(out[0, 0]) - np.log(2.0), rel=1e-15)
    np.testing.assert_array_equal(grad[0], np.array([0.5, -0.5], dtype))


# -- torch parity ---------------------------------------------------------------------------

def _torch_value_and_grad(torch_loss, out, y):
    import torch

    o = torch.tensor(out, dtype=torch.float64, requires_grad=True)
    value = torch_loss(o, torch.tensor(y, dtype=torch.float64))
    value.backward()
    return value.item(), o.grad.numpy()


def _torch_quantile(q):
    import torch

    def pinball(o, y):
        r = y - o
        return torch.mean(torch.maximum(q * r, (q - 1.0) * r))
    return pinball


def _torch_log_cosh(o, y):
    import torch

    return torch.mean(torch.log(torch.cosh(o - y)))


def _torch_poisson(o, y):
    import torch

    return torch.nn.functional.poisson_nll_loss(o, y, log_input=True, full=False)


@pytest.mark.parametrize("loss, make_data, torch_loss", [
    (Loss("poisson"), _counts, _torch_poisson),
    (Loss("quantile", q=0.2), _regression, _torch_quantile(0.2)),
    (Loss("quantile", q=0.5), _regression, _torch_quantile(0.5)),
    (Loss("quantile", q=0.85), _regression, _torch_quantile(0.85)),
    (Loss("log_cosh"), _regression, _torch_log_cosh),
], ids=["poisson", "quantile-0.2", "quantile-0.5", "quantile-0.85", "log_cosh"])
def test_new_losses_match_torch(loss, make_data, torch_loss, dtype):
    pytest.importorskip("torch")
    out, y = make_data(np.random.default_rng(3))
    if loss.name == "quantile":
        y[0, :2] += 0.5   # off the kink, where torch's maximum splits the gradient in two
    out, y = out.astype(dtype), y.astype(dtype)
    expected_value, expected_grad = _torch_value_and_grad(torch_loss, out.astype(np.float64), y.astype(np.float64))
    grad = np.empty_like(out)
    value = kernels.loss_gradient_py(loss.id, loss.param, out, y, grad)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("scale", [1e4, 80.0], ids=["1e4", "80"])
def test_cross_entropies_are_finite_at_extreme_logits(scale, dtype):
    # Confidently right, confidently wrong and undecided, in one batch.
    logits = np.array([[scale, -scale, 0.0],
                       [-scale, scale, -scale],
                       [scale, scale, -scale]])
    hard = np.array([[1.0, 0.0, 0.0],
                     [1.0, 0.0, 0.0],
                     [0.0, 1.0, 0.0]])
    soft = np.array([[0.5, 0.25, 0.25],
                     [0.0, 1.0, 0.0],
                     [0.2, 0.3, 0.5]])
    for loss in (Loss("binary_cross_entropy"), Loss("cross_entropy")):
        for y in (hard, soft):
            value, grad = _check_against_reference(loss, logits, y, dtype)
            # Confidently wrong costs about |logit| per wrong unit: the value is not capped.
            assert value > scale / 10


def test_cross_entropy_gradient_rows_sum_to_zero_for_probability_targets(dtype):
    # softmax(z) * sum(y) - y sums to sum(y) - sum(y) = 0 over each row.
    logits, y = _probabilities(np.random.default_rng(1))
    grad = np.empty((N_ROWS, N_COLS), dtype=dtype)
    kernels.loss_gradient_py(LossId.CROSS_ENTROPY, 0.0, logits.astype(dtype), y.astype(dtype), grad)
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=10 * RTOL[dtype] / N_ROWS)


def test_bad_arguments_are_rejected():
    out = np.zeros((2, 3))
    with pytest.raises(ValueError, match="unknown loss id"):
        kernels.loss_gradient_py(len(LOSSES), 0.0, out, out)
    with pytest.raises(ValueError, match="shape"):
        kernels.loss_gradient_py(LossId.MSE, 0.0, out, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="shape"):
        kernels.loss_gradient_py(LossId.MSE, 0.0, out, out, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="empty"):
        kernels.loss_gradient_py(LossId.MSE, 0.0, out[:0], out[:0])


def test_kernel_releases_the_gil():
    from test_kernels_optimizers import main_thread_ran_during

    rng = np.random.default_rng(2)
    logits, y = rng.standard_normal((2000, 500)), rng.random((2000, 500))
    grad = np.empty_like(logits)
    assert main_thread_ran_during(
        lambda: kernels.loss_gradient_py(LossId.BINARY_CROSS_ENTROPY, 0.0, logits, y, grad))
