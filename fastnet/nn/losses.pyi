from typing import Any

from .activations import Activation

__all__ = ["LOSSES", "Loss"]


#: name -> (parameters with their defaults, the output activation it is fused with or None)
LOSSES: dict[str, tuple[dict[str, float], str | None]]

class Loss:
    """A loss function and its parameter, e.g. ``Loss("huber", delta=0.5)``."""

    name: str
    params: dict[str, float]
    def __init__(self, name: str, **params: float) -> None: ...
    @classmethod
    def coerce(cls, value: Loss | str) -> Loss: ...
    @property
    def id(self) -> int: ...  # the kernel's LossId
    @property
    def param(self) -> float: ...  # the one double the kernel takes
    @property
    def fused_activation(self) -> str | None: ...
    @property
    def is_classification(self) -> bool: ...
    def check_output_activation(self, activation: Activation) -> None: ...
    def check_n_outputs(self, n_outputs: int) -> None: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...
