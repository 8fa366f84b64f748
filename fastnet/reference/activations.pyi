from collections.abc import Callable, Sequence

from ..nn.activations import Activation

__all__ = ["forward", "backward", "sigmoid", "FORWARD", "BACKWARD"]

def sigmoid(z: float) -> float: ...
def softmax(z_row: Sequence[float]) -> list[float]: ...

#: name -> forward(z_row, param) -> a_row
FORWARD: dict[str, Callable[[list[float], float], list[float]]]
#: name -> backward(a_row, g_row, param) -> dz_row
BACKWARD: dict[str, Callable[[list[float], list[float], float], list[float]]]

def forward(activation: Activation | str, z_row: Sequence[float]) -> list[float]: ...
def backward(activation: Activation | str, a_row: Sequence[float], grad_row: Sequence[float]) -> list[float]: ...
