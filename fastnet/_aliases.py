"""The import paths of fastnet 0.1 (a flat package), kept working after the move to subpackages.

One table, old path -> the module that now holds it. A module that is already
imported is entered into ``sys.modules`` under its old name (the same object,
so ``fastnet.network.Network is fastnet.Network`` and a monkeypatch of one is a
patch of the other); an optional one (scikit-learn's estimators) is found on
first import by a finder, so that ``import fastnet`` does not import
scikit-learn.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence

OLD_PATHS = {
    "fastnet.activations": "fastnet.nn.activations",
    "fastnet.losses": "fastnet.nn.losses",
    "fastnet.network": "fastnet.nn.network",
    "fastnet.optimizers": "fastnet.optim.optimizers",
    "fastnet.schedules": "fastnet.optim.schedules",
    "fastnet.history": "fastnet.train.history",
    "fastnet.errors": "fastnet.train.errors",
    "fastnet.progress": "fastnet.train.progress",
    "fastnet.gradcheck": "fastnet.reference.gradcheck",
    "fastnet.demo": "fastnet.cli.demo",
    "fastnet.estimators": "fastnet.sklearn",
}


class _AliasLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return importlib.import_module(OLD_PATHS[spec.name])

    def exec_module(self, module: types.ModuleType) -> None:
        pass  # the module under its new name has run already


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname not in OLD_PATHS:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader())


def install(package: types.ModuleType) -> None:
    """Make every old path importable; called once, at the end of ``fastnet/__init__.py``."""
    for old, new in OLD_PATHS.items():
        module = sys.modules.get(new)
        if module is None:
            continue
        sys.modules.setdefault(old, module)
        name = old.rpartition(".")[2]
        if not hasattr(package, name):  # fastnet.gradcheck stays the function, as in 0.1
            setattr(package, name, module)
    if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
        sys.meta_path.append(_AliasFinder())
