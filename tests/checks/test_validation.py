"""Issue 8: every public entry point checks its arguments before any nogil call.

The kernels run with bounds checking off, so a missed check is a crash or
silent memory corruption. Each bad input below must give a ValueError or
TypeError whose message names the argument, what was expected and what was
given; each safe-to-convert input must give exactly the result of the same
call on a clean C-contiguous float copy.

Tests marked ``xfail(strict=True)`` (if any) describe a check that belongs in a file
outside the validation layer (fastnet/nn/network.py); they start passing, and
must then lose the marker, when that check is added.
"""

import subprocess
import sys

import numpy as np
import pytest

import fastnet
from helpers import child_process_env
from fastnet.checks.arrays import as_dtype, as_features, as_targets, optimizer_arrays
from fastnet.checks.scalars import check_bool, check_int, check_real, check_seed

METHODS = ["predict", "loss", "backward", "fit"]


def make_net(sizes=(3, 5, 2), loss="mse", dtype="float64", **kw):
    return fastnet.Network.mlp(list(sizes), loss=loss, dtype=dtype, seed=3, **kw)


def data(n=6, n_features=3, n_outputs=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, n_features)), rng.normal(size=(n, n_outputs))


def call(net, method, X, Y=None):
    """One public entry point on (X, Y); Y is made to fit when not given."""
    if Y is None:
        Y = np.zeros((np.shape(X)[0] if np.ndim(X) else 1, net.n_outputs))
    if method == "predict":
        return net.predict(X)
    if method == "fit":
        return net.fit(X, Y, epochs=1, batch_size=2)
    return getattr(net, method)(X, Y)


def result_of(net, method, X, Y=None):
    """What a call returns, as something comparable (fit: the parameters it leaves)."""
    out = call(net, method, X, Y)
    if method == "fit":
        return net.params.copy()
    if method == "backward":
        return np.array([out, *net.grads])
    return np.asarray(out)


# ---------------------------------------------------------------------------
# X: shape, emptiness, number of features
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_wrong_number_of_features(method):
    with pytest.raises(ValueError, match=r"X has 4 features but the network expects 3 \(X has shape \(6, 4\)\)"):
        call(make_net(), method, np.zeros((6, 4)))


@pytest.mark.parametrize("method", METHODS)
def test_one_dimensional_X_gets_a_reshape_hint(method):
    with pytest.raises(ValueError, match=r"X must be 2-D \(n_samples, n_features\), got 1-D with shape "
                                         r"\(3,\); use X.reshape\(1, -1\)"):
        call(make_net(), method, np.zeros(3))


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("X", [np.zeros((2, 3, 1)), np.float64(1.0), 5], ids=["3-D", "0-D", "int"])
def test_X_of_other_ranks(method, X):
    with pytest.raises(ValueError, match=r"X must be 2-D \(n_samples, n_features\), got \d-D with shape"):
        call(make_net(), method, X)


@pytest.mark.parametrize("method", METHODS)
def test_empty_X(method):
    with pytest.raises(ValueError, match=r"X is empty: it has 0 samples \(shape \(0, 3\)\); at least 1 is needed"):
        call(make_net(), method, np.zeros((0, 3)))


@pytest.mark.parametrize("method", METHODS)
def test_X_with_no_features(method):
    with pytest.raises(ValueError, match=r"X has 0 features but the network expects 3"):
        call(make_net(), method, np.zeros((4, 0)))


@pytest.mark.parametrize("method", METHODS)
def test_X_none(method):
    with pytest.raises(TypeError, match="X must be an array of numbers, got None"):
        call(make_net(), method, None, np.zeros((2, 2)))


@pytest.mark.parametrize("method", METHODS)
def test_ragged_X(method):
    with pytest.raises(ValueError, match="X must be a rectangular array of numbers.*rows of different lengths"):
        call(make_net(), method, [[1.0, 2.0, 3.0], [1.0, 2.0]], np.zeros((2, 2)))


# ---------------------------------------------------------------------------
# Y: shape and length
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["loss", "backward", "fit"])
def test_mismatched_lengths(method):
    X, Y = data(6)
    with pytest.raises(ValueError, match=r"X has 6 samples but Y has 5 \(Y has shape \(5, 2\)\)"):
        call(make_net(), method, X, Y[:5])


@pytest.mark.parametrize("method", ["loss", "backward", "fit"])
def test_empty_Y(method):
    X, _ = data(6)
    with pytest.raises(ValueError, match=r"X has 6 samples but Y has 0"):
        call(make_net(), method, X, np.zeros((0, 2)))


@pytest.mark.parametrize("method", ["loss", "backward", "fit"])
def test_Y_with_the_wrong_number_of_columns(method):
    X, _ = data(6)
    with pytest.raises(ValueError, match=r"Y has 3 columns but the network has 2 outputs; "
                                         r"Y must have shape \(6, 2\)"):
        call(make_net(), method, X, np.zeros((6, 3)))


@pytest.mark.parametrize("method", ["loss", "backward", "fit"])
def test_flat_Y_for_several_outputs(method):
    X, _ = data(6)
    with pytest.raises(ValueError, match=r"Y is 1-D but the network has 2 outputs; Y must have shape \(6, 2\)"):
        call(make_net(), method, X, np.zeros(6))


@pytest.mark.parametrize("Y", [np.zeros((6, 2, 1)), np.float64(0.0)], ids=["3-D", "0-D"])
def test_Y_of_other_ranks(Y):
    X, _ = data(6)
    with pytest.raises(ValueError, match=r"Y must be 1-D or 2-D .*got shape \((6, 2, 1)?\)"):
        make_net().loss(X, Y)


def test_Y_none():
    X, _ = data(6)
    with pytest.raises(TypeError, match="Y must be an array of numbers, got None"):
        make_net().loss(X, None)


def test_flat_Y_is_a_column_for_one_output():
    X, Y = data(6, n_outputs=1)
    net = make_net((3, 5, 1))
    assert net.loss(X, Y[:, 0]) == net.loss(X, Y)


# ---------------------------------------------------------------------------
# dtypes: convert what is safe, reject the rest
# ---------------------------------------------------------------------------

SAFE = {
    "int8": lambda a: np.round(a * 10).astype(np.int8),
    "uint64": lambda a: np.abs(np.round(a * 10)).astype(np.uint64),
    "int64": lambda a: np.round(a * 10).astype(np.int64),
    "bool": lambda a: a > 0,
    "float16": lambda a: a.astype(np.float16),
    "float32": lambda a: a.astype(np.float32),
    "big-endian": lambda a: a.astype(">f8"),
    "longdouble": lambda a: a.astype(np.longdouble),
    "object": lambda a: a.astype(object),
    "list": lambda a: a.tolist(),
}


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("kind", list(SAFE))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_safe_dtypes_are_converted(method, kind, dtype):
    X, Y = data(6)
    X_in = SAFE[kind](X)
    clean = np.ascontiguousarray(np.asarray(X_in, dtype=np.float64).astype(dtype))
    got = result_of(make_net(dtype=dtype), method, X_in, Y)
    want = result_of(make_net(dtype=dtype), method, clean, Y)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("kind", list(SAFE))
def test_safe_dtypes_are_converted_for_Y(kind):
    X, Y = data(6)
    Y_in = SAFE[kind](Y)
    clean = np.asarray(Y_in, dtype=np.float64)
    assert make_net().loss(X, Y_in) == make_net().loss(X, clean)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("bad,error,match", [
    (np.zeros((2, 3), complex), TypeError, r"X must be real, got complex dtype complex128; pass X.real"),
    (np.zeros((2, 3), np.complex64), TypeError, r"X must be real, got complex dtype complex64"),
    (np.array([["1", "2", "3"], ["4", "5", "6"]]), TypeError, r"X must hold numbers, got text \(dtype <U1\)"),
    (np.array([[b"1", b"2", b"3"]] * 2), TypeError, r"X must hold numbers, got text \(dtype \|S1\)"),
    (np.zeros((2, 3), "datetime64[s]"), TypeError, r"X must hold real numbers \(bool, int or float\), got dtype datetime64\[s\]"),
    (np.zeros((2, 3), "timedelta64[s]"), TypeError, r"got dtype timedelta64\[s\]"),
    (np.zeros((2, 3), [("a", "f8")]), TypeError, r"X must hold real numbers .*got dtype \[\('a', '<f8'\)\]"),
    (np.array([[1.0, "x", 2.0], [1.0, 2.0, 3.0]], dtype=object), TypeError,
     r"X must hold real numbers, got an object array that does not convert to float"),
    (np.array([[1.0, 2j, 2.0], [1.0, 2.0, 3.0]], dtype=object), TypeError,
     r"X must hold real numbers, got an object array that does not convert to float"),
    (np.array([[1.0, None, 2.0], [1.0, 2.0, 3.0]], dtype=object), ValueError,
     r"X must hold numbers, got None at index \(0, 1\)"),
], ids=["complex128", "complex64", "str", "bytes", "datetime", "timedelta", "structured",
        "object-str", "object-complex", "object-None"])
def test_unsafe_dtypes_are_rejected(method, bad, error, match):
    with pytest.raises(error, match=match):
        call(make_net(), method, bad, np.zeros((2, 2)))


@pytest.mark.parametrize("bad,error,match", [
    (np.zeros((6, 2), complex), TypeError, r"Y must be real, got complex dtype complex128"),
    (np.full((6, 2), "a"), TypeError, r"Y must hold numbers, got text"),
    (np.array([[None, 1.0]] * 6, dtype=object), ValueError, r"Y must hold numbers, got None at index \(0, 0\)"),
])
def test_unsafe_dtypes_are_rejected_for_Y(bad, error, match):
    X, _ = data(6)
    with pytest.raises(error, match=match):
        make_net().loss(X, bad)


def test_masked_arrays_with_masked_entries_are_rejected():
    X, Y = data(6)
    masked = np.ma.masked_array(X, mask=np.zeros_like(X, bool))
    net = make_net()
    np.testing.assert_array_equal(net.predict(masked), net.predict(X))  # nothing masked: fine
    masked[2, 1] = np.ma.masked
    with pytest.raises(ValueError, match=r"X is a masked array with 1 masked entries; fill them"):
        net.predict(masked)


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_matrix_subclass_behaves_as_an_array():
    X, _ = data(6)
    net = make_net((3, 4, 3), loss="cross_entropy")
    y = np.array([0, 2, 1, 1, 0, 2])
    assert net.loss(np.asmatrix(X), np.asmatrix(y).T) == net.loss(X, y)
    with pytest.raises(ValueError, match="X has 6 samples but Y has 1"):
        net.loss(X, np.asmatrix(y))  # a (1, 6) row of labels is not (6,)


# ---------------------------------------------------------------------------
# NaN, inf and overflow in the conversion
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_X(method, bad):
    X, Y = data(6)
    X[2, 1] = bad
    X[4, 0] = bad
    with pytest.raises(ValueError, match=rf"X contains NaN or infinity: X\[2, 1\] = {bad!r} \(and 1 more\); "
                                         "remove or impute"):
        call(make_net(), method, X, Y)


@pytest.mark.parametrize("method", ["loss", "backward", "fit"])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_Y(method, bad):
    X, Y = data(6)
    Y[3, 0] = bad
    with pytest.raises(ValueError, match=rf"Y contains NaN or infinity: Y\[3, 0\] = {bad!r}"):
        call(make_net(), method, X, Y)


def test_non_finite_float16_X():
    X = np.ones((2, 3), np.float16)
    X[1, 2] = np.inf
    with pytest.raises(ValueError, match=r"X contains NaN or infinity: X\[1, 2\] = inf"):
        make_net().predict(X)


@pytest.mark.parametrize("method", METHODS)
def test_values_that_overflow_float32_are_named(method):
    X, Y = data(6)
    X[1, 2] = -1e300
    with _no_warnings():
        with pytest.raises(ValueError, match=r"X\[1, 2\] = -1e\+300 is too large for float32 \(largest finite "
                                             r"value 3.403e\+38\); scale X or use a network with dtype='float64'"):
            call(make_net(dtype="float32"), method, X, Y)


def test_values_that_overflow_float64_from_long_double():
    X = np.ones((2, 3), np.longdouble)
    if np.finfo(np.longdouble).max <= np.finfo(np.float64).max:
        pytest.skip("long double is double here")
    X[0, 0] = np.longdouble("1e400")
    with pytest.raises(ValueError, match=r"X\[0, 0\] = .* is too large for float64"):
        make_net(dtype="float64").predict(X)


class _no_warnings:
    """Turn warnings into errors: a numpy 'overflow encountered in cast' must not leak out."""

    def __enter__(self):
        import warnings
        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("error")

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def test_subnormal_and_huge_but_representable_values_are_accepted():
    X = np.array([[5e-324, -5e-324, 0.0], [1e-310, 1e300, -1e300]])
    out = make_net(dtype="float64").predict(X)
    assert out.shape == (2, 2)
    X32 = np.array([[1e-45, -1e-45, 0.0], [1e-40, 1e3, -1e3]], np.float32)
    assert np.isfinite(make_net(dtype="float32").predict(X32)).all()


# ---------------------------------------------------------------------------
# Memory layouts: accepted, copied only when needed
# ---------------------------------------------------------------------------

def _layouts(X, tmp_path):
    """The same values as X in many memory layouts."""
    n, m = X.shape
    out = {}
    big = np.zeros((2 * n, 3 * m))
    big[::2, ::3] = X
    out["strided"] = big[::2, ::3]
    out["fortran"] = np.asfortranarray(X)
    out["transposed"] = np.ascontiguousarray(X.T).T
    out["reversed"] = X[::-1].copy()[::-1]
    ro = X.copy()
    ro.flags.writeable = False
    out["read-only"] = ro
    mm = np.memmap(tmp_path / "X.dat", dtype=X.dtype, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    out["memmap-r"] = np.memmap(tmp_path / "X.dat", dtype=X.dtype, mode="r", shape=X.shape)
    out["memmap-c"] = np.memmap(tmp_path / "X.dat", dtype=X.dtype, mode="c", shape=X.shape)
    raw = np.zeros(X.nbytes + 1, np.uint8)
    unaligned = np.ndarray(X.shape, dtype=X.dtype, buffer=raw, offset=1)
    unaligned[:] = X
    out["unaligned"] = unaligned
    out["broadcast-row"] = np.broadcast_to(X[:1], X.shape)  # stride 0 along the rows
    return out


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("layout", ["strided", "fortran", "transposed", "reversed", "read-only", "memmap-r",
                                    "memmap-c", "unaligned", "broadcast-row"])
def test_memory_layouts_give_the_result_of_a_clean_copy(method, layout, tmp_path):
    X, Y = data(6)
    X_in = _layouts(X, tmp_path)[layout]
    clean = np.array(X_in, dtype=np.float64, order="C")
    np.testing.assert_array_equal(result_of(make_net(), method, X_in, Y),
                                  result_of(make_net(), method, clean, Y))


@pytest.mark.parametrize("layout", ["strided", "fortran", "read-only", "memmap-r", "unaligned"])
def test_memory_layouts_of_Y(layout, tmp_path):
    X, Y = data(6)
    Y_in = _layouts(Y, tmp_path)[layout]
    assert make_net().loss(X, Y_in) == make_net().loss(X, np.array(Y_in, order="C"))


def test_arrays_already_in_shape_are_not_copied(tmp_path):
    X, _ = data(6)
    layouts = _layouts(X, tmp_path)
    for name in ("read-only", "memmap-r", "memmap-c"):
        checked = as_features(layouts[name], 3, np.float64)
        assert np.shares_memory(checked, layouts[name]), name
    assert np.shares_memory(as_features(X, 3, np.float64), X)
    for name in ("strided", "fortran", "unaligned"):
        checked = as_features(layouts[name], 3, np.float64)
        assert not np.shares_memory(checked, layouts[name]), name
        assert checked.flags.c_contiguous and checked.flags.aligned


def test_read_only_inputs_are_not_written():
    X, Y = data(6)
    X.flags.writeable = False
    Y.flags.writeable = False
    before = X.copy(), Y.copy()
    net = make_net()
    net.fit(X, Y, epochs=2, batch_size=2, shuffle=True)
    net.backward(X, Y)
    np.testing.assert_array_equal(X, before[0])
    np.testing.assert_array_equal(Y, before[1])


# ---------------------------------------------------------------------------
# sample_weight
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["loss", "backward", "fit"])
@pytest.mark.parametrize("bad,error,match", [
    (np.ones(5), ValueError, r"sample_weight must have shape \(6,\), one weight per sample, got shape \(5,\)"),
    (np.ones((6, 1)), ValueError, r"sample_weight must have shape \(6,\), one weight per sample, got shape \(6, 1\)"),
    (np.array([1, 1, -2, 1, 1, 1.0]), ValueError, r"sample_weight must be >= 0, got sample_weight\[2\] = -2.0"),
    (np.zeros(6), ValueError, r"sample_weight must have a positive sum, got all zeros"),
    (np.array([1, 1, 1, np.nan, 1, 1]), ValueError, r"sample_weight contains NaN or infinity: sample_weight\[3\] = nan"),
    (np.array([1, 1, 1, 1e300, 1, 1]), ValueError, r"sample_weight\[3\] = 1e\+300 is too large for float32"),
    (np.ones(6, complex), TypeError, r"sample_weight must be real, got complex dtype complex128"),
    (np.full(6, "1"), TypeError, r"sample_weight must hold numbers, got text"),
    (np.array([1, None, 1, 1, 1, 1], object), ValueError, r"sample_weight must hold numbers, got None at index \(1,\)"),
], ids=["short", "2-D", "negative", "zeros", "nan", "overflow", "complex", "str", "None"])
def test_bad_sample_weight(method, bad, error, match):
    X, Y = data(6)
    net = make_net(dtype="float32")
    before = net.params.copy()
    with _no_warnings():
        with pytest.raises(error, match=match):
            if method == "fit":
                net.fit(X, Y, sample_weight=bad)
            else:
                getattr(net, method)(X, Y, sample_weight=bad)
    np.testing.assert_array_equal(net.params, before)


@pytest.mark.parametrize("kind", ["int8", "uint64", "bool", "float16", "object", "list", "strided", "read-only"])
def test_safe_sample_weights_are_converted(kind):
    X, Y = data(6)
    w = np.array([1.0, 2.0, 0.0, 3.0, 1.0, 1.0])
    given = {"int8": w.astype(np.int8), "uint64": w.astype(np.uint64), "bool": w > 0, "float16": w.astype(np.float16),
             "object": w.astype(object), "list": w.tolist(), "strided": np.repeat(w, 2)[::2]}.get(kind)
    if kind == "read-only":
        given = w.copy()
        given.flags.writeable = False
    clean = np.asarray(given, dtype=np.float64)
    assert make_net().loss(X, Y, sample_weight=given) == make_net().loss(X, Y, sample_weight=clean)
    a, b = make_net(), make_net()
    a.fit(X, Y, sample_weight=given, epochs=2, batch_size=2)
    b.fit(X, Y, sample_weight=clean, epochs=2, batch_size=2)
    np.testing.assert_array_equal(a.params, b.params)


def test_huge_float32_weights_do_not_overflow_the_check():
    X, Y = data(6)
    w = np.full(6, 3e38, np.float32)
    net = make_net(dtype="float32")
    with _no_warnings():
        assert net.loss(X, Y, sample_weight=w) == pytest.approx(net.loss(X, Y), rel=1e-6)


# ---------------------------------------------------------------------------
# Class labels and losses that do not fit the output layer
# ---------------------------------------------------------------------------

@pytest.fixture
def ce_net():
    return make_net((3, 5, 3), loss="cross_entropy")


@pytest.mark.parametrize("method", ["loss", "backward", "fit"])
@pytest.mark.parametrize("labels,shown", [
    ([0, 3, 1, 0, 2, 1], "3"),
    ([0, -1, 1, 0, 2, 1], "-1"),
    (np.array([0, 2**63, 1, 0, 2, 1], np.uint64), "9223372036854775808"),
    (np.array([0, 1e30, 1, 0, 2, 1]), r"1e\+30"),
    (np.array([0, 7, 1, 0, 2, 1], np.int8), "7"),
    (np.array([0.0, 3.0, 1.0, 0.0, 2.0, 1.0], np.float32), "3"),
], ids=["too-big", "negative", "uint64-huge", "float-huge", "int8", "float32"])
def test_class_labels_out_of_range(ce_net, method, labels, shown):
    X, _ = data(6)
    with _no_warnings():
        with pytest.raises(ValueError, match=rf"Y has class label {shown} at position 1 but the network has 3 "
                                             r"outputs, so labels must lie in \[0, 2\]"):
            call(ce_net, method, X, labels)


@pytest.mark.parametrize("label", [2.5, -0.5, 1e-9])
def test_non_integer_class_labels(ce_net, label):
    X, _ = data(6)
    with pytest.raises(ValueError, match=r"class labels for cross_entropy, which must be integers; got "
                                         r"non-integer values such as .* at position 4"):
        ce_net.loss(X, [0, 1, 2, 0, label, 1])


def test_non_finite_class_labels(ce_net):
    X, _ = data(6)
    with pytest.raises(ValueError, match=r"Y contains NaN or infinity: Y\[2\] = nan"):
        ce_net.loss(X, [0, 1, np.nan, 0, 1, 1])


@pytest.mark.parametrize("labels", [
    [0, 2, 1, 0, 2, 1], np.array([0, 2, 1, 0, 2, 1], np.uint8), np.array([[0], [2], [1], [0], [2], [1]]),
    np.array([0.0, 2.0, 1.0, 0.0, 2.0, 1.0], np.float16), np.array([0, 2, 1, 0, 2, 1], object)])
def test_class_labels_in_any_integer_form(ce_net, labels):
    X, _ = data(6)
    onehot = np.eye(3)[[0, 2, 1, 0, 2, 1]]
    assert ce_net.loss(X, labels) == ce_net.loss(X, onehot)


def test_bool_class_labels(ce_net):
    X, _ = data(6)
    labels = np.array([True, False, True, True, False, False])
    assert ce_net.loss(X, labels) == ce_net.loss(X, labels.astype(int))


def test_negative_class_probabilities(ce_net):
    X, _ = data(2)
    with pytest.raises(ValueError, match="Y rows are class probabilities for cross_entropy and must be >= 0, got -0.5"):
        ce_net.loss(X, [[1.5, -0.5, 0.0], [1.0, 0.0, 0.0]])


def test_cross_entropy_needs_two_outputs_and_softmax():
    with pytest.raises(ValueError, match="loss 'cross_entropy' needs at least 2 output units, got 1; for two "
                                         "classes with one output use 'binary_cross_entropy'"):
        fastnet.Network.mlp([3, 1], loss="cross_entropy")
    with pytest.raises(ValueError, match="loss 'cross_entropy' needs the output layer's activation to be "
                                         "'softmax', got 'sigmoid'"):
        fastnet.Network.mlp([3, 2], loss="cross_entropy", output_activation="sigmoid")
    with pytest.raises(ValueError, match="loss 'binary_cross_entropy' needs the output layer's activation to "
                                         "be 'sigmoid', got 'identity'"):
        fastnet.Network([fastnet.Dense(3, 1)], loss="binary_cross_entropy")


@pytest.mark.parametrize("method", ["loss", "backward", "fit"])
@pytest.mark.parametrize("bad,shown", [(1.5, r"\[0, 1.5\]"), (-0.25, r"\[-0.25, 1\]")])
def test_binary_cross_entropy_targets_outside_0_1(method, bad, shown):
    X, _ = data(4)
    Y = np.array([[0.0], [1.0], [bad], [0.5]])
    net = make_net((3, 4, 1), loss="binary_cross_entropy")
    with pytest.raises(ValueError, match=rf"Y must lie in \[0, 1\] for binary_cross_entropy, got values in {shown}"):
        call(net, method, X, Y)


def test_binary_cross_entropy_accepts_the_closed_interval():
    X, _ = data(4)
    net = make_net((3, 4, 1), loss="binary_cross_entropy")
    assert np.isfinite(net.loss(X, np.array([0.0, 1.0, -0.0, 0.5])))


# ---------------------------------------------------------------------------
# Hyperparameters
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("cls", [fastnet.SGD, fastnet.Adam, fastnet.AdamW, fastnet.RMSprop, fastnet.Adagrad])
@pytest.mark.parametrize("lr,error,match", [
    (0, ValueError, r"lr must be > 0.0, got 0.0"),
    (-0.1, ValueError, r"lr must be > 0.0, got -0.1"),
    (float("nan"), ValueError, r"lr must be finite, got nan"),
    (float("inf"), ValueError, r"lr must be finite, got inf"),
    (10**400, ValueError, r"lr must be finite, got an integer of about 2\*\*1329, which is too large"),
    ("0.1", TypeError, r"lr must be a real number, got str '0.1'"),
    (None, TypeError, r"lr must be a real number, got NoneType None"),
    (True, TypeError, r"lr must be a real number, got bool True"),
    (np.array([0.1]), TypeError, r"lr must be a real number, got ndarray"),
])
def test_learning_rate(cls, lr, error, match):
    with pytest.raises(error, match=match):
        cls(lr=lr)


@pytest.mark.parametrize("cls", [fastnet.Adam, fastnet.AdamW])
@pytest.mark.parametrize("betas,error,match", [
    ((1.0, 0.999), ValueError, r"betas\[0\] must be < 1.0, got 1.0"),
    ((0.9, 1.0), ValueError, r"betas\[1\] must be < 1.0, got 1.0"),
    ((-0.1, 0.999), ValueError, r"betas\[0\] must be >= 0.0, got -0.1"),
    ((0.9, 1.5), ValueError, r"betas\[1\] must be < 1.0, got 1.5"),
    ((0.9, float("nan")), ValueError, r"betas\[1\] must be finite, got nan"),
    ((0.9,), TypeError, r"betas must be a pair \(beta1, beta2\), got \(0.9,\)"),
    (0.9, TypeError, r"betas must be a pair"),
    (("a", 0.9), TypeError, r"betas\[0\] must be a real number, got str 'a'"),
])
def test_betas(cls, betas, error, match):
    with pytest.raises(error, match=match):
        cls(betas=betas)


@pytest.mark.parametrize("make", [
    lambda eps: fastnet.Adam(eps=eps), lambda eps: fastnet.AdamW(eps=eps),
    lambda eps: fastnet.RMSprop(eps=eps), lambda eps: fastnet.Adagrad(eps=eps)])
@pytest.mark.parametrize("eps,match", [(0.0, r"eps must be > 0.0, got 0.0"), (-1e-8, r"eps must be > 0.0, got -1e-08")])
def test_eps(make, eps, match):
    with pytest.raises(ValueError, match=match):
        make(eps)


@pytest.mark.parametrize("make,match", [
    (lambda: fastnet.SGD(momentum=-0.5), r"momentum must be >= 0.0, got -0.5"),
    (lambda: fastnet.SGD(dampening=1.5), r"dampening must be <= 1.0, got 1.5"),
    (lambda: fastnet.SGD(weight_decay=-1), r"weight_decay must be >= 0.0, got -1.0"),
    (lambda: fastnet.SGD(nesterov=True), r"nesterov=True needs momentum > 0 and dampening = 0, got momentum=0.0"),
    (lambda: fastnet.RMSprop(alpha=1.5), r"alpha must be <= 1.0, got 1.5"),
    (lambda: fastnet.RMSprop(momentum=-1), r"momentum must be >= 0.0, got -1.0"),
    (lambda: fastnet.Adagrad(lr_decay=-1), r"lr_decay must be >= 0.0, got -1.0"),
    (lambda: fastnet.Adagrad(initial_accumulator_value=-1), r"initial_accumulator_value must be >= 0.0, got -1.0"),
    (lambda: fastnet.Loss("huber", delta=0), r"delta must be > 0.0, got 0.0"),
    (lambda: fastnet.Activation("leaky_relu", negative_slope=-0.1), r"negative_slope must be >= 0.0, got -0.1"),
])
def test_other_hyperparameters_out_of_range(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("make,match", [
    (lambda: fastnet.SGD(momentum=0.9, nesterov="yes"), r"nesterov must be True or False, got str 'yes'"),
    (lambda: fastnet.Adam(amsgrad=2), r"amsgrad must be True or False, got int 2"),
    (lambda: fastnet.RMSprop(centered=None), r"centered must be True or False, got NoneType None"),
])
def test_boolean_options(make, match):
    with pytest.raises(TypeError, match=match):
        make()


def test_numpy_scalars_are_accepted_as_hyperparameters():
    opt = fastnet.SGD(lr=np.float32(0.5), momentum=np.float64(0.9), nesterov=np.True_)
    assert opt.lr == 0.5 and opt.momentum == 0.9 and opt.nesterov is True
    assert fastnet.Adam(lr=np.array(0.01), amsgrad=np.bool_(False)).lr == 0.01  # 0-d arrays too
    X, Y = data(6)
    make_net().fit(X, Y, epochs=np.int64(2), batch_size=np.uint8(3), early_stopping=np.int32(1))


@pytest.mark.parametrize("kwargs,error,match", [
    ({"epochs": -1}, ValueError, r"epochs must be >= 0, got -1"),
    ({"epochs": 1.0}, TypeError, r"epochs must be an integer, got float 1.0"),
    ({"epochs": "3"}, TypeError, r"epochs must be an integer, got str '3'"),
    ({"epochs": True}, TypeError, r"epochs must be an integer, got bool True"),
    ({"batch_size": 0}, ValueError, r"batch_size must be >= 1, got 0"),
    ({"batch_size": -5}, ValueError, r"batch_size must be >= 1, got -5"),
    ({"batch_size": 2.5}, TypeError, r"batch_size must be an integer, got float 2.5"),
    ({"early_stopping": -1}, ValueError, r"early_stopping must be >= 0, got -1"),
    ({"early_stopping": 0.5}, TypeError, r"early_stopping must be an integer, got float 0.5"),
    ({"min_delta": -0.1}, ValueError, r"min_delta must be >= 0.0, got -0.1"),
    ({"max_norm": -1.0}, ValueError, r"max_norm must be > 0.0, got -1.0"),
    ({"max_norm": float("inf")}, ValueError, r"max_norm must be finite, got inf"),
    ({"seed": -1}, ValueError, r"seed must be an integer in \[0, 2\*\*64\), got -1"),
    ({"seed": 2**64}, ValueError, r"seed must be an integer in \[0, 2\*\*64\), got 18446744073709551616"),
    ({"seed": 1.5}, ValueError, r"seed must be an integer in \[0, 2\*\*64\), got 1.5"),
    ({"optimizer": "newton"}, ValueError, r"unknown optimizer 'newton'; expected one of 'sgd', 'adam'.*'lbfgs'"),
    ({"optimizer": 3}, TypeError, r"optimizer must be an Optimizer or a name .*got int"),
    ({"validation_split": 1.0}, ValueError, r"validation_split must be < 1.0, got 1.0"),
    ({"validation_data": (np.zeros((2, 3)),)}, TypeError, r"validation_data must be a pair"),
    ({"rollback": "no"}, TypeError, r"rollback must be True or False, got str 'no'"),
    ({"rollback": None}, TypeError, r"rollback must be True or False, got NoneType None"),
])
def test_fit_arguments(kwargs, error, match):
    X, Y = data(6)
    net = make_net()
    before = net.params.copy()
    with pytest.raises(error, match=match):
        net.fit(X, Y, **kwargs)
    np.testing.assert_array_equal(net.params, before)  # a rejected call changes nothing


def test_fit_checks_shuffle():
    X, Y = data(6)
    with pytest.raises(TypeError, match=r"shuffle must be True or False, got str 'no'"):
        make_net().fit(X, Y, shuffle="no")


def test_fit_names_callbacks_when_they_are_not_a_list():
    X, Y = data(6)
    with pytest.raises(TypeError, match=r"callbacks must be"):
        make_net().fit(X, Y, callbacks=5)


def test_errors_in_validation_data_name_it():
    X, Y = data(6)
    Xv = X.copy()
    Xv[1, 1] = np.nan
    with pytest.raises(ValueError, match=r"validation_data|X_val"):
        make_net().fit(X, Y, validation_data=(Xv, Y))


# ---------------------------------------------------------------------------
# Building networks
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("make,error,match", [
    (lambda: fastnet.Dense(0, 3), ValueError, r"n_in must be >= 1, got 0"),
    (lambda: fastnet.Dense(3, -2), ValueError, r"n_out must be >= 1, got -2"),
    (lambda: fastnet.Dense(3.0, 2), TypeError, r"n_in must be an integer, got float 3.0"),
    (lambda: fastnet.Dense(3, 2, "swish"), ValueError, r"unknown activation 'swish'; expected one of 'identity'"),
    (lambda: fastnet.Dense(3, 2, None), TypeError, r"activation must be a string, one of .*; got NoneType None"),
    (lambda: fastnet.Network([]), ValueError, r"layers must hold at least one Dense layer, got none"),
    (lambda: fastnet.Network([fastnet.Dense(3, 2), "x"]), TypeError, r"layers\[1\] must be a fastnet.Dense or a fastnet.Dropout, got str"),
    (lambda: fastnet.Network([fastnet.Dense(3, 2), fastnet.Dense(4, 1)]), ValueError,
     r"layers\[1\] takes 4 inputs but layers\[0\] gives 2 outputs"),
    (lambda: fastnet.Network.mlp([3]), ValueError, r"sizes must list at least an input and an output width, got \[3\]"),
    (lambda: fastnet.Network.mlp([3, 1], loss="hinge"), ValueError, r"unknown loss 'hinge'; expected one of"),
    (lambda: fastnet.Network.mlp([3, 1], dtype="float16"), ValueError, r"dtype must be 'float32' or 'float64', got 'float16'"),
    (lambda: fastnet.Network.mlp([3, 1], dtype="int32"), ValueError, r"dtype must be 'float32' or 'float64', got 'int32'"),
    (lambda: fastnet.Network.mlp([3, 1], dtype=None), ValueError, r"dtype must be 'float32' or 'float64', got None"),
    (lambda: fastnet.Network.mlp([3, 1], dtype="nonsense"), ValueError, r"dtype must be 'float32' or 'float64', got 'nonsense'"),
    (lambda: fastnet.Network.mlp([3, 1], seed=-1), ValueError, r"seed must be an integer in \[0, 2\*\*64\), got -1"),
    (lambda: fastnet.Network.mlp([3, 1], seed=10**5000), ValueError, r"seed must be an integer in \[0, 2\*\*64\), got an integer"),
    (lambda: fastnet.Network.mlp([3, 1], seed="0"), ValueError, r"seed must be an integer in \[0, 2\*\*64\), got '0'"),
])
def test_building_networks(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("dtype", ["float32", np.float32, np.dtype("float32"), "f4"])
def test_dtype_spellings(dtype):
    assert as_dtype(dtype) == np.float32


def test_mlp_names_sizes_when_it_is_a_zero_d_array():
    with pytest.raises(TypeError, match=r"sizes must be a list of layer widths"):
        fastnet.Network.mlp(np.array(3))


def test_mlp_names_sizes_when_it_is_not_a_list():
    with pytest.raises(TypeError, match=r"sizes must be"):
        fastnet.Network.mlp(5)


def test_mlp_names_the_bad_entry_of_sizes():
    with pytest.raises(ValueError, match=r"sizes\[1\] must be >= 1, got 0"):
        fastnet.Network.mlp([3, 0, 1])


def test_absurd_layer_sizes_get_a_value_error():
    with pytest.raises((ValueError, MemoryError), match="param"):
        fastnet.Network.mlp([2**40, 2**40])


def test_params_setter_checks_its_value():
    net = make_net()
    with pytest.raises(ValueError, match=r"params must have shape \(32,\), got \(3,\)"):
        net.params = np.zeros(3)
    with pytest.raises(ValueError, match="params contains NaN or infinity"):
        net.params = np.full(net.n_params, np.nan)
    with pytest.raises(TypeError, match="params must be real numbers, got dtype <U1"):
        net.params = np.full(net.n_params, "a")


# ---------------------------------------------------------------------------
# Scalar checks (fastnet/checks/scalars.py) in isolation
# ---------------------------------------------------------------------------

def test_scalar_checks():
    assert check_real("x", np.float32(0.5)) == 0.5
    assert check_real("x", np.array(2.0)) == 2.0
    assert check_int("x", np.array(3)) == 3
    assert check_int("x", np.uint64(2**63)) == 2**63
    assert check_bool("x", np.True_) is True and check_bool("x", 0) is False
    assert check_seed(np.uint64(2**64 - 1)) == 2**64 - 1
    with pytest.raises(ValueError, match=r"x must be finite, got an integer of about 2\*\*1329"):
        check_real("x", 10**400)
    with pytest.raises(ValueError, match=r"x must be >= 0, got an integer of about 2\*\*16610"):
        check_int("x", -10**5000, low=0)  # whose repr Python refuses (int_max_str_digits)
    with pytest.raises(TypeError, match=r"x must be an integer, got ndarray"):
        check_int("x", np.array([3]))
    # Messages about huge integers must not themselves fail (repr of 10**5000 raises ValueError).
    with pytest.raises(TypeError, match=r"activation must be a string, one of .*; got int an integer of about 2\*\*16610"):
        fastnet.Activation(10**5000)
    with pytest.raises(TypeError, match=r"nesterov must be True or False, got int an integer of about"):
        fastnet.SGD(momentum=0.9, nesterov=10**5000)
    with pytest.raises(ValueError, match=r"unknown loss 'xxxxx.*\.\.\.; expected one of"):
        fastnet.Loss("x" * 10000)
    with pytest.raises(TypeError, match=r"x must be True or False, got ndarray"):
        check_bool("x", np.array([True, False]))


# ---------------------------------------------------------------------------
# The optimizer the kernels are handed (checked by _arrays.optimizer_arrays)
# ---------------------------------------------------------------------------

class _NoKernel(fastnet.Optimizer):
    """A user's optimizer: it subclasses Optimizer, as the docstring invites, but has no compiled rule."""
    name, n_state = "mine", 0

    def hyper_vector(self):
        return [self.lr]


class _ShortAdam(fastnet.Adam):
    def hyper_vector(self):
        return super().hyper_vector()[:2]


def _bound(opt, net):
    opt.bind(net)
    return opt


def test_optimizer_arrays_accepts_fastnet_optimizers():
    net = make_net()
    for cls in fastnet.OPTIMIZERS.values():
        opt = _bound(cls(), net)
        hyper, state = optimizer_arrays(opt, net.n_params, net.dtype)
        assert hyper.dtype == np.float64 and state is opt.state
        # The table in _arrays agrees with the kernel's own check (fastnet/_core/optimizers.pyx).
        from fastnet._core import optimizers as kernels
        kernels.step(opt.kernel_id, hyper, 1, net.params.copy(), net.grads, state.copy())


@pytest.mark.parametrize("spoil,error,match", [
    (lambda opt, net: setattr(opt, "state", None), ValueError, r"optimizer.state must be an array of shape \(2, 32\), got NoneType"),
    (lambda opt, net: setattr(opt, "state", np.zeros((2, 33))), ValueError, r"optimizer.state must be .* shape \(2, 32\), got float64 \(2, 33\)"),
    (lambda opt, net: setattr(opt, "state", np.zeros((2, 32), np.float32)), ValueError, r"got float32 \(2, 32\)"),
    (lambda opt, net: setattr(opt, "state", np.zeros((32, 2)).T), ValueError, r"C-contiguous"),
    (lambda opt, net: setattr(opt, "state", np.zeros((3, 32))), ValueError,
     r"optimizer.state has 3 rows but the adam rule with these hyperparameters uses 2"),
    (lambda opt, net: setattr(opt, "amsgrad", True), ValueError,
     r"optimizer.state has 2 rows but the adam rule with these hyperparameters uses 3: momentum, amsgrad"),
    (lambda opt, net: setattr(opt, "t", -1), ValueError, r"optimizer.t .* must be an integer >= 0, got -1"),
    (lambda opt, net: setattr(opt, "lr", 0.0), ValueError, r"lr must be > 0(\.0)?, got 0.0"),
    (lambda opt, net: setattr(opt, "eps", float("nan")), ValueError, r"optimizer hyperparameters must be finite"),
])
def test_optimizer_arrays_rejects_spoilt_state(spoil, error, match):
    net = make_net()
    opt = _bound(fastnet.Adam(), net)
    with pytest.raises(error, match=match):  # from the optimizer itself if it checks the value on assignment
        spoil(opt, net)
        optimizer_arrays(opt, net.n_params, net.dtype)


@pytest.mark.parametrize("change", ["momentum", "amsgrad", "centered"])
def test_a_hyperparameter_that_changes_the_state_rows_after_training_asks_for_reset(change):
    X, Y = data(6)
    net = make_net()
    opt = {"momentum": fastnet.SGD(lr=0.1), "amsgrad": fastnet.Adam(),
           "centered": fastnet.RMSprop()}[change]
    net.fit(X, Y, optimizer=opt, epochs=1)
    before = net.params.copy()
    setattr(opt, change, 0.9 if change == "momentum" else True)
    with pytest.raises(ValueError, match=r"optimizer.state of this .* has \d rows but its hyperparameters use "
                                         r"\d .* changed after it was made; call reset\(\)"):
        net.fit(X, Y, epochs=1)
    np.testing.assert_array_equal(net.params, before)
    opt.reset()
    net.fit(X, Y, optimizer=opt, epochs=1)   # afresh, with the rows the new setting uses
    assert opt.state.shape == (opt.n_state, net.n_params) and opt.n_state >= 1


def test_optimizer_arrays_rejects_optimizers_without_a_kernel():
    net = make_net()
    with pytest.raises(TypeError, match=r"optimizer _NoKernel has no compiled update rule \(kernel_id=-1\)"):
        optimizer_arrays(_bound(_NoKernel(0.1), net), net.n_params, net.dtype)
    with pytest.raises(ValueError, match=r"optimizer.hyper_vector\(\) must give 6 numbers for the adam rule, "
                                         r"got shape \(2,\)"):
        optimizer_arrays(_bound(_ShortAdam(), net), net.n_params, net.dtype)


def test_a_custom_optimizer_step_is_refused():
    net = make_net()
    X, Y = data(6)
    net.backward(X, Y)
    with pytest.raises(ValueError, match="unknown optimizer id -1"):
        _NoKernel(0.1).step(net)


def test_fit_refuses_an_optimizer_without_a_kernel():
    X, Y = data(6)
    net = make_net()
    before = net.params.copy()
    try:
        net.fit(X, Y, optimizer=_NoKernel(0.1), epochs=2)
    except TypeError as exc:
        assert "no compiled update rule" in str(exc)
        return
    assert not np.array_equal(net.params, before), "fit ran, and the parameters did not move"


def test_fit_refuses_a_short_hyper_vector():
    X, Y = data(6)
    with pytest.raises(ValueError, match="hyper_vector"):
        make_net().fit(X, Y, optimizer=_ShortAdam(), epochs=1)


def test_fit_refuses_a_replaced_optimizer_state():
    X, Y = data(6)
    net = make_net()
    opt = fastnet.Adam()
    net.fit(X, Y, optimizer=opt, epochs=1)
    # Bigger than needed, so that this test itself stays within bounds today.
    opt.state = np.zeros((2, net.n_params + 5))
    with pytest.raises(ValueError, match=r"optimizer.state must be .* of shape"):
        net.fit(X, Y, epochs=1)


def _tamper_state_in_place(how):
    def tamper(opt):
        if how == "reshape":
            opt.state.shape = (opt.state.shape[1], opt.state.shape[0])   # same object, rows and columns swapped
        elif how == "read-only":
            opt.state.flags.writeable = False
        elif how == "nan-lr":
            opt.lr = float("nan")
        elif how == "bad-step-count":
            opt.t = -3
    return tamper


@pytest.mark.parametrize("how, message", [
    ("reshape", "optimizer.state (must be|has 32 rows)"),
    ("read-only", "optimizer.state must be"), ("nan-lr", "(hyperparameters|lr) must be finite"),
    ("bad-step-count", "optimizer.t"),
])
def test_fit_checks_the_optimizer_again_after_a_callback_changed_it_in_place(how, message):
    # fit skips the full optimizer checks while nothing changed since the last
    # epoch (fastnet.checks.arrays.OptimizerArrays); a change made in place, to the
    # same objects, between two epochs must still be caught before the kernel.
    X, Y = data(6)
    net = make_net()
    opt = fastnet.Adam()
    tamper = _tamper_state_in_place(how)
    with pytest.raises(ValueError, match=message):
        net.fit(X, Y, optimizer=opt, epochs=3, callbacks=[lambda epoch, logs: tamper(opt)])


def test_fit_uses_a_learning_rate_changed_by_a_callback():
    # The checked hyperparameters are reused between epochs only while they are unchanged.
    X, Y = data(6)
    runs = []
    for halve in (False, True):
        net = make_net()
        opt = fastnet.SGD(lr=0.1)

        def callback(epoch, logs, opt=opt, halve=halve):
            if halve:
                opt.lr = 0.05
        net.fit(X, Y, optimizer=opt, epochs=2, callbacks=[callback], shuffle=False)
        runs.append(net.params.copy())
    expected = make_net()
    expected.fit(X, Y, optimizer=fastnet.SGD(lr=0.1), epochs=1, shuffle=False)
    expected.fit(X, Y, optimizer=fastnet.SGD(lr=0.05), epochs=1, shuffle=False)
    assert not np.allclose(runs[0], runs[1])
    np.testing.assert_allclose(runs[1], expected.params, rtol=1e-12, atol=1e-12)


_RESET_IN_CALLBACK = """
import numpy as np, fastnet
rng = np.random.default_rng(0)
X, Y = rng.normal(size=(20, 3)), rng.normal(size=(20, 1))
net = fastnet.Network.mlp([3, 4, 1], dtype="float64")
opt = fastnet.Adam()
try:
    net.fit(X, Y, optimizer=opt, epochs=3, callbacks=[lambda epoch, logs: opt.reset()])
except (ValueError, TypeError) as exc:
    print("clear error:", exc)
else:
    print("trained:", bool(np.isfinite(net.params).all()))
"""


def test_resetting_the_optimizer_in_a_callback_does_not_crash(tmp_path):
    # In a child process: today this kills the interpreter.
    done = subprocess.run([sys.executable, "-c", _RESET_IN_CALLBACK], cwd=tmp_path, env=child_process_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"exit code {done.returncode}: {done.stderr[-2000:]}"
    assert "clear error: optimizer.state" in done.stdout or "trained: True" in done.stdout, done.stdout


# ---------------------------------------------------------------------------
# Other entry points
# ---------------------------------------------------------------------------

def test_gradcheck_validates_its_data():
    net = make_net()
    X, Y = data(4)
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN or infinity: X\[0, 0\] = nan"):
        fastnet.gradcheck(net, X, Y)
    with pytest.raises(ValueError, match="h must be > 0.0, got 0.0"):
        fastnet.gradcheck(net, data(4)[0], Y, h=0)


def test_direct_checks_match_the_entry_points():
    loss = fastnet.Loss("mse")
    with pytest.raises(ValueError, match="X has 2 samples but Y has 3"):
        as_targets(np.zeros((3, 1)), 2, loss, 1, np.float64)
    out = as_targets(np.zeros(3), 3, loss, 1, np.float32)
    assert out.shape == (3, 1) and out.dtype == np.float32 and out.flags.c_contiguous


def _cli(argv, capsys):
    main = pytest.importorskip("fastnet.__main__").main
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.err


def test_cli_rejects_bad_data_with_one_clear_line(tmp_path, capsys):
    pytest.importorskip("fastnet.__main__")
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,y\n1,2,0.5\n3,nan,1.5\n4,5,2\n1,1,1\n")
    code, err = _cli(["train", str(csv), "--target", "y", "--out", str(tmp_path / "m.npz"),
                      "--epochs", "1", "--no-progress"], capsys)
    assert code != 0 and err.startswith("fastnet: error:") and "Traceback" not in err
    assert err.count("\n") == 1

    code, err = _cli(["train", str(csv), "--target", "y", "--out", str(tmp_path / "m.npz"), "--lr", "-1"], capsys)
    assert code == 2 and "lr" in err and "Traceback" not in err


def test_cli_predict_with_the_wrong_features(tmp_path, capsys):
    pytest.importorskip("fastnet.__main__")
    net = make_net((3, 4, 1))
    model = tmp_path / "m.npz"
    net.save(model)
    np.savez(tmp_path / "x.npz", X=np.zeros((4, 5)))
    code, err = _cli(["predict", str(model), str(tmp_path / "x.npz")], capsys)
    assert code != 0 and err.startswith("fastnet: error:") and "Traceback" not in err
    assert "5" in err and "3" in err, err
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 truncated")
    code, err = _cli(["predict", str(tmp_path / "junk.npz"), str(tmp_path / "x.npz")], capsys)
    assert code != 0 and err.startswith("fastnet: error:") and "Traceback" not in err


@pytest.mark.filterwarnings("ignore::Warning")
@pytest.mark.parametrize("case,match", [
    ("nan", r"(?i)nan|infinity"),
    ("inf", r"(?i)nan|infinity"),
    ("short-y", r"inconsistent numbers of samples|samples"),
    ("complex", r"(?i)complex"),
    ("empty", r"0 sample"),
    ("predict-features", r"features"),
    ("lr", r"learning_rate_init"),
    ("beta", r"beta_1"),
    ("batch", r"batch_size"),
    ("hidden", r"hidden_layer_sizes"),
    ("negative-weight", r"sample_weight"),
])
@pytest.mark.parametrize("name", ["MLPClassifier", "MLPRegressor"])
def test_estimators_validate_their_data(name, case, match):
    estimators = pytest.importorskip("fastnet.estimators")
    est_cls = getattr(estimators, name)
    X, _ = data(12)
    y = np.array([0, 1] * 6) if name == "MLPClassifier" else np.linspace(0, 1, 12)
    kwargs, fit_kwargs = {"max_iter": 2}, {}
    if case in ("nan", "inf"):
        X[3, 2] = np.nan if case == "nan" else np.inf
    elif case == "short-y":
        y = y[:5]
    elif case == "complex":
        X = X + 0j
    elif case == "empty":
        X, y = X[:0], y[:0]
    elif case == "lr":
        kwargs["learning_rate_init"] = 0.0
    elif case == "beta":
        kwargs.update(solver="adam", beta_1=1.0)
    elif case == "batch":
        kwargs["batch_size"] = 0
    elif case == "hidden":
        kwargs["hidden_layer_sizes"] = (4, 0)
    elif case == "negative-weight":
        fit_kwargs["sample_weight"] = -np.ones(12)
    with pytest.raises((ValueError, TypeError), match=match):
        fitted = est_cls(**kwargs).fit(X, y, **fit_kwargs)
        if case == "predict-features":
            fitted.predict(X[:, :2])
