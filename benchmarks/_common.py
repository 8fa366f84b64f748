"""Helpers shared by the benchmark modules (no benchmarks in here)."""

import sys

from fastnet.bench.peers import PEERS

_limits = []


def single_thread():
    """One thread for BLAS (threadpoolctl, when installed) and for PyTorch, for this process."""
    if not _limits:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            _limits.append(None)
        else:
            _limits.append(threadpool_limits(limits=1))
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def skip_unless_available(peer):
    """Raise NotImplementedError (asv: skipped, "n/a") when the peer's library is not installed."""
    reason = PEERS[peer].available()
    if reason is not None:
        raise NotImplementedError(reason)
