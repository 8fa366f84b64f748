from typing import Any, Protocol

__all__ = ["gradcheck"]

class _SupportsGradcheck(Protocol):
    """The network interface gradcheck needs (fastnet.Network and fastnet.reference.Network have it)."""

    @property
    def params(self) -> Any: ...
    @params.setter
    def params(self, values: Any) -> None: ...
    @property
    def grads(self) -> Any: ...
    def loss(self, X: Any, Y: Any) -> float: ...
    def backward(self, X: Any, Y: Any) -> float: ...

def gradcheck(
    net: _SupportsGradcheck,
    X: Any,  # a batch, as net.loss takes it
    Y: Any,
    h: float = 1e-6,
    max_params: int | None = None,
    seed: int = 0,
) -> float: ...  # the worst relative error of backprop against centred finite differences
