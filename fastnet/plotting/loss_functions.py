"""The loss functions and their derivatives against the network's output, as the seed text draws them."""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence

import numpy as np

from ._mpl import Axes, Figure, Line2D, SubFigure
from .curves import Floats, LossCurve, finite_range, loss_curve, probability_grid
from ..nn.losses import LOSSES, Loss

__all__ = ["plot_losses"]

#: Panels (one loss each) per row of the figure.
COLUMNS = 3
#: Inches per loss panel (its loss axis above its derivative axis), and for the legend's row.
PANEL_SIZE = (4.3, 4.0)
HEADER_HEIGHT = 0.65


def _check_targets(targets: Iterable[float]) -> list[float]:
    listed = list(targets)
    if not listed:
        raise ValueError("targets must hold at least one target value")
    for y in listed:
        if isinstance(y, bool) or not isinstance(y, numbers.Real) or not 0.0 <= y <= 1.0:
            raise ValueError(f"targets must be numbers in [0, 1] (the cross-entropies' range), got {y!r}")
    return [float(y) for y in listed]


def _check_grid(output_range: tuple[float, float], points: int) -> tuple[float, float, int]:
    low, high = (float(v) for v in output_range)
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"output_range must be two finite numbers (low, high) with low < high, got {output_range!r}")
    if isinstance(points, bool) or not isinstance(points, numbers.Integral) or points < 3:
        raise ValueError(f"points must be an integer >= 3, got {points!r}")
    return low, high, int(points)


def _name(loss: Loss) -> str:
    params = ", ".join(f"{k}={v:g}" for k, v in loss.params.items())
    fused = f" (after a {loss.fused_activation})" if loss.fused_activation else ""
    return loss.name + (f" ({params})" if params else "") + fused


def _clipped_limits(x: Floats, curves: Sequence[Floats], factor: float = 4.0) -> tuple[float, float] | None:
    """y-limits over the middle 80 % of ``x`` when the curves' full range is more than ``factor``
    times wider (a derivative that goes to infinity at an end, as -1/w at w = 0), else None."""
    low, high = finite_range(*curves)
    inner = (x >= x.min() + 0.1 * np.ptp(x)) & (x <= x.max() - 0.1 * np.ptp(x))
    inner_low, inner_high = finite_range(*(c[inner] for c in curves))
    if high - low <= factor * (inner_high - inner_low):
        return None
    pad = 0.08 * (inner_high - inner_low)
    return inner_low - pad, inner_high + pad


def _draw_loss(loss_ax: Axes, grad_ax: Axes, loss: Loss, curves: Sequence[tuple[float, LossCurve]]) -> None:
    """One loss: L(w, y) above, dL/dw below (and dL/dz dashed for a fused loss), one colour per target."""
    for index, (y, curve) in enumerate(curves):
        color, key = f"C{index}", f"{loss.name}:y={y:g}"
        loss_ax.plot(curve.w, curve.value, color=color, gid=f"loss:{key}")
        grad_ax.plot(curve.w, curve.dw, color=color, gid=f"dw:{key}")
        if curve.dz is not None:
            grad_ax.plot(curve.w, curve.dz, color=color, linestyle="--", linewidth=1.2, gid=f"dz:{key}")
    w = curves[0][1].w
    for ax, series in ((loss_ax, [c.value for _, c in curves]),
                       (grad_ax, [c.dw for _, c in curves] + [c.dz for _, c in curves if c.dz is not None])):
        limits = _clipped_limits(w, series)
        if limits is not None:
            ax.set_ylim(*limits)
            ax.text(0.5, 0.03, "y-axis clipped: the curves go on to infinity", transform=ax.transAxes,
                    ha="center", va="bottom", fontsize="x-small", color="0.35")
        ax.grid(True, alpha=0.3)
        ax.axhline(0.0, color="0.6", linewidth=0.8, zorder=0)
    loss_ax.set_ylabel("loss L(w, y)")
    grad_ax.set_ylabel("derivative dL/dw")
    fused = loss.fused_activation
    grad_ax.set_xlabel("output w" if fused is None else f"probability w = {fused}(z) of class 1")
    if fused is not None:
        loss_ax.set_xlim(0.0, 1.0)


def _legend(header: Figure | SubFigure, targets: Sequence[float], any_fused: bool) -> None:
    handles = [Line2D([], [], color=f"C{i}", label=f"target y = {y:g}") for i, y in enumerate(targets)]
    if any_fused:
        handles.append(Line2D([], [], color="0.3", linestyle="--", linewidth=1.2,
                              label="dL/dz at the logit z (what backpropagation starts from)"))
    header.legend(handles=handles, loc="lower center", ncol=len(handles), frameon=False)


def plot_losses(losses: Iterable[Loss | str] | None = None, targets: Iterable[float] = (0.0, 1.0),
                output_range: tuple[float, float] = (-1.5, 2.5), points: int = 401,
                figsize: tuple[float, float] | None = None, fig: Figure | SubFigure | None = None,
                title: str | None = None) -> Figure:
    """Each loss and its derivative against the output ``w``, one panel per loss, one colour per target.

    Parameters
    ----------
    losses
        Loss objects or names; default every entry of ``fastnet.LOSSES``
        with its default parameters (a loss added to the list appears here).
    targets
        The targets ``y`` drawn, in [0, 1] (the seed text draws y = 0).
    output_range
        The outputs ``w`` of the regression losses (mse, mae, ...).
        The losses fused with a sigmoid or softmax output (the cross-entropies)
        are drawn over the probability ``w`` in (0, 1) they give class 1, where
        they are defined; their derivative panel also shows, dashed, ``dL/dz``
        at the logit, the ``w - y`` that backpropagation starts from.
    points
        Points per curve.
    figsize
        (width, height) in inches of a new figure; default 4.3 x 4 per panel.
    fig
        A Figure or SubFigure to draw into instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (the one holding ``fig`` when given).

    Notes
    -----
    Every value is one sample's loss and its derivative from the reference,
    ``fastnet.reference.losses.loss_gradient`` (dL/dw of a fused loss through the
    reference activation's backward): mse's derivative is ``2 (w - y)``, mae's
    ``sign(w - y)``, binary cross-entropy's ``-1/w`` for y = 1. Where a
    derivative goes to infinity (the cross-entropies near w = 0 and 1) the
    y-axis is clipped to the values over the middle 80 % of the outputs.
    """
    chosen = [Loss.coerce(loss) for loss in (LOSSES if losses is None else losses)]
    if not chosen:
        raise ValueError("losses must hold at least one loss")
    ys = _check_targets(targets)
    low, high, n = _check_grid(output_range, points)
    if fig is not None and figsize is not None:
        raise ValueError("give figsize (for a new figure) or fig (to draw into), not both")

    outputs, probabilities = np.linspace(low, high, n), probability_grid(n)
    columns = min(COLUMNS, len(chosen))
    rows = -(-len(chosen) // columns)
    if fig is None:
        size = figsize or (PANEL_SIZE[0] * columns, PANEL_SIZE[1] * rows + HEADER_HEIGHT)
        fig = Figure(figsize=size, layout="constrained")
    height = float(fig.bbox.height / fig.dpi)     # inches, of a Figure or of the SubFigure's share
    parts = fig.subfigures(2, 1, squeeze=False, height_ratios=[HEADER_HEIGHT, max(height - HEADER_HEIGHT, 1.0)])
    header, body = parts[0, 0], parts[1, 0]
    panels = body.subfigures(rows, columns, squeeze=False).ravel()
    for panel, loss in zip(panels, chosen):
        loss_ax, grad_ax = panel.subplots(2, 1, sharex=True)
        curves = [(y, loss_curve(loss, y, outputs, probabilities)) for y in ys]
        _draw_loss(loss_ax, grad_ax, loss, curves)
        panel.suptitle(_name(loss), fontsize="medium")
    _legend(header, ys, any(loss.fused_activation for loss in chosen))
    header.suptitle(title if title is not None else "Loss functions and their derivatives against the output w")
    return fig if isinstance(fig, Figure) else fig.figure
