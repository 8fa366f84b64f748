import os
from typing import Any

from ..nn.network import Network

__all__ = ["save", "load", "FORMAT_VERSION"]

FORMAT_VERSION: int

def save(
    net: Network,
    path: str | os.PathLike[str],
    include_optimizer: bool = True,
    metadata: dict[str, Any] | None = None,
) -> str: ...  # the path written (".npz" appended when missing)
def load(path: str | os.PathLike[str]) -> Network: ...
