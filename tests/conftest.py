"""Fixtures shared by the test modules.

As thinc runs every backend test over ``ALL_OPS``, tests that take ``impl``
run one scenario through both implementations: the compiled ``fastnet`` and
the pure-Python ``fastnet.reference``, so the fast and the reference code
face the same assertions.
"""

import numpy as np
import pytest

from helpers import IMPLEMENTATIONS


@pytest.fixture(params=list(IMPLEMENTATIONS), ids=list(IMPLEMENTATIONS))
def impl(request):
    return IMPLEMENTATIONS[request.param]


@pytest.fixture(params=[np.float32, np.float64], ids=["float32", "float64"])
def dtype(request):
    return request.param
