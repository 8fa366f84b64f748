"""plot_losses: every loss of LOSSES drawn with its derivative, and the data drawn is the reference's math.

Skipped when matplotlib is not installed.
"""

import math

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.image import imread  # noqa: E402

from fastnet import LOSSES, Loss, plotting  # noqa: E402
from fastnet.reference import losses as ref_losses  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 20_000
    image = imread(path)
    assert image.shape[0] > 600 and image.shape[1] > 900
    assert image[..., :3].std() > 0.05


def lines(fig):
    """gid -> Line2D over every axis of the figure, and the axis of each."""
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


@pytest.fixture(scope="module")
def default_figure():
    return plotting.plot_losses()


def test_every_loss_of_the_list_has_its_lines(default_figure, tmp_path):
    found, _ = lines(default_figure)
    for name in LOSSES:
        for y in (0, 1):
            assert f"loss:{name}:y={y}" in found and f"dw:{name}:y={y}" in found
            assert (f"dz:{name}:y={y}" in found) == (Loss(name).fused_activation is not None)
    assert len(default_figure.axes) == 2 * len(LOSSES)
    default_figure.savefig(tmp_path / "losses.png", dpi=100)
    assert_png(tmp_path / "losses.png")


def test_regression_losses_are_the_references_and_the_seed_formulas(default_figure):
    found, _ = lines(default_figure)
    for y in (0.0, 1.0):
        for name in ("half_mse", "mse", "mae", "huber"):
            w, value = xy(found[f"loss:{name}:y={y:g}"])
            w2, dw = xy(found[f"dw:{name}:y={y:g}"])
            assert np.array_equal(w, w2) and w[0] == -1.5 and w[-1] == 2.5 and len(w) == 401
            expected = [ref_losses.loss_gradient(name, [[float(v)]], [[y]]) for v in w]
            assert np.array_equal(value, [v for v, _ in expected])
            assert np.array_equal(dw, [g[0][0] for _, g in expected])
        w, dw = xy(found[f"dw:mse:y={y:g}"])
        np.testing.assert_allclose(dw, 2.0 * (w - y), rtol=0, atol=1e-15)          # MSE: 2 (w - y)
        np.testing.assert_allclose(xy(found[f"loss:mse:y={y:g}"])[1], (w - y) ** 2, atol=1e-15)
        np.testing.assert_allclose(xy(found[f"dw:half_mse:y={y:g}"])[1], w - y, atol=1e-15)
        mae = xy(found[f"dw:mae:y={y:g}"])[1]
        assert set(np.unique(mae)) <= {-1.0, 0.0, 1.0}                                # MAE: +-1
        assert np.array_equal(mae, np.sign(w - y))
        assert (mae == 1.0).sum() > 100 and (mae == -1.0).sum() > 100
        np.testing.assert_allclose(xy(found[f"dw:huber:y={y:g}"])[1], np.clip(w - y, -1, 1), atol=1e-15)


@pytest.mark.parametrize("name", ["binary_cross_entropy", "cross_entropy"])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_cross_entropies_over_the_probability(default_figure, name, y):
    found, axis_of = lines(default_figure)
    w, value = xy(found[f"loss:{name}:y={y:g}"])
    _, dw = xy(found[f"dw:{name}:y={y:g}"])
    _, dz = xy(found[f"dz:{name}:y={y:g}"])
    assert 0.0 < w.min() < 0.01 and 0.99 < w.max() < 1.0 and np.all(np.diff(w) > 0)
    # The seed's -log w and -1/w for y = 1; the loss of the probability the logit gives, in general.
    np.testing.assert_allclose(value, -(y * np.log(w) + (1 - y) * np.log1p(-w)), rtol=1e-12)
    np.testing.assert_allclose(dw, (w - y) / (w * (1 - w)), rtol=1e-9)
    if y == 1.0:
        np.testing.assert_allclose(dw, -1.0 / w, rtol=1e-9)
    np.testing.assert_allclose(dz, w - y, atol=1e-12)        # the fused gradient at the logit
    # dL/dz is the reference's, at the logit whose sigmoid is w.
    for i in (0, 200, 400):
        t = math.log(w[i] / (1 - w[i]))
        logits, target = ([t], [y]) if name == "binary_cross_entropy" else ([0.0, t], [1 - y, y])
        value_i, grad = ref_losses.loss_gradient(name, [logits], [target])
        assert value_i == pytest.approx(value[i], rel=1e-9) and grad[0][-1] == pytest.approx(dz[i], abs=1e-12)
    assert axis_of[f"loss:{name}:y={y:g}"].get_xlim() == (0.0, 1.0)


def test_the_y_axis_is_clipped_only_where_a_derivative_goes_to_infinity(default_figure):
    found, axis_of = lines(default_figure)
    grad_ax = axis_of["dw:binary_cross_entropy:y=1"]
    low, high = grad_ax.get_ylim()
    drawn = xy(found["dw:binary_cross_entropy:y=1"])[1]
    assert drawn.min() < -300 and -15 < low < -9 and 9 < high < 15     # -1/w clipped near +-10
    assert any("clipped" in t.get_text() for t in grad_ax.texts)
    for gid in ("dw:mse:y=0", "loss:mse:y=1", "loss:binary_cross_entropy:y=1", "dw:huber:y=0"):
        ax, data = axis_of[gid], xy(found[gid])[1]
        assert ax.get_ylim()[0] <= data.min() and data.max() <= ax.get_ylim()[1], gid
        assert not any("clipped" in t.get_text() for t in ax.texts)


def test_labels_titles_and_one_legend_for_all_panels(default_figure):
    titles = [sf._suptitle.get_text() for sf in default_figure.subfigs[1].subfigs]
    assert len(titles) == len(LOSSES) and [t.split(" ")[0] for t in titles] == list(LOSSES)
    assert titles[:6] == ["half_mse", "mse", "mae", "huber (delta=1)", "binary_cross_entropy (after a sigmoid)",
                          "cross_entropy (after a softmax)"]
    for ax in default_figure.axes:
        assert ax.get_ylabel() in ("loss L(w, y)", "derivative dL/dw")
        assert ax.get_legend() is None                      # no legend over the curves
    legend = default_figure.subfigs[0].legends[0]
    assert [t.get_text() for t in legend.get_texts()][:2] == ["target y = 0", "target y = 1"]


def test_chosen_losses_targets_and_a_subfigure(tmp_path):
    outer = Figure(figsize=(12, 5), layout="constrained")
    left, right = outer.subfigures(1, 2)
    fig = plotting.plot_losses([Loss("huber", delta=0.25), "mae"], targets=[0.5], output_range=(-1, 2),
                               points=31, fig=right)
    assert fig is outer
    found, _ = lines(fig)
    assert sorted(found) == ["dw:huber:y=0.5", "dw:mae:y=0.5", "loss:huber:y=0.5", "loss:mae:y=0.5"]
    w, dw = xy(found["dw:huber:y=0.5"])
    assert len(w) == 31 and w[0] == -1 and w[-1] == 2
    np.testing.assert_allclose(dw, np.clip(w - 0.5, -0.25, 0.25), atol=1e-15)
    fig.savefig(tmp_path / "two.png")
    assert (tmp_path / "two.png").read_bytes()[:8] == PNG_MAGIC
    assert plotting.plot_losses(["mse"], figsize=(5.0, 4.0)).get_size_inches().tolist() == [5.0, 4.0]


def test_a_loss_added_to_the_list_appears(monkeypatch):
    def quartic(o, y, param):
        return (o - y) ** 4, 4.0 * (o - y) ** 3

    monkeypatch.setitem(LOSSES, "quartic", ({}, None))
    monkeypatch.setitem(ref_losses.KERNELS, "quartic", (ref_losses._elementwise(quartic), "entries"))
    found, _ = lines(plotting.plot_losses(points=11))
    w, dw = xy(found["dw:quartic:y=1"])
    np.testing.assert_allclose(dw, 4.0 * (w - 1.0) ** 3, atol=1e-12)
    assert len([g for g in found if g.startswith("loss:")]) == 2 * len(LOSSES)


@pytest.mark.parametrize("kwargs, message", [
    ({"targets": [2.0]}, "targets must be numbers in \\[0, 1\\]"),
    ({"targets": []}, "at least one target"),
    ({"losses": []}, "at least one loss"),
    ({"losses": ["nope"]}, "nope"),
    ({"output_range": (1.0, -1.0)}, "output_range"),
    ({"points": 2}, "points must be an integer >= 3"),
    ({"figsize": (4, 4), "fig": Figure()}, "not both"),
])
def test_bad_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        plotting.plot_losses(**kwargs)
