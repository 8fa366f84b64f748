"""The loss functions fastnet knows: names, parameters, the output activation they need.

This table is the one list of losses; the kernels number them by position
(``fastnet/_core/losses.pxd`` declares the same order, and a test checks it).
The formulas are in ``docs/MATH.md``.
"""

from __future__ import annotations

from typing import ClassVar

from ..checks.scalars import check_real
from ._named import NamedFunction
from .activations import Activation

__all__ = ["LOSSES", "Loss"]

#: name -> (parameters with their defaults, the output activation it is fused with or None)
LOSSES: dict[str, tuple[dict[str, float], str | None]] = {
    "half_mse": ({}, None),        # the seed texts' 1/(2n) sum ||y - y_hat||^2
    "mse": ({}, None),             # the plain mean of squares (PyTorch, Keras)
    "mae": ({}, None),
    "huber": ({"delta": 1.0}, None),
    "binary_cross_entropy": ({}, "sigmoid"),
    "cross_entropy": ({}, "softmax"),
    "poisson": ({}, None),         # reads the log-rate (log link): exp(o) - y o
    "quantile": ({"q": 0.5}, None),  # pinball loss; q = 0.5 is half of mae
    "log_cosh": ({}, None),
}


class Loss(NamedFunction):
    """A loss function and its parameter, e.g. ``Loss("huber", delta=0.5)``.

    Anywhere fastnet takes a loss, a name (``"mse"``) works too.
    ``id`` is the kernels' LossId; ``param`` the one double they take.
    """

    __slots__ = ()
    kind: ClassVar[str] = "loss"
    table: ClassVar[dict[str, tuple[dict[str, float], str | None]]] = LOSSES

    def _check_params(self, params: dict[str, float]) -> dict[str, float]:
        if "delta" in params:
            params["delta"] = check_real("delta", params["delta"], low=0.0, low_open=True)
        if "q" in params:
            # q = 0 or 1 would ask for the minimum or maximum of the targets: no finite fit.
            q = check_real("q", params["q"])
            if not 0.0 < q < 1.0:
                raise ValueError(f"q must lie in the open interval (0, 1) for the quantile loss, got {q!r}")
            params["q"] = q
        return params

    @property
    def fused_activation(self) -> str | None:
        """The output activation this loss is fused with (it then reads logits), or None."""
        return LOSSES[self.name][1]

    @property
    def is_classification(self) -> bool:
        return self.fused_activation is not None

    def check_output_activation(self, activation: Activation) -> None:
        """Raise unless the output layer's activation fits this loss."""
        need = self.fused_activation
        if need is not None and activation.name != need:
            raise ValueError(f"loss {self.name!r} needs the output layer's activation to be {need!r}, "
                             f"got {activation.name!r}")

    def check_n_outputs(self, n_outputs: int) -> None:
        """Raise unless the output layer's width fits this loss."""
        if self.name == "cross_entropy" and n_outputs < 2:
            raise ValueError(f"loss 'cross_entropy' needs at least 2 output units, got {n_outputs}; "
                             "for two classes with one output use 'binary_cross_entropy'")
