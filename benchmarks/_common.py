"""Helpers shared by the benchmark modules (no benchmarks in here)."""

import contextlib
import sys

from fastnet.bench.peers import PEERS, PeerUnavailable
from fastnet.bench.timing import make_peer as _make_peer
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


def skip_unless_available(peer, workload=None):
    """Raise NotImplementedError (asv: skipped, "n/a") when the peer's library is not installed,
    or when the peer does not implement ``workload`` (a Workload; the C loop is for batch 1 only)."""
    reason = PEERS[peer].available()
    if reason is None and workload is not None:
        reason = PEERS[peer].skip_reason(workload)
    if reason is not None:
        raise NotImplementedError(reason)


def make_peer(workload, name, dtype, **kwargs):
    """fastnet.bench.timing.make_peer, a peer that finds it cannot run here (PeerUnavailable: a compiler
    that fails) raising NotImplementedError instead."""
    try:
        return _make_peer(workload, name, dtype, **kwargs)
    except PeerUnavailable as exc:
        raise NotImplementedError(str(exc)) from exc
