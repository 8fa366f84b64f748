"""Where a Network's conversions to other formats are found: ``net.to_onnx(...)`` looks its exporter up here.

The exporters live in :mod:`fastnet.io` (one module per format), which sits
above ``nn``: it also builds Networks from files, so ``nn`` must not import
it (tests/test_layout.py). Each exporter module registers its function here
when it is imported, and ``import fastnet`` imports them all, so a method of
:class:`~fastnet.nn.network.Network` reaches the exporter without an import
running upward: the same plug-in arrangement as pandas' plotting backends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["register", "export"]

_EXPORTERS: dict[str, Callable[..., Any]] = {}


def register(fmt: str, exporter: Callable[..., Any]) -> None:
    """Make ``exporter(net, *args, **kwargs)`` the conversion to ``fmt``."""
    _EXPORTERS[fmt] = exporter


def export(fmt: str, net: Any, *args: Any, **kwargs: Any) -> Any:
    """Convert ``net`` to ``fmt`` with the registered exporter."""
    try:
        exporter = _EXPORTERS[fmt]
    except KeyError:
        raise RuntimeError(f"no exporter to {fmt} is registered (fastnet.io.{fmt} registers it when "
                           f"imported; import fastnet does)") from None
    return exporter(net, *args, **kwargs)
