"""The activation functions, their derivatives, and the vanishing gradient: the derivatives' product through layers."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ._mpl import Axes, Figure, Line2D, SubFigure
from .curves import ActivationCurve, activation_curve, chain_product, is_row_activation, largest_derivative, with_zero
from ..nn.activations import ACTIVATIONS, Activation

__all__ = ["plot_activations"]

#: A line's colour, line style, width and zorder, as keyword arguments of ``Axes.plot``.
Style = dict[str, Any]

FIGSIZE = (11.0, 8.0)
#: Legend entries per column in the legend's panel.
LEGEND_ROWS = 8
#: The activations whose derivatives' product is drawn, as the seed text compares them.
CHAIN = ("sigmoid", "tanh", "relu")


def _style(index: int, row: bool) -> Style:
    """Ten colours by position; solid and dashed in turn, the dashed on top, so that curves
    that coincide (relu and leaky_relu, identity's derivative and relu's for z > 0) both
    show; the next ten dash-dotted and dotted. A row activation (softmax) is dotted,
    thicker, and on top: over (z, 0) it may retrace another curve."""
    color = f"C{index % 10}"
    if row:
        return {"color": color, "linestyle": ":", "linewidth": 2.8, "zorder": 3.5}
    solid, dashed = ("-", "--") if index < 10 else ("-.", ":")
    on_top = index % 2 == 1
    return {"color": color, "linestyle": dashed if on_top else solid, "linewidth": 1.8 if index < 10 else 2.0,
            "zorder": 3 if on_top else 2}


def key(activation: Activation) -> str:
    """What the lines' gids name an activation by: its name, with its parameters when not the defaults."""
    if activation == Activation(activation.name):
        return activation.name
    return activation.name + "".join(f",{k}={v:g}" for k, v in activation.params.items())


def _label(activation: Activation, row: bool) -> str:
    params = ", ".join(f"{k}={v:g}" for k, v in activation.params.items())
    name = activation.name + (f" ({params})" if params else "")
    return f"{name} of (z, 0), first output" if row else name


def _check_arguments(z_range: tuple[float, float], points: int, layers: int, chain_z: float | None) -> None:
    low, high = (float(v) for v in z_range)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"z_range must be two finite numbers (low, high) with low < high, got {z_range!r}")
    for name, value, least in (("points", points, 3), ("layers", layers, 1)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    if chain_z is not None and not (isinstance(chain_z, numbers.Real) and math.isfinite(chain_z)):
        raise ValueError(f"chain_z must be None (each derivative's largest value) or a finite number, got {chain_z!r}")


def _draw_functions(value_ax: Axes, derivative_ax: Axes,
                    curves: Sequence[tuple[Activation, ActivationCurve, Style, str]]) -> None:
    for activation, curve, style, label in curves:
        value_ax.plot(curve.z, curve.value, label=label, gid=f"value:{key(activation)}", **style)
        derivative_ax.plot(curve.z, curve.derivative, label=label, gid=f"derivative:{key(activation)}", **style)
    value_ax.set_ylabel("a = act(z)")
    value_ax.set_title("Activations")
    derivative_ax.set_ylabel("da/dz")
    derivative_ax.set_title("Their derivatives")
    for ax in (value_ax, derivative_ax):
        ax.set_xlabel("pre-activation z")
        ax.grid(True, alpha=0.3)
        ax.axhline(0.0, color="0.6", linewidth=0.8, zorder=0)
        ax.axvline(0.0, color="0.6", linewidth=0.8, zorder=0)


def _draw_chain(ax: Axes, chain: Sequence[tuple[Activation, ActivationCurve, Style]],
                layers: int, chain_z: float | None) -> None:
    """derivative ** n against n, one line per activation, on a log axis."""
    depth = np.arange(1, layers + 1)
    markers = ("o", "s", "^", "D", "v", "P")
    for index, (activation, curve, style) in enumerate(chain):
        if chain_z is None:
            _, factor = largest_derivative(curve)
        else:
            factor = float(activation_curve(activation, np.array([float(chain_z)])).derivative[0])
        product = chain_product(factor, layers)
        # A dead unit's product is 0, which a log axis cannot show: the legend says it instead.
        shown = np.where(product > 0, product, np.nan)
        ax.plot(depth, shown, color=style["color"], marker=markers[index % len(markers)],
                markersize=7 - 1.5 * (index % 3), linewidth=1.6, linestyle=("-", "--", ":")[index % 3],
                label=f"{_label(activation, False)}: x{factor:.3g} per layer" + (" (0: not drawn)" if factor <= 0 else ""),
                gid=f"chain:{key(activation)}")
    ax.set_yscale("log")
    ax.set_xlabel("layers n the gradient flows back through")
    ax.set_ylabel("product of n derivatives")
    where = "at each derivative's largest value" if chain_z is None else f"at z = {chain_z:g}"
    ax.set_title(f"The vanishing gradient ({where})")
    ax.set_xticks(depth if layers <= 20 else np.linspace(1, layers, 10).round())
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="lower left", fontsize="small")


def plot_activations(activations: Iterable[Activation | str] | None = None,
                     z_range: tuple[float, float] = (-5.0, 5.0), points: int = 401,
                     chain: Iterable[Activation | str] = CHAIN, layers: int = 10, chain_z: float | None = None,
                     figsize: tuple[float, float] | None = None, fig: Figure | SubFigure | None = None,
                     title: str | None = None) -> Figure:
    """Each activation and its derivative against z, and the vanishing gradient.

    Parameters
    ----------
    activations
        Activation objects or names; default every entry of
        ``fastnet.ACTIVATIONS`` with its default parameters (one added to the
        list appears here). A row activation (softmax) is drawn as the first
        output of the row ``(z, 0)`` (two logits: the sigmoid's curve), dotted.
    z_range, points
        The pre-activations drawn (0 is always among them).
    chain, layers
        The third panel draws, for each of these activations, the
        product of its derivative through n = 1 .. ``layers`` layers, on a log
        axis: the factor its derivatives put on a gradient flowing back through
        n layers (the weights left out). Sigmoid's derivative is at most 0.25,
        so its product is at most 0.25**n (1e-6 at 10 layers): the gradient vanishes.
    chain_z
        The pre-activation z at which every layer's derivative is taken.
        None (the default): each activation's best case, where its derivative
        is largest on ``z_range``: z = 0 for sigmoid (0.25) and tanh (1), any
        z > 0 for relu (1: relu's derivative is 1 or 0). A number: that z for all
        (relu's product at z <= 0 is 0, which the log axis cannot draw; its
        legend entry says so).
    figsize
        (width, height) in inches of a new figure; default 11 x 8.
    fig
        A Figure or SubFigure to draw into instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (the one holding ``fig`` when given).

    Notes
    -----
    The values are the reference's: ``fastnet.reference.activations.forward``
    and ``backward`` (with ``dL/da = 1``).
    """
    chosen = [Activation.coerce(a) for a in (ACTIVATIONS if activations is None else activations)]
    compared = [Activation.coerce(a) for a in chain]
    if not chosen:
        raise ValueError("activations must hold at least one activation")
    _check_arguments(z_range, points, layers, chain_z)
    if fig is not None and figsize is not None:
        raise ValueError("give figsize (for a new figure) or fig (to draw into), not both")

    z = with_zero(float(z_range[0]), float(z_range[1]), int(points))
    drawn = []
    for index, activation in enumerate(chosen):
        row = is_row_activation(activation)
        drawn.append((activation, activation_curve(activation, z), _style(index, row), _label(activation, row)))
    styles = {a: style for a, _, style, _ in drawn}
    chained = [(a, activation_curve(a, z), styles.get(a, _style(len(styles) + i, False)))
               for i, a in enumerate(compared)]

    if fig is None:
        fig = Figure(figsize=figsize or FIGSIZE, layout="constrained")
    axes = fig.subplot_mosaic([["value", "derivative"], ["chain", "legend"]])
    _draw_functions(axes["value"], axes["derivative"], drawn)
    if chained:
        _draw_chain(axes["chain"], chained, int(layers), chain_z)
    else:
        axes["chain"].set_axis_off()
    handles = [Line2D([], [], **style, label=label) for _, _, style, label in drawn]
    axes["legend"].set_axis_off()
    axes["legend"].legend(handles=handles, loc="center", ncol=-(-len(handles) // LEGEND_ROWS),
                          title="activation (both upper panels)", frameon=False)
    fig.suptitle(title if title is not None else "Activation functions, their derivatives and the vanishing gradient")
    return fig if isinstance(fig, Figure) else fig.figure
