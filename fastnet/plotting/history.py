"""The loss curve: training and validation loss per epoch, and accuracy on a second axis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ._mpl import Axes, Figure
from ._shared import FIGSIZE, as_floats, spans_decades
from ..train.history import History

__all__ = ["plot_history"]

#: Per-epoch series by name; None where an epoch has no value.
Series = Mapping[str, Sequence[float | None]]


def _recorded(series: Series, key: str) -> bool:
    values = series.get(key)
    return values is not None and any(v is not None for v in values)


def _draw_loss(ax: Axes, epochs: Sequence[int], series: Series) -> None:
    """The training and validation losses, on a log axis when they span a decade or more."""
    loss = as_floats(series["loss"])
    ax.plot(epochs, loss, color="C0", label="training loss", gid="loss")
    curves = [loss]
    if _recorded(series, "val_loss"):
        val_loss = as_floats(series["val_loss"])
        ax.plot(epochs, val_loss, color="C1", label="validation loss", gid="val_loss")
        curves.append(val_loss)
    if spans_decades(*curves):
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.grid(True, which="major", alpha=0.3)
    if not len(loss):
        ax.text(0.5, 0.5, "no epochs recorded", transform=ax.transAxes, ha="center", va="center")


def _draw_accuracy(ax: Axes, epochs: Sequence[int], series: Series) -> None:
    """Accuracy (training, validation) on a twin axis from 0 to 1, and one legend for both axes."""
    handles, labels = ax.get_legend_handles_labels()
    accuracy = [k for k in ("accuracy", "val_accuracy") if _recorded(series, k)]
    if accuracy:
        twin = ax.twinx()
        for key, color in zip(accuracy, ("C2", "C3")):
            twin.plot(epochs, as_floats(series[key]), color=color, linestyle="--",
                      label=key.replace("val_", "validation ").replace("_", " "), gid=key)
        twin.set_ylabel("accuracy")
        # A little above 1: an accuracy of 1.0 is a line inside the plot, not on its border.
        twin.set_ylim(0.0, 1.05)
        more_handles, more_labels = twin.get_legend_handles_labels()
        handles, labels = handles + more_handles, labels + more_labels
    # Outside the axes: a legend inside covers some curve whatever its corner.
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.12 if accuracy else 1.01, 1.0))


def plot_history(history: History | Series, title: str | None = None) -> Figure:
    """The training (and validation) loss per epoch; accuracy on a second axis when recorded.

    Parameters
    ----------
    history
        A fastnet.History (what ``fit`` returns) or a dict of per-epoch lists
        (``{"loss": [...], "val_loss": [...], ...}``, Keras's ``history.history``).

    Returns
    -------
    matplotlib.figure.Figure
        The figure.

    Notes
    -----
    The loss axis is logarithmic when the losses span a decade or more. The
    best epoch of early stopping is marked.
    """
    # Duck-typed: fastnet's History and Keras's History both keep the dict in .history.
    source: Any = getattr(history, "history", history)
    series: dict[str, Sequence[float | None]] = dict(source)
    if "loss" not in series:
        raise ValueError(f"history has no 'loss' series (it has {sorted(series)})")
    epochs = list(getattr(history, "epoch", None) or range(1, len(series["loss"]) + 1))

    fig = Figure(figsize=FIGSIZE, layout="constrained")
    ax = fig.add_subplot()
    _draw_loss(ax, epochs, series)
    best = getattr(history, "best_epoch", None)
    if best is not None and getattr(history, "stopped_early", False):
        ax.axvline(best, color="0.5", linestyle=":", label=f"best epoch ({best})")
    _draw_accuracy(ax, epochs, series)
    ax.set_title(title if title is not None else "Loss per epoch")
    return fig
