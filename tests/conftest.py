"""Fixtures shared by the test modules.

As thinc runs every backend test over ``ALL_OPS``, tests that take ``impl``
run one scenario through both implementations: the compiled ``fastnet`` and
the pure-Python ``fastnet.reference``, so the fast and the reference code
face the same assertions.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import IMPLEMENTATIONS

HERE = Path(__file__).resolve().parent


def _hide_test_folders_named_like_packages():
    """tests/sklearn/ mirrors fastnet.sklearn, tests/distributed/ fastnet.distributed, ...

    With tests/ on sys.path (pytest puts this file's folder there), such a
    folder passes for the package of that name as a namespace package where
    the real one (scikit-learn, Dask's distributed) is not installed, and
    ``pytest.importorskip`` would not skip. Mark those names absent.
    """
    for folder in HERE.iterdir():
        if not folder.is_dir() or folder.name in sys.modules:
            continue
        spec = importlib.util.find_spec(folder.name)
        if spec is not None and spec.origin is None and all(
                Path(location).resolve().parent == HERE for location in spec.submodule_search_locations or ()):
            sys.modules[folder.name] = None


_hide_test_folders_named_like_packages()


@pytest.fixture(params=list(IMPLEMENTATIONS), ids=list(IMPLEMENTATIONS))
def impl(request):
    return IMPLEMENTATIONS[request.param]


@pytest.fixture(params=[np.float32, np.float64], ids=["float32", "float64"])
def dtype(request):
    return request.param
