"""The asv benchmark suite of fastnet (see docs/BENCHMARKS.md; configuration in asv.conf.json).

The workloads and the peer implementations come from ``fastnet.bench``, the
same source that ``python -m fastnet bench`` uses. When fastnet is not
installed in the environment asv runs in (``asv run --python=same`` on a
checkout built with ``python setup.py build_ext --inplace``), the checkout
itself is imported.
"""

import os
import sys

# Single-threaded BLAS for every benchmark: set before numpy is first imported
# (the BLAS libraries read these once, when they load); _common.single_thread()
# also applies threadpoolctl's limits for the case where numpy was loaded first.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

try:
    import fastnet  # noqa: F401
except ImportError:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
