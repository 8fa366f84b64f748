from typing import Any

__all__ = ["ACTIVATIONS", "Activation"]


#: name -> (parameters with their defaults, weight initialisation scheme "he" or "glorot")
ACTIVATIONS: dict[str, tuple[dict[str, float], str]]

class Activation:
    """An activation function and its parameter, e.g. ``Activation("leaky_relu", negative_slope=0.1)``."""

    name: str
    params: dict[str, float]
    def __init__(self, name: str, **params: float) -> None: ...
    @classmethod
    def coerce(cls, value: Activation | str) -> Activation: ...
    @property
    def id(self) -> int: ...  # the kernel's ActivationId
    @property
    def param(self) -> float: ...  # the one double the kernel takes
    @property
    def init(self) -> str: ...  # "he" or "glorot"
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, other: object) -> bool: ...
    def __hash__(self) -> int: ...
