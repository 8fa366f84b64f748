"""A loss written in Python: :class:`CustomLoss`, the slower path that calls it once per batch.

The built-in losses (``LOSSES``, fastnet/nn/losses.py: the one list of them)
run inside the nogil kernels. A ``CustomLoss`` is not in that list and has no
kernel: the network runs the forward pass of each batch (compiled), calls the
object's ``gradient`` and ``value`` on the NumPy outputs, and runs the backward
pass from that output gradient and the optimizer's update (compiled). The
per-batch loop is :mod:`fastnet.train.python_epoch`; the per-batch calls and
their checks are :mod:`fastnet.train.python_loss`, below this layer: they
know the object only by its methods.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy.typing as npt

from .activations import Activation
from .losses import LOSSES, Loss

__all__ = ["CustomLoss", "as_loss", "loss_from_dict", "check_savable"]


class CustomLoss(ABC):
    """The base class of a loss written in NumPy; subclass it and pass an instance as ``loss=``.

    Write two methods, on arrays of the network's dtype, ``output`` and
    ``target`` both of shape (n, n_outputs):

    - ``value(output, target)``: the per-sample losses, shape (n,);
    - ``gradient(output, target)``: d(per-sample loss)/d(output), shape (n, n_outputs).

    The batch loss is their mean over the samples (the sample-weighted mean
    with ``sample_weight``), as for the built-in losses (docs/MATH.md,
    "Losses"). ``output`` is what the last layer gives (its activation,
    identity by default): no activation is fused with a custom loss. Each
    batch of ``fit`` costs one call of each method, with the GIL held: slower
    than a built-in loss, most for small batches. A network with a custom loss
    cannot be saved to a model file (the file holds no code); it pickles, if
    its loss does, and exports to ONNX.
    """

    #: Read by fastnet.train (which imports nothing of fastnet.nn) to take the Python path.
    python_loss: ClassVar[bool] = True
    #: The kernels' loss number and parameter: never evaluated for this network,
    #: whose every loss and gradient goes through the Python path.
    id: ClassVar[int] = 0
    param: ClassVar[float] = 0.0
    fused_activation: ClassVar[str | None] = None
    is_classification: ClassVar[bool] = False

    @property
    def name(self) -> str:
        """The name in messages and the network's repr: the class name."""
        return type(self).__name__

    @abstractmethod
    def value(self, output: npt.NDArray[Any], target: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """The loss of each sample: shape (n,)."""

    @abstractmethod
    def gradient(self, output: npt.NDArray[Any], target: npt.NDArray[Any]) -> npt.NDArray[Any]:
        """d(loss of sample i)/d(output[i, j]): shape (n, n_outputs)."""

    def check_output_activation(self, activation: Activation) -> None:
        """Any output activation fits a custom loss: its ``output`` is that activation's."""

    def check_n_outputs(self, n_outputs: int) -> None:
        """Any width fits: the shapes of the methods' results are checked on the first batch."""

    def to_dict(self) -> dict[str, Any]:
        """The pickled network's loss: the object itself (a model file refuses it: fastnet/nn/archive.py)."""
        return {"name": self.name, "custom": self}

    def __repr__(self) -> str:
        return f"{self.name}()"


def as_loss(value: Loss | CustomLoss | str) -> Loss | CustomLoss:
    """The network's loss: a :class:`CustomLoss` as given, else a :class:`Loss` from a name."""
    if isinstance(value, CustomLoss):
        if value.name in LOSSES:
            # as_targets and the metrics read the loss by name: a built-in's name would be taken for it.
            raise ValueError(f"a CustomLoss may not be named as the built-in loss {value.name!r}; rename the class")
        return value
    if not isinstance(value, (Loss, str)) and callable(getattr(value, "gradient", None)):
        raise TypeError(f"loss must be a name of fastnet.LOSSES, a fastnet.Loss or a fastnet.CustomLoss "
                        f"subclass instance, got {type(value).__name__} (derive it from fastnet.CustomLoss)")
    return Loss.coerce(value)


def loss_from_dict(spec: dict[str, Any]) -> Loss | CustomLoss:
    """The loss of a pickled network's description (``to_dict()`` of either kind)."""
    custom = spec.get("custom")
    return as_loss(custom) if custom is not None else Loss(**spec)


def check_savable(loss: Loss | CustomLoss) -> None:
    """Refuse to write a model file for a network whose loss is Python code."""
    if isinstance(loss, CustomLoss):
        raise TypeError(f"a network with the custom loss {loss.name} cannot be saved to a model file (it holds "
                        "no Python code): pickle the network (joblib.dump, pickle.dump), export it with to_onnx, "
                        "or keep net.params and rebuild it with the same loss")

