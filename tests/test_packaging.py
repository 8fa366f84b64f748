"""fastnet as other projects meet it: an installed wheel, and a C-level API to cimport.

Two kinds of tests:

* What the installed distribution holds, read from its RECORD (the wheel's own
  list of files): the compiled kernels, the ``.pxd`` files of the C-level API,
  the ``.pyi`` stubs and ``py.typed``. When the source tree is at hand (tests/
  beside fastnet/, or ``FASTNET_SOURCE_DIR``), every module in it must be in
  the wheel too, so a file that packaging forgets fails here.
* A downstream extension, built in a temporary directory against the
  installed fastnet (``docs/C_API.md``), that cimports the kernels and calls
  them from its own ``with nogil:`` block; its numbers are checked against
  :mod:`fastnet.reference`.

The tests of the first kind skip when fastnet is not installed (run from a
source tree with in-place extensions), those of the second only when no C
compiler works.
"""

import importlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import fastnet
import fastnet.reference
from fastnet.activations import ACTIVATIONS, Activation
from fastnet.losses import LOSSES, Loss
from fastnet.optimizers import OPTIMIZERS

from helpers import ATOL, RTOL, child_process_env

PACKAGE_DIR = Path(fastnet.__file__).resolve().parent

#: The compiled modules of fastnet._core, and those of them with a C-level API (.pxd).
COMPILED = ["activations", "blas", "buildinfo", "dense", "losses", "metrics", "network", "optimizers"]
C_API = ["activations", "blas", "dense", "losses", "metrics", "optimizers", "random"]
#: The pure-Python modules carry their types inline (PEP 561 reads them from the .py
#: files); only the compiled modules need stubs. These must ship without one beside them.
ANNOTATED = ["datasets", "nn/network", "optim/optimizers", "train/history", "io/npz", "reference/network"]


# ---------------------------------------------------------------------------
# What the installed distribution holds
# ---------------------------------------------------------------------------

def _installed_files():
    """The files of the installed fastnet distribution, as '/'-separated paths relative to site-packages."""
    try:
        dist = importlib.metadata.distribution("fastnet")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("fastnet is not installed (these tests read the installed wheel's RECORD; "
                    "the suite is running against a source tree)")
    init = Path(dist.locate_file("fastnet/__init__.py"))
    if not init.exists() or init.resolve() != PACKAGE_DIR / "__init__.py":
        pytest.skip(f"the fastnet imported ({PACKAGE_DIR}) is not the installed distribution's files "
                    "(an editable install, or a source tree ahead of it on sys.path)")
    return {str(f).replace("\\", "/") for f in dist.files or ()}


def _source_dir():
    """fastnet's source package directory, if a source tree is at hand, else None."""
    explicit = os.environ.get("FASTNET_SOURCE_DIR")
    root = Path(explicit) if explicit else Path(__file__).resolve().parent.parent
    source = root / "fastnet"
    if (source / "__init__.py").is_file() and (root / "pyproject.toml").is_file():
        if source.resolve() != PACKAGE_DIR:
            return source
    return None


def _has_extension(files, module):
    stem = f"fastnet/_core/{module}."
    return any(f.startswith(stem) and f.endswith((".so", ".pyd")) for f in files)


def test_wheel_has_compiled_kernels_and_their_stubs():
    files = _installed_files()
    missing = [m for m in COMPILED if not _has_extension(files, m)]
    assert not missing, f"compiled modules missing from the wheel: {missing}"
    missing = [f"fastnet/_core/{m}.pyi" for m in COMPILED if f"fastnet/_core/{m}.pyi" not in files]
    assert not missing, f"stubs of the compiled modules missing from the wheel: {missing}"


def test_wheel_has_the_c_level_api():
    files = _installed_files()
    missing = [f"fastnet/_core/{m}.pxd" for m in C_API if f"fastnet/_core/{m}.pxd" not in files]
    assert not missing, f".pxd files missing from the wheel (downstream cimports need them): {missing}"
    assert "fastnet/_core/__init__.py" in files


def test_wheel_is_typed():
    files = _installed_files()
    assert "fastnet/py.typed" in files, "py.typed marks the package as typed (PEP 561)"
    missing = [f"fastnet/{m}.py" for m in ANNOTATED if f"fastnet/{m}.py" not in files]
    assert not missing, f"annotated modules missing from the wheel: {missing}"
    stray = sorted(f for f in files if f.endswith(".pyi") and not f.startswith("fastnet/_core/"))
    assert not stray, f"stubs beside pure-Python modules would hide their inline annotations: {stray}"


def test_wheel_leaves_out_generated_c():
    files = _installed_files()
    # (fastnet/bench/mlp_batch1.c is hand-written: the C loop the bench compiles, shipped on purpose.)
    generated = sorted(f for f in files if f.startswith("fastnet/_core/") and f.endswith(".c"))
    assert not generated, f"Cython's generated C is not needed at run time: {generated}"


def test_wheel_has_every_module_of_the_source_tree():
    files = _installed_files()
    source = _source_dir()
    if source is None:
        pytest.skip("no source tree beside the tests to compare the wheel with (set FASTNET_SOURCE_DIR)")
    expected, compiled = set(), set()
    for path in source.rglob("*"):
        rel = path.relative_to(source.parent).as_posix()
        if "__pycache__" in rel or not path.is_file():
            continue
        if path.suffix in (".py", ".pyi", ".pxd") or path.name == "py.typed":
            expected.add(rel)
        elif path.suffix == ".pyx":
            compiled.add(path.stem)
    missing = sorted(expected - files)
    assert not missing, (f"files of the source tree missing from the wheel: {missing} "
                         "(a package without __init__.py, or package data not declared in pyproject.toml?)")
    missing = sorted(m for m in compiled if not _has_extension(files, m))
    assert not missing, f".pyx files without a compiled extension in the wheel: {missing}"


def _points_at_fastnet(exc):
    """Whether an ImportError is fastnet's own (a module missing from the wheel) rather
    than an optional dependency's (matplotlib, scikit-learn, dask, torch, ...)."""
    if exc.name:  # the module that could not be imported, or that lacks the name
        return exc.name.split(".")[0] == "fastnet"
    # Raised by fastnet for a missing extra: "fastnet.plotting needs matplotlib: pip install ..."
    return "pip install" not in str(exc)


def test_every_module_imports():
    """Every module of the installed package imports, unless an optional dependency is missing."""
    import pkgutil

    failures = []
    for info in pkgutil.walk_packages(fastnet.__path__, "fastnet."):
        if info.name == "fastnet.__main__":
            continue  # importing it is running it
        try:
            importlib.import_module(info.name)
        except ImportError as exc:
            if _points_at_fastnet(exc):
                failures.append(f"{info.name}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


def test_import_errors_are_told_apart():
    assert _points_at_fastnet(ImportError("cannot import name 'network' from 'fastnet._core'", name="fastnet._core"))
    assert _points_at_fastnet(ImportError("No module named 'fastnet.bench'", name="fastnet.bench"))
    assert not _points_at_fastnet(ImportError("No module named 'matplotlib'", name="matplotlib"))
    assert not _points_at_fastnet(ImportError("fastnet.distributed needs Dask: pip install 'fastnet[dask]'"))


def test_get_include_finds_the_pxd_files():
    include = Path(fastnet.get_include())
    for module in C_API:
        assert (include / "fastnet" / "_core" / f"{module}.pxd").is_file()
    assert (include / "fastnet" / "__init__.py").is_file()
    assert (include / "fastnet" / "_core" / "__init__.py").is_file()


def test_show_config(capsys):
    config = fastnet.show_config(mode="dicts")
    assert config["fastnet"]["version"] == fastnet.__version__
    from fastnet._core import buildinfo

    assert config["build"]["cython_version"] == buildinfo.CYTHON_VERSION
    assert config["build"]["compile_flags"] == buildinfo.COMPILE_FLAGS
    assert config["build"]["bounds_checked"] == buildinfo.bounds_checked()
    assert config["dependencies"]["numpy"] == np.__version__
    assert config["threads"]["fastnet"]["default_n_threads"] == 1

    assert fastnet.show_config() is None
    out = capsys.readouterr().out
    assert f"fastnet {fastnet.__version__}" in out
    assert f"Cython:          {buildinfo.CYTHON_VERSION}" in out
    assert "BLAS" in out and "Threads:" in out
    with pytest.raises(ValueError, match="mode"):
        fastnet.show_config(mode="json")


# ---------------------------------------------------------------------------
# A downstream Cython extension against the installed fastnet
# ---------------------------------------------------------------------------

DOWNSTREAM_PYX = '''\
# cython: language_level=3, boundscheck=False, wraparound=False
"""A downstream module: fastnet's nogil kernels, called from this module's own nogil code."""
from cython cimport floating

from fastnet._core.activations cimport (activation_forward, activation_backward, activation_needs_z,
                                        IDENTITY, RELU, LEAKY_RELU, SIGMOID, TANH, SOFTMAX,
                                        GELU, GELU_TANH, SILU, ELU, SOFTPLUS, SoftplusParams)
from fastnet._core.losses cimport (loss_gradient, HALF_MSE, MSE, MAE, HUBER,
                                   BINARY_CROSS_ENTROPY, CROSS_ENTROPY, POISSON, QUANTILE, LOG_COSH)
from fastnet._core.optimizers cimport optimizer_step, SGD, ADAM, ADAMW, RMSPROP, ADAGRAD
from fastnet._core.dense cimport dense_forward, dense_backward


def kernel_ids():
    """The enum values as this module sees them at compile time."""
    return ([<int>IDENTITY, <int>RELU, <int>LEAKY_RELU, <int>SIGMOID, <int>TANH, <int>SOFTMAX,
             <int>GELU, <int>GELU_TANH, <int>SILU, <int>ELU, <int>SOFTPLUS],
            [<int>HALF_MSE, <int>MSE, <int>MAE, <int>HUBER, <int>BINARY_CROSS_ENTROPY, <int>CROSS_ENTROPY,
             <int>POISSON, <int>QUANTILE, <int>LOG_COSH],
            [<int>SGD, <int>ADAM, <int>ADAMW, <int>RMSPROP, <int>ADAGRAD])


def activation(int act, const double[::1] params, floating[:, ::1] z, floating[:, ::1] z_kept,
               floating[:, ::1] delta):
    """z_kept <- z, z <- act(z); then delta (dL/da) <- dL/dz, in place (reading z_kept where needed)."""
    cdef Py_ssize_t n = z.shape[0], k = z.shape[1], i
    cdef const double* p = &params[0] if params.shape[0] > 0 else NULL
    cdef floating* kept = &z_kept[0, 0]
    cdef floating* out = &z[0, 0]
    cdef const floating* pre = kept if activation_needs_z(act) else NULL
    with nogil:
        for i in range(n * k):
            kept[i] = out[i]
        activation_forward(act, p, n, k, &z[0, 0])
        activation_backward(act, p, n, k, pre, &z[0, 0], &delta[0, 0])


def softplus_by_name(double beta, double threshold, double[:, ::1] z):
    """The parameters as a struct filled by field name, passed as its doubles."""
    cdef SoftplusParams p = SoftplusParams(beta=beta, threshold=threshold)
    with nogil:
        activation_forward[double](SOFTPLUS, <const double*>&p, z.shape[0], z.shape[1], &z[0, 0])


def tanh_float64(double[:, ::1] z):
    """An explicitly specialised call: activation_forward[double]."""
    with nogil:
        activation_forward[double](TANH, NULL, z.shape[0], z.shape[1], &z[0, 0])


def loss(int loss_id, double param, floating[:, ::1] out, floating[:, ::1] y, floating[:, ::1] grad):
    cdef double value
    with nogil:
        value = loss_gradient(loss_id, param, out.shape[0], out.shape[1], &out[0, 0], &y[0, 0], &grad[0, 0])
    return value


def train_step(int act, int loss_id, int opt, const double[::1] hyper, long long t,
               floating[:, ::1] x, floating[:, ::1] y, floating[::1] params, floating[::1] grads,
               floating[:, ::1] state, floating[:, ::1] a, floating[:, ::1] delta):
    """One dense layer a = act(x W + b) with params = [W (n_in x n_out, row-major), b]:
    forward, loss, backpropagation and one optimizer step, in one nogil block.
    Returns the loss before the step."""
    cdef Py_ssize_t n = x.shape[0], n_in = x.shape[1], n_out = y.shape[1]
    cdef floating* w = &params[0]
    cdef floating* b = w + n_in * n_out
    cdef floating* dx = NULL
    cdef const floating* no_z = NULL                 # tanh's backward reads a alone
    cdef double value
    with nogil:
        dense_forward(n, n_in, n_out, &x[0, 0], w, b, &a[0, 0])
        activation_forward(act, NULL, n, n_out, &a[0, 0])
        value = loss_gradient(loss_id, 0.0, n, n_out, &a[0, 0], &y[0, 0], &delta[0, 0])
        activation_backward(act, NULL, n, n_out, no_z, &a[0, 0], &delta[0, 0])
        dense_backward(n, n_in, n_out, &x[0, 0], w, &delta[0, 0],
                       &grads[0], &grads[n_in * n_out], dx)
        optimizer_step(opt, &hyper[0], t, params.shape[0], &params[0], &grads[0], &state[0, 0])
    return value
'''

DOWNSTREAM_SETUP = '''\
from Cython.Build import cythonize
from setuptools import Extension, setup

import fastnet

setup(
    name="fastnet-downstream",
    ext_modules=cythonize([Extension("fastnet_downstream", ["fastnet_downstream.pyx"])],
                          include_path=[fastnet.get_include()]),
)
'''


def _c_compiler_problem(tmp_path):
    """Why no C extension can be built here, or None if a C compiler works."""
    import setuptools  # noqa: F401  (provides distutils on Python 3.12+)
    from distutils.ccompiler import new_compiler
    from distutils.errors import CCompilerError, DistutilsError
    from distutils.sysconfig import customize_compiler

    probe = tmp_path / "probe.c"
    probe.write_text("int fastnet_probe(void) { return 0; }\n")
    compiler = new_compiler()
    customize_compiler(compiler)
    try:
        compiler.compile([str(probe)], output_dir=str(tmp_path / "probe"))
    except (CCompilerError, DistutilsError, OSError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="module")
def downstream(tmp_path_factory):
    """The downstream extension, built against this fastnet and imported."""
    pytest.importorskip("Cython", reason="Cython is needed to build a downstream extension (it is in the test extra)")
    pytest.importorskip("setuptools", reason="setuptools is needed to build a downstream extension")
    tmp = tmp_path_factory.mktemp("downstream")
    problem = _c_compiler_problem(tmp)
    if problem is not None:
        pytest.skip(f"no working C compiler to build a downstream extension: {problem}")
    (tmp / "fastnet_downstream.pyx").write_text(DOWNSTREAM_PYX)
    (tmp / "setup.py").write_text(DOWNSTREAM_SETUP)
    env = dict(os.environ)
    # The build imports the same fastnet as this test run (an installed one, or a
    # source tree with in-place extensions); its get_include() says where the .pxd are.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [fastnet.get_include(), env.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=tmp, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, f"the downstream build failed:\n{result.stdout}\n{result.stderr}"
    sys.path.insert(0, str(tmp))
    try:
        module = importlib.import_module("fastnet_downstream")
    finally:
        sys.path.remove(str(tmp))
    return module


def _rng(seed=0):
    return np.random.default_rng(seed)


def _close(actual, expected, dtype):
    np.testing.assert_allclose(actual, np.asarray(expected, dtype=np.float64), rtol=RTOL[dtype], atol=ATOL[dtype])


def test_downstream_sees_the_kernel_ids(downstream):
    activations, losses, optimizers = downstream.kernel_ids()
    assert activations == [Activation(name).id for name in ACTIVATIONS] == list(range(len(ACTIVATIONS)))
    assert losses == [Loss(name).id for name in LOSSES] == list(range(len(LOSSES)))
    assert optimizers == [cls.kernel_id for cls in OPTIMIZERS.values()] == list(range(len(OPTIMIZERS)))


NON_DEFAULT = {"leaky_relu": {"negative_slope": 0.1}, "elu": {"alpha": 0.5}, "softplus": {"beta": 2.0, "threshold": 1.0}}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_downstream_activation_matches_reference(downstream, name, dtype):
    act = Activation(name, **NON_DEFAULT.get(name, {}))
    z = _rng(1).normal(size=(5, 4)).astype(dtype)
    delta = _rng(2).normal(size=(5, 4)).astype(dtype)
    a_expected = [fastnet.reference.activations.forward(act, row) for row in z.tolist()]
    d_expected = [fastnet.reference.activations.backward(act, a_row, g_row, z_row)
                  for a_row, g_row, z_row in zip(a_expected, delta.tolist(), z.tolist())]
    downstream.activation(act.id, np.array(act.param_vector(), dtype=np.float64), z, np.empty_like(z), delta)
    _close(z, a_expected, dtype)
    _close(delta, d_expected, dtype)


def test_downstream_fills_a_parameter_struct_by_name(downstream):
    z = np.array([[-3.0, 0.25, 0.75, 4.0]])
    expected = [fastnet.reference.activations.forward(Activation("softplus", beta=2.0, threshold=1.0), z[0].tolist())]
    downstream.softplus_by_name(2.0, 1.0, z)
    np.testing.assert_allclose(z, expected, rtol=1e-14)
    assert z[0, 3] == 4.0 and z[0, 0] < 0.01   # linear above threshold / beta, smooth below


def test_downstream_explicit_specialisation(downstream):
    z = _rng(3).normal(size=(3, 2))
    expected = np.tanh(z)
    downstream.tanh_float64(z)
    np.testing.assert_allclose(z, expected, rtol=1e-15)


@pytest.mark.parametrize("name", list(LOSSES))
def test_downstream_loss_matches_reference(downstream, name, dtype):
    params = {"huber": {"delta": 0.5}, "quantile": {"q": 0.3}}.get(name, {})
    loss = Loss(name, **params)
    out = _rng(4).normal(size=(6, 3)).astype(dtype)
    if name == "binary_cross_entropy":
        y = _rng(5).uniform(size=(6, 3)).astype(dtype)
    elif name == "cross_entropy":
        y = np.eye(3, dtype=dtype)[_rng(5).integers(0, 3, size=6)]
    elif name == "poisson":
        y = _rng(5).poisson(1.5, size=(6, 3)).astype(dtype)
    else:
        y = _rng(5).normal(size=(6, 3)).astype(dtype)
    grad = np.empty_like(out)
    value = downstream.loss(loss.id, loss.param, out, y, grad)
    expected_value, expected_grad = fastnet.reference.losses.loss_gradient(loss, out.tolist(), y.tolist())
    _close(value, expected_value, dtype)
    _close(grad, expected_grad, dtype)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_downstream_training_step_matches_reference(downstream, optimizer, dtype):
    """dense_forward, activation, loss, backprop and the optimizer update, downstream, three steps."""
    n, n_in, n_out, steps = 7, 3, 2, 3
    X = _rng(6).normal(size=(n, n_in)).astype(dtype)
    Y = _rng(7).normal(size=(n, n_out)).astype(dtype)
    ref = fastnet.reference.Network([fastnet.reference.Dense(n_in, n_out, "tanh")], loss="mse",
                                    dtype="float64", seed=11)
    ref.params = [float(p) for p in np.asarray(ref.params, dtype=dtype)]  # start from the same rounded values
    ref_opt = OPTIMIZERS[optimizer](lr=0.05)

    ours_opt = OPTIMIZERS[optimizer](lr=0.05)
    params = np.asarray(ref.params, dtype=dtype)
    grads = np.zeros_like(params)
    state = np.zeros((ours_opt.n_state, params.size), dtype=dtype)
    for row in range(ours_opt.n_state):
        state[row] = ours_opt.initial_state_value(row)
    hyper = np.asarray(ours_opt.hyper_vector(), dtype=np.float64)
    a = np.empty((n, n_out), dtype=dtype)
    delta = np.empty((n, n_out), dtype=dtype)
    act, mse = Activation("tanh").id, Loss("mse").id

    for t in range(1, steps + 1):
        expected_loss = ref.backward(X.tolist(), Y.tolist())
        expected_grads = ref.grads
        ref_opt.step(ref)
        value = downstream.train_step(act, mse, ours_opt.kernel_id, hyper, t, X, Y, params, grads,
                                      state, a, delta)
        _close(value, expected_loss, dtype)
        _close(grads, expected_grads, dtype)
        _close(params, ref.params, dtype)


def test_a_source_tree_without_compiled_kernels_says_so(tmp_path):
    """`python -m fastnet` in a clone that was installed with `pip install .` imports the clone
    (the working directory comes first on sys.path): a clear error, not "cannot import name"."""
    shutil.copytree(PACKAGE_DIR, tmp_path / "fastnet",
                    ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__", "*.c", "*.html"))
    result = subprocess.run([sys.executable, "-c", "import fastnet"], cwd=tmp_path, env=child_process_env(),
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert f"fastnet is being imported from {tmp_path / 'fastnet'}, a source tree whose kernels are not compiled" \
        in result.stderr
    assert "pip install -e ." in result.stderr

