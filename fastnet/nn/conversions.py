"""Where a Network's conversions to and from other formats are found: ``net.to_onnx(...)``,
``Network.from_torch(...)`` look their converter up here.

The converters live in :mod:`fastnet.io` (one module per format), which sits
above ``nn``: it also builds Networks from files, so ``nn`` must not import
it (tests/test_layout.py). Each converter module registers its functions here
when it is imported (an exporter with :func:`register`, an importer with
:func:`register_importer`), and ``import fastnet`` imports them all, so a
method of :class:`~fastnet.nn.network.Network` reaches the converter without
an import running upward: the same plug-in arrangement as pandas' plotting
backends.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["register", "export", "register_importer", "import_from"]

_EXPORTERS: dict[str, Callable[..., Any]] = {}
_IMPORTERS: dict[str, Callable[..., Any]] = {}


def register(fmt: str, exporter: Callable[..., Any]) -> None:
    """Make ``exporter(net, *args, **kwargs)`` the conversion to ``fmt``."""
    _EXPORTERS[fmt] = exporter


def export(fmt: str, net: Any, *args: Any, **kwargs: Any) -> Any:
    """Convert ``net`` to ``fmt`` with the registered exporter."""
    return _registered(_EXPORTERS, "exporter to", fmt)(net, *args, **kwargs)


def register_importer(fmt: str, importer: Callable[..., Any]) -> None:
    """Make ``importer(model, *args, **kwargs)`` the conversion from ``fmt`` to a Network."""
    _IMPORTERS[fmt] = importer


def import_from(fmt: str, model: Any, *args: Any, **kwargs: Any) -> Any:
    """The Network that the registered importer of ``fmt`` builds from ``model``."""
    return _registered(_IMPORTERS, "importer from", fmt)(model, *args, **kwargs)


def _registered(table: dict[str, Callable[..., Any]], what: str, fmt: str) -> Callable[..., Any]:
    try:
        return table[fmt]
    except KeyError:
        raise RuntimeError(f"no {what} {fmt} is registered (fastnet.io.{fmt} registers it when "
                           f"imported; import fastnet does)") from None
