"""Helpers shared by the benchmark modules (no benchmarks in here)."""

import contextlib
import sys

from fastnet.bench.peers import PEERS
from fastnet.bench.timing import single_thread as _single_thread

# The limit stays in force for the rest of the process: asv runs each benchmark
# in a fresh process, and every setup asks for it again.
_limits = contextlib.ExitStack()
_entered = []


def single_thread():
    """One thread for BLAS and OpenMP (fastnet.bench.timing.single_thread) and for PyTorch, for this process."""
    if not _entered:
        _entered.append(_limits.enter_context(_single_thread()))
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def skip_unless_available(peer):
    """Raise NotImplementedError (asv: skipped, "n/a") when the peer's library is not installed."""
    reason = PEERS[peer].available()
    if reason is not None:
        raise NotImplementedError(reason)
