"""One training epoch of each workload, by fastnet and by each peer.

The workloads and peers are fastnet.bench's (fastnet/bench/workloads.py,
fastnet/bench/peers.py): same layers, relu, loss, plain SGD, batch size and
shuffling for everyone. BLAS and PyTorch are limited to one thread. A peer
that is not installed (PyTorch, JAX, scikit-learn, a C compiler for the C
loop), that cannot run here (torch.compile without a working inductor) or
that does not implement the workload (the C loop: batch 1 only) is skipped:
its setup raises NotImplementedError, which asv records as "n/a".
torch.compile compiles in setup (tens of seconds per workload and dtype).
"""

from fastnet.bench import WORKLOADS
from fastnet.bench import peers as _peers
from fastnet.bench import timing as _timing
from fastnet.bench.memory import fit_memory

from . import _common

WORKLOAD_NAMES = list(WORKLOADS)


class TrainEpoch:
    """Seconds for one full epoch, by implementation (the reference is in ReferenceEpoch)."""

    params = [WORKLOAD_NAMES, ["fastnet", "numpy", "torch", "torch_compile", "jax", "sklearn", "c_loop"],
              ["float32", "float64"]]
    param_names = ["workload", "impl", "dtype"]
    number = 1
    repeat = (1, 5, 20.0)
    timeout = 300

    def setup(self, workload, impl, dtype):
        _common.skip_unless_available(impl, WORKLOADS[workload])
        _common.single_thread()
        self.peer = _common.make_peer(WORKLOADS[workload], impl, dtype, subsample=False)
        self.peer.run()  # warm-up: buffers, first-call costs

    def time_epoch(self, workload, impl, dtype):
        self.peer.run()


class RollbackCost:
    """fastnet's epoch with and without the rollback copy (fit(rollback=False) checks each
    batch's gradient instead of copying the parameters once an epoch)."""

    params = [WORKLOAD_NAMES, [True, False]]
    param_names = ["workload", "rollback"]
    number = 1
    repeat = (1, 5, 20.0)
    timeout = 300

    def setup(self, workload, rollback):
        _common.single_thread()
        workload = WORKLOADS[workload]
        X, y = workload.make_data(dtype="float32", seed=0)
        self.peer = _peers.FastnetPeer(workload, X, y, rollback=rollback)
        self.peer.run()

    def time_epoch(self, workload, rollback):
        self.peer.run()


class ReferenceEpoch:
    """The pure-Python reference on its subsample (workload.reference_samples rows)."""

    params = [WORKLOAD_NAMES]
    param_names = ["workload"]
    number = 1
    repeat = (1, 3, 20.0)
    timeout = 300

    def setup(self, workload):
        self.peer = _timing.make_peer(WORKLOADS[workload], "reference", "float64")

    def time_subsample(self, workload):
        """Seconds for the subsample (a backward pass and one step where one batch is larger)."""
        self.peer.run()

    def track_seconds_per_epoch(self, workload):
        """A full epoch, estimated from the subsample (scaled per sample)."""
        return _timing.time_peer(self.peer, min_repeats=1, budget=0.0)["best"]

    track_seconds_per_epoch.unit = "seconds"


class Speedup:
    """fastnet's speedup over each peer (peer time / fastnet time), measured side by side.

    The issue's targets are in fastnet.bench.workloads.TARGETS. At batch 1 the
    peers are timed on workload.peer_samples rows and compared per sample.
    """

    params = [WORKLOAD_NAMES, ["reference", "numpy", "torch", "torch_compile", "jax", "sklearn", "c_loop"],
              ["float32", "float64"]]
    param_names = ["workload", "peer", "dtype"]
    timeout = 300

    def setup(self, workload, peer, dtype):
        _common.skip_unless_available(peer, WORKLOADS[workload])
        if peer == "reference" and dtype == "float64":
            raise NotImplementedError("the reference computes in Python floats: one dtype is enough")
        _common.single_thread()
        w = WORKLOADS[workload]
        data = w.make_data(dtype=dtype)
        # Made here, so that a peer that cannot run (PeerUnavailable) is skipped, and compile time is not timed.
        self.peers = {"fastnet": _common.make_peer(w, "fastnet", dtype, data=data),
                      peer: _common.make_peer(w, peer, dtype, data=data)}

    def track_speedup(self, workload, peer, dtype):
        timing = _timing.time_peers(self.peers, min_repeats=2, budget=0.5)
        return timing[peer]["best"] / timing["fastnet"]["best"]

    track_speedup.unit = "x"


class Throughput:
    """fastnet's training rate per workload, and the large workload against the sgemm rate."""

    params = [WORKLOAD_NAMES, ["float32", "float64"]]
    param_names = ["workload", "dtype"]
    timeout = 300

    def setup(self, workload, dtype):
        _common.single_thread()
        self.workload = WORKLOADS[workload]
        self.peer = _timing.make_peer(self.workload, "fastnet", dtype)

    def track_gflops(self, workload, dtype):
        """GFLOP/s, counting 6 * sum(n_in * n_out) per sample."""
        seconds = _timing.time_peer(self.peer, min_repeats=3, budget=0.5)["best"]
        return self.workload.flops_per_epoch() / seconds / 1e9

    track_gflops.unit = "GFLOP/s"

    def track_fraction_of_gemm(self, workload, dtype):
        """fastnet's GFLOP/s over numpy's single-thread (n=1024) gemm rate, same dtype."""
        import numpy as np

        gemm = _timing.gemm_rate(repeats=3, dtype=np.dtype(dtype))["numpy_gflops"]
        return self.track_gflops(workload, dtype) / gemm

    track_fraction_of_gemm.unit = "fraction"


class TrainMemory:
    """Memory of a fastnet training epoch against the data and the parameters."""

    params = [WORKLOAD_NAMES, ["float32", "float64"]]
    param_names = ["workload", "dtype"]
    timeout = 300

    def setup(self, workload, dtype):
        _common.single_thread()
        self.workload = WORKLOADS[workload]
        self.peer = _timing.make_peer(self.workload, "fastnet", dtype)

    def peakmem_epoch(self, workload, dtype):
        """The process's peak resident memory over setup and one epoch."""
        self.peer.run()

    def track_fit_allocates(self, workload, dtype):
        """Bytes one fresh Network.fit epoch allocates (tracemalloc), beyond data and parameters."""
        return fit_memory(self.workload, dtype, rollback=(True,))["fit_peak_bytes"]

    track_fit_allocates.unit = "bytes"

    def track_fit_allocates_without_rollback(self, workload, dtype):
        """The same with fit(rollback=False), which keeps no copy of the parameters."""
        return fit_memory(self.workload, dtype, rollback=(False,))["fit_peak_bytes_no_rollback"]

    track_fit_allocates_without_rollback.unit = "bytes"

    def track_data_and_params(self, workload, dtype):
        m = fit_memory(self.workload, dtype, rollback=())
        return m["data_bytes"] + m["params_bytes"]

    track_data_and_params.unit = "bytes"


def track_sgemm_gflops():
    """The machine's single-thread float32 numpy matmul rate, 1024 x 1024 x 1024."""
    _common.single_thread()
    return _timing.gemm_rate(repeats=5)["numpy_gflops"]


track_sgemm_gflops.unit = "GFLOP/s"
