"""plot_activations: every activation of ACTIVATIONS with its derivative, and the vanishing gradient.

The data drawn is the reference's forward and backward; the product of the
derivatives is the seed's: sigmoid's is at most 0.25 per layer, relu's 1.
Skipped when matplotlib is not installed.
"""

import functools
import inspect
import io
import math

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.image import imread  # noqa: E402

from fastnet import ACTIVATIONS, Activation, plotting  # noqa: E402
from fastnet.reference import activations as ref_activations  # noqa: E402


def lines(fig):
    found, axis_of = {}, {}
    for ax in fig.axes:
        for line in ax.get_lines():
            gid = line.get_gid()
            if gid:
                assert gid not in found, f"two lines named {gid}"
                found[gid], axis_of[gid] = line, ax
    return found, axis_of


def xy(line):
    return np.asarray(line.get_xdata(), dtype=float), np.asarray(line.get_ydata(), dtype=float)


def reference_derivative(name, z_row, a_row):
    """da_0/dz_0 from the reference's backward (given z too, for a reference that takes it)."""
    g_row = [1.0] + [0.0] * (len(z_row) - 1)
    if "z_row" in inspect.signature(ref_activations.backward).parameters:
        return ref_activations.backward(name, a_row, g_row, z_row=z_row)[0]
    return ref_activations.backward(name, a_row, g_row)[0]


def legend_panel(fig):
    return next(ax for ax in fig.axes if not ax.axison)


@pytest.fixture(scope="module")
def default_figure():
    return plotting.plot_activations()


def test_every_activation_has_its_lines_and_a_legend_entry(default_figure, tmp_path):
    found, _ = lines(default_figure)
    for name in ACTIVATIONS:
        assert f"value:{name}" in found and f"derivative:{name}" in found
    labels = [t.get_text() for t in legend_panel(default_figure).get_legend().get_texts()]
    assert len(labels) == len(ACTIVATIONS) and labels[0] == "identity"
    assert "leaky_relu (negative_slope=0.01)" in labels and "softmax of (z, 0), first output" in labels
    default_figure.savefig(tmp_path / "activations.png", dpi=100)
    image = imread(tmp_path / "activations.png")
    assert image.shape[:2] == (800, 1100) and image[..., :3].std() > 0.05


def test_the_curves_are_the_references_forward_and_backward(default_figure):
    found, _ = lines(default_figure)
    for name in ACTIVATIONS:
        z, value = xy(found[f"value:{name}"])
        z2, derivative = xy(found[f"derivative:{name}"])
        assert np.array_equal(z, z2) and z[0] == -5 and z[-1] == 5 and 0.0 in z
        row = name == "softmax"
        for i in range(0, len(z), 25):
            point = [float(z[i]), 0.0] if row else [float(z[i])]
            out = ref_activations.forward(name, point)
            assert value[i] == out[0]
            assert derivative[i] == reference_derivative(name, point, out)
    # The math, independently of the reference.
    z, s = xy(found["value:sigmoid"])
    np.testing.assert_allclose(s, 1 / (1 + np.exp(-z)), rtol=1e-14)
    ds = xy(found["derivative:sigmoid"])[1]
    np.testing.assert_allclose(ds, s * (1 - s), rtol=1e-14)
    assert ds.max() == 0.25 and z[ds.argmax()] == 0.0
    np.testing.assert_allclose(xy(found["derivative:tanh"])[1], 1 - np.tanh(z) ** 2, atol=1e-15)
    assert np.array_equal(xy(found["derivative:relu"])[1], (z > 0).astype(float))
    assert np.array_equal(xy(found["derivative:leaky_relu"])[1], np.where(z > 0, 1.0, 0.01))
    np.testing.assert_allclose(xy(found["value:softmax"])[1], s, rtol=1e-14)   # softmax(z, 0)_0 = sigmoid(z)


def test_the_vanishing_gradient_at_each_derivatives_maximum(default_figure):
    found, axis_of = lines(default_figure)
    n, sigmoid = xy(found["chain:sigmoid"])
    assert n.tolist() == list(range(1, 11))
    assert sigmoid[-1] == 0.25 ** 10                         # the seed: at most 0.25 per layer
    assert np.array_equal(sigmoid, 0.25 ** n)
    assert np.array_equal(xy(found["chain:tanh"])[1], np.ones(10))   # tanh'(0) = 1
    assert np.array_equal(xy(found["chain:relu"])[1], np.ones(10))   # relu' = 1 for z > 0
    ax = axis_of["chain:sigmoid"]
    assert ax.get_yscale() == "log" and "largest value" in ax.get_title()
    assert ax.get_ylim()[0] < 0.25 ** 10 and ax.get_ylim()[1] >= 1.0
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["sigmoid: x0.25 per layer", "tanh: x1 per layer", "relu: x1 per layer"]


def test_the_vanishing_gradient_at_a_chosen_z():
    found, axis_of = lines(plotting.plot_activations(chain_z=1.0, layers=20))
    s1 = 1 / (1 + math.exp(-1.0))
    n, sigmoid = xy(found["chain:sigmoid"])
    assert len(n) == 20
    np.testing.assert_allclose(sigmoid, (s1 * (1 - s1)) ** n, rtol=1e-12)
    np.testing.assert_allclose(xy(found["chain:tanh"])[1], (1 - math.tanh(1.0) ** 2) ** n, rtol=1e-12)
    assert "z = 1" in axis_of["chain:tanh"].get_title()

    dead, axis_of = lines(plotting.plot_activations(chain_z=-1.0, chain=["relu", "leaky_relu"]))
    assert np.isnan(xy(dead["chain:relu"])[1]).all()       # 0 has no place on a log axis...
    labels = [t.get_text() for t in axis_of["chain:relu"].get_legend().get_texts()]
    assert labels[0] == "relu: x0 per layer (0: not drawn)"  # ...so the legend says it
    np.testing.assert_allclose(xy(dead["chain:leaky_relu"])[1], 0.01 ** np.arange(1, 11), rtol=1e-12)


def _overlaps(a, b):
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


#: Stand-ins for the activations still to come (gelu, silu, elu, softplus, ...): (forward, derivative from a).
STAND_INS = {"softsign": (lambda z: z / (1 + abs(z)), lambda a: (1 - abs(a)) ** 2)}
STAND_INS.update({f"scaled_tanh_{s}": (lambda z, s=s: math.tanh(z / s), lambda a, s=s: (1 - a * a) / s)
                  for s in (2, 3, 4, 5)})


def add_stand_ins(monkeypatch, count):
    """Put ``count`` stand-ins into ACTIVATIONS, and into the reference's public forward and backward."""
    added = dict(list(STAND_INS.items())[:count])
    real_forward, real_backward = ref_activations.forward, ref_activations.backward

    def forward(activation, z_row):
        name = Activation.coerce(activation).name
        return [added[name][0](z) for z in z_row] if name in added else real_forward(activation, z_row)

    @functools.wraps(real_backward)     # the same signature as the reference's, whatever its version
    def backward(activation, a_row, grad_row, *args, **kwargs):
        name = Activation.coerce(activation).name
        if name in added:
            return [g * added[name][1](a) for a, g in zip(a_row, grad_row)]
        return real_backward(activation, a_row, grad_row, *args, **kwargs)

    for name in added:
        monkeypatch.setitem(ACTIVATIONS, name, ({}, "glorot"))
    monkeypatch.setattr(ref_activations, "forward", forward)
    monkeypatch.setattr(ref_activations, "backward", backward)
    return added


def test_eleven_activations_keep_a_readable_legend(monkeypatch, tmp_path):
    """With gelu, silu, elu, softplus (and more) in the list, the legend still fits beside the panels."""
    added = add_stand_ins(monkeypatch, max(1, 11 - len(ACTIVATIONS)))
    assert len(ACTIVATIONS) >= 11
    fig = plotting.plot_activations()
    found, _ = lines(fig)
    assert all(f"derivative:{name}" in found for name in ACTIVATIONS)
    z, d = xy(found["derivative:softsign"])
    np.testing.assert_allclose(d, 1 / (1 + np.abs(z)) ** 2, rtol=1e-12)
    assert "softsign" in added
    fig.savefig(io.BytesIO(), format="png")                # lays the figure out
    legend = legend_panel(fig).get_legend()
    assert len(legend.get_texts()) == len(ACTIVATIONS) and legend._ncols == -(-len(ACTIVATIONS) // 8)
    box, page = legend.get_window_extent(), fig.bbox
    assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1
    for ax in fig.axes:
        if ax.axison:
            assert not _overlaps(box, ax.get_window_extent()), "the legend covers a panel"
    # No two curves with the same colour and line style.
    styles = {(line.get_color(), line.get_linestyle(), line.get_linewidth())
              for g, line in found.items() if g.startswith("value:")}
    assert len(styles) == len(ACTIVATIONS)


def test_chosen_activations_and_a_subfigure(tmp_path):
    outer = Figure(figsize=(14, 6), layout="constrained")
    _, right = outer.subfigures(1, 2, width_ratios=[1, 2])
    fig = plotting.plot_activations([Activation("leaky_relu", negative_slope=0.2), "tanh"], z_range=(-2, 3),
                                    points=11, chain=["tanh"], layers=3, fig=right)
    assert fig is outer
    found, _ = lines(fig)
    assert sorted(found) == ["chain:tanh", "derivative:leaky_relu,negative_slope=0.2", "derivative:tanh",
                             "value:leaky_relu,negative_slope=0.2", "value:tanh"]
    z, value = xy(found["value:leaky_relu,negative_slope=0.2"])
    assert z[0] == -2 and z[-1] == 3 and 0.0 in z
    np.testing.assert_allclose(value, np.where(z > 0, z, 0.2 * z), atol=1e-15)
    fig.savefig(tmp_path / "sub.png")
    assert plotting.plot_activations(figsize=(8.0, 6.0)).get_size_inches().tolist() == [8.0, 6.0]


@pytest.mark.parametrize("kwargs, message", [
    ({"activations": []}, "at least one activation"),
    ({"activations": ["swish"]}, "swish"),
    ({"z_range": (3, 3)}, "z_range"),
    ({"points": 1}, "points must be an integer >= 3"),
    ({"layers": 0}, "layers must be an integer >= 1"),
    ({"chain_z": float("nan")}, "chain_z"),
    ({"figsize": (4, 4), "fig": Figure()}, "not both"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plotting.plot_activations(**kwargs)
