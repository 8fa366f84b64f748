"""The optimizer kernels of fastnet._core.optimizers against fastnet.reference.

Every optimizer, and every hyperparameter that changes its result, runs four
consecutive steps (t = 1..4: SGD's first-step buffer, Adam's bias corrections,
AMSGrad's running maximum and Adagrad's lr decay all depend on t) with
gradients that grow and then shrink. After each step the compiled parameters
and state rows must match the pure-Python reference's. Where PyTorch is
installed, the same runs are also checked against torch.optim itself.

This module also holds ``main_thread_ran_during``, the GIL-release check the
other kernel test modules import.
"""

import inspect
import sys
import threading
import time

import numpy as np
import pytest

import fastnet

from fastnet._core import optimizers as kernels
from fastnet._core.optimizers import OptimizerId
from fastnet.optimizers import OPTIMIZERS, SGD, Adagrad, Adam, AdamW, RMSprop
from fastnet.reference import optimizers as reference

RTOL = {np.float32: 1e-5, np.float64: 1e-12}
ATOL = {np.float32: 1e-6, np.float64: 1e-14}

N_PARAMS = 37                         # not a multiple of any vector width: the loop tails run too
GRAD_SCALES = [1.0, 3.0, 0.1, 0.5]    # steps t = 1..4; a shrinking gradient lets v_max differ from v

# (optimizer class, baseline hyperparameters, the hyperparameters under test). The
# optimizer is class(**baseline, **extra); for a non-empty extra the test below
# also checks that extra changes the result, so no argument can be silently ignored.
CASES = [
    (SGD, {}, {}),
    (SGD, {}, {"lr": 0.1}),
    (SGD, {"lr": 0.1}, {"momentum": 0.9}),
    (SGD, {"lr": 0.1, "momentum": 0.9}, {"dampening": 0.3}),
    (SGD, {"lr": 0.1, "momentum": 0.9}, {"nesterov": True}),
    (SGD, {"lr": 0.1}, {"weight_decay": 0.1}),
    (SGD, {"lr": 0.1, "momentum": 0.9}, {"weight_decay": 0.1}),
    (Adam, {}, {}),
    (Adam, {}, {"lr": 0.05}),
    (Adam, {"lr": 0.05}, {"betas": (0.8, 0.99)}),
    (Adam, {"lr": 0.05}, {"eps": 1e-2}),
    (Adam, {"lr": 0.05}, {"weight_decay": 0.1}),
    (Adam, {"lr": 0.05, "betas": (0.9, 0.5)}, {"amsgrad": True}),
    (AdamW, {}, {}),
    (AdamW, {}, {"lr": 0.05}),
    (AdamW, {"lr": 0.05}, {"weight_decay": 0.5}),
    (AdamW, {"lr": 0.05}, {"betas": (0.8, 0.99)}),
    (AdamW, {"lr": 0.05}, {"eps": 1e-2}),
    (AdamW, {"lr": 0.05, "betas": (0.9, 0.5)}, {"amsgrad": True}),
    (RMSprop, {}, {}),
    (RMSprop, {}, {"lr": 0.05}),
    (RMSprop, {"lr": 0.05}, {"alpha": 0.9}),
    (RMSprop, {"lr": 0.05}, {"eps": 1e-2}),
    (RMSprop, {"lr": 0.05}, {"weight_decay": 0.1}),
    (RMSprop, {"lr": 0.05}, {"momentum": 0.9}),
    (RMSprop, {"lr": 0.05}, {"centered": True}),
    (RMSprop, {"lr": 0.05, "centered": True}, {"momentum": 0.5}),
    (Adagrad, {}, {}),
    (Adagrad, {}, {"lr": 0.05}),
    (Adagrad, {"lr": 0.05}, {"lr_decay": 0.1}),
    (Adagrad, {"lr": 0.05}, {"weight_decay": 0.1}),
    (Adagrad, {"lr": 0.05}, {"initial_accumulator_value": 0.5}),
    (Adagrad, {"lr": 0.05}, {"eps": 1e-2}),
]
IDS = [cls.name + "".join(f"-{k}={v}" for k, v in extra.items()) for cls, _, extra in CASES]


def _optimizer(cls, baseline, extra):
    return cls(**baseline, **extra)


def _problem(dtype):
    """Initial parameters and the gradient of each of the four steps."""
    rng = np.random.default_rng(0)
    params = rng.standard_normal(N_PARAMS).astype(dtype)
    grads = [(scale * rng.standard_normal(N_PARAMS)).astype(dtype) for scale in GRAD_SCALES]
    return params, grads


def _initial_state(optimizer, dtype):
    return np.array([[optimizer.initial_state_value(row)] * N_PARAMS for row in range(optimizer.n_state)],
                    dtype=dtype).reshape(optimizer.n_state, N_PARAMS)


def _compiled_steps(optimizer, dtype):
    """(params, state) after each of the four steps of the compiled kernel."""
    params, grads = _problem(dtype)
    state = _initial_state(optimizer, dtype)
    hyper = np.asarray(optimizer.hyper_vector(), dtype=np.float64)
    history = []
    for t, g in enumerate(grads, start=1):
        g_before = g.copy()
        kernels.step(optimizer.kernel_id, hyper, t, params, g, state)
        np.testing.assert_array_equal(g, g_before)   # the gradient buffer is IN only
        history.append((params.copy(), state.copy()))
    return history


@pytest.mark.parametrize("optimizer, rows", [
    (fastnet.SGD(), ()), (fastnet.SGD(momentum=0.9), ("buf",)),
    (fastnet.SGD(momentum=0.9, nesterov=True, dampening=0.0), ("buf",)),
    (fastnet.Adam(), ("m", "v")), (fastnet.Adam(amsgrad=True), ("m", "v", "v_max")),
    (fastnet.AdamW(), ("m", "v")), (fastnet.AdamW(amsgrad=True), ("m", "v", "v_max")),
    (fastnet.RMSprop(), ("s",)), (fastnet.RMSprop(centered=True), ("s", "g_avg")),
    (fastnet.RMSprop(momentum=0.5), ("s", "buf")), (fastnet.RMSprop(centered=True, momentum=0.5), ("s", "g_avg", "buf")),
    (fastnet.Adagrad(), ("s",)), (fastnet.Adagrad(initial_accumulator_value=0.1), ("s",)),
], ids=lambda x: repr(x) if not isinstance(x, tuple) else ",".join(x) or "none")
def test_state_rows_are_the_kernels(optimizer, rows):
    # Only the rows the hyperparameters use are kept; the Python rule (which sizes
    # the state) and the kernels' rule (which reads it) must agree everywhere.
    assert optimizer.state_rows == rows and optimizer.n_state == len(rows)
    hyper = np.asarray(optimizer.hyper_vector(), dtype=np.float64)
    assert kernels.n_state_rows(optimizer.kernel_id, hyper) == len(rows)


def test_kernel_twin_rejects_state_with_rows_the_hyperparameters_do_not_use():
    params, grads = np.zeros(4), np.ones(4)
    hyper = np.asarray(fastnet.SGD().hyper_vector(), dtype=np.float64)
    with pytest.raises(ValueError, match=r"state must have shape \(0, 4\), got \(1, 4\)"):
        kernels.step(fastnet.SGD.kernel_id, hyper, 1, params, grads, np.zeros((1, 4)))


def test_enum_matches_the_python_table():
    assert [member.name.lower() for member in OptimizerId] == list(OPTIMIZERS)
    assert [int(member) for member in OptimizerId] == list(range(len(OPTIMIZERS)))
    for name, cls in OPTIMIZERS.items():
        assert cls.kernel_id == OptimizerId[name.upper()]


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_the_hyperparameter_layout_is_the_kernels_structs(name):
    # The structs of optimizers.pxd are the one statement of the hyper vector's
    # order: the optimizers build it from the kernel's names, and the reference
    # rules take the same names as keywords.
    cls = OPTIMIZERS[name]
    names = kernels.HYPERPARAMETERS[cls.kernel_id]
    assert cls.hyper_names == names and names[0] == "lr"
    optimizer = cls()
    assert optimizer.hyper_vector() == [float(getattr(optimizer, field)) for field in names]
    rule = inspect.signature(reference.UPDATES[name]).parameters.values()
    assert tuple(p.name for p in rule if p.kind is p.KEYWORD_ONLY) == names
    hyper = np.asarray(optimizer.hyper_vector(), dtype=np.float64)
    with pytest.raises(ValueError, match=f"takes {len(names)} hyperparameters, got {len(names) + 1}"):
        kernels.n_state_rows(cls.kernel_id, np.append(hyper, 0.0))


@pytest.mark.parametrize("cls, baseline, extra", CASES, ids=IDS)
def test_steps_match_reference(cls, baseline, extra, dtype):
    optimizer = _optimizer(cls, baseline, extra)
    params, grads = _problem(dtype)
    ref_params = params.tolist()
    ref_state = _initial_state(optimizer, np.float64).tolist()

    for t, ((params_t, state_t), g) in enumerate(zip(_compiled_steps(optimizer, dtype), grads), start=1):
        reference.update(optimizer, ref_params, g.tolist(), ref_state, t)
        assert params_t.dtype == dtype and state_t.dtype == dtype
        np.testing.assert_allclose(params_t, ref_params, rtol=RTOL[dtype], atol=ATOL[dtype],
                                   err_msg=f"params after step {t}")
        assert state_t.shape == (optimizer.n_state, N_PARAMS)
        np.testing.assert_allclose(state_t, np.reshape(ref_state, state_t.shape), rtol=RTOL[dtype],
                                   atol=ATOL[dtype], err_msg=f"state after step {t}")


@pytest.mark.parametrize("cls, baseline, extra", [c for c in CASES if c[2]],
                         ids=[i for i, c in zip(IDS, CASES) if c[2]])
def test_each_hyperparameter_changes_the_result(cls, baseline, extra):
    # The parity test above holds only if the case really exercises the argument.
    with_extra = _compiled_steps(_optimizer(cls, baseline, extra), np.float64)[-1][0]
    without = _compiled_steps(_optimizer(cls, baseline, {}), np.float64)[-1][0]
    assert not np.allclose(with_extra, without, rtol=1e-9, atol=0)


@pytest.mark.parametrize("cls, baseline, extra", CASES, ids=IDS)
def test_steps_match_torch(cls, baseline, extra):
    torch = pytest.importorskip("torch")
    optimizer = _optimizer(cls, baseline, extra)
    params, grads = _problem(np.float64)
    p = torch.tensor(params, dtype=torch.float64, requires_grad=True)
    torch_optimizer = getattr(torch.optim, cls.__name__)([p], **optimizer.hyperparameters)
    for (params_t, _), g in zip(_compiled_steps(optimizer, np.float64), grads):
        p.grad = torch.tensor(g, dtype=torch.float64)
        torch_optimizer.step()
        np.testing.assert_allclose(params_t, p.detach().numpy(), rtol=1e-10, atol=1e-13)


def test_amsgrad_keeps_the_running_maximum():
    optimizer = Adam(lr=0.05, betas=(0.9, 0.5), amsgrad=True)
    for params, (m, v, v_max) in _compiled_steps(optimizer, np.float64):
        assert np.all(v_max >= v)
    assert np.any(v_max > v)   # the shrinking gradient of the last steps made v fall below v_max


def test_bad_arguments_are_rejected():
    params, grads = np.zeros(3), np.zeros(3)
    adam = np.asarray(Adam().hyper_vector())
    with pytest.raises(ValueError, match="unknown optimizer id"):
        kernels.step(len(OPTIMIZERS), adam, 1, params, grads, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="hyperparameters"):
        kernels.step(OptimizerId.SGD, adam, 1, params, grads, np.zeros((1, 3)))
    with pytest.raises(ValueError, match="state"):
        kernels.step(OptimizerId.ADAM, adam, 1, params, grads, np.zeros((1, 3)))
    with pytest.raises(ValueError, match="grads"):
        kernels.step(OptimizerId.ADAM, adam, 1, params, np.zeros(4), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="1-based"):
        kernels.step(OptimizerId.ADAM, adam, 0, params, grads, np.zeros((3, 3)))
    with pytest.raises((TypeError, ValueError)):
        kernels.step(OptimizerId.ADAM, adam, 1, params.astype(np.float32), grads, np.zeros((3, 3)))


# -- the GIL ------------------------------------------------------------------------------

def main_thread_ran_during(call, repeats=20):
    """Whether the main thread ran Python code while ``call()`` ran in another thread.

    The switch interval is made huge, so the interpreter never takes the GIL
    from a thread: it changes hands only where a thread gives it up. The main
    thread gives it up on every count (``time.sleep(0)``); ``call()`` gives it
    up only if its kernel releases it. So the count moves between just before
    and just after ``call()`` if and only if the GIL was released; no timing
    is involved. ``call`` must do nothing else that could release the GIL.
    The main thread also needs a free core while a call runs, which a busy
    machine may deny for one short call: hence several repeats.
    """
    count = [0]
    moved = []
    done = threading.Event()

    def worker():
        try:
            for _ in range(repeats):
                before = count[0]
                call()
                moved.append(count[0] - before)
        finally:
            done.set()

    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        thread = threading.Thread(target=worker)
        thread.start()
        while not done.is_set():
            count[0] += 1
            time.sleep(0)
        thread.join()
    finally:
        sys.setswitchinterval(old_interval)
    assert len(moved) == repeats, "call() raised in the worker thread"
    return any(m > 0 for m in moved)


def test_gil_check_detects_a_call_that_keeps_the_gil():
    # The check itself: a pure-Python busy loop never gives the GIL up.
    def busy():
        total = 0
        for i in range(300_000):
            total += i

    assert not main_thread_ran_during(busy, repeats=2)


@pytest.mark.parametrize("cls", [SGD, Adam, RMSprop, Adagrad], ids=lambda c: c.name)
def test_step_releases_the_gil(cls):
    optimizer = cls(momentum=0.9) if cls in (SGD, RMSprop) else cls()
    n = 1 << 20
    rng = np.random.default_rng(1)
    params, grads = rng.standard_normal(n), rng.standard_normal(n)
    state = np.zeros((optimizer.n_state, n))
    hyper = np.asarray(optimizer.hyper_vector(), dtype=np.float64)
    assert main_thread_ran_during(lambda: kernels.step(optimizer.kernel_id, hyper, 2, params, grads, state))
