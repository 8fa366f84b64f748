"""The GIL is released: two networks trained in two threads against one after the other.

pandas' asv_bench/benchmarks/gil.py idea: time the same work in a loop and
across threads. If training held the GIL, time_threads would equal
time_loop; with the GIL released, on two free cores, it is about half.
BLAS is limited to one thread, so each Python thread uses one core.
"""

import threading

from fastnet.bench import WORKLOADS, scaling
from fastnet.bench.timing import make_peer
from fastnet.runtime.threads import blas_thread_ceiling

from . import _common

# Epochs per network and measurement: about 0.1 to 1 s of work each, fixed so
# that results stay comparable from run to run.
EPOCHS = {"tiny": 200, "small": 20, "digits": 20, "mid": 2, "large": 1}


def run_in_threads(functions):
    """Run each function in its own thread, released together; wait for all."""
    barrier = threading.Barrier(len(functions))

    def wrap(fn):
        def target():
            barrier.wait()
            fn()
        return target

    threads = [threading.Thread(target=wrap(fn)) for fn in functions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


class ParallelTraining:
    params = [list(WORKLOADS), ["float32"]]
    param_names = ["workload", "dtype"]
    number = 1
    repeat = (1, 5, 20.0)
    timeout = 300

    def setup(self, workload, dtype):
        if workload not in EPOCHS:
            raise NotImplementedError(f"no epoch count chosen for workload {workload!r}")
        _common.single_thread()
        self.workload = WORKLOADS[workload]
        data = self.workload.make_data(dtype=dtype)
        self.peers = [make_peer(self.workload, "fastnet", dtype, seed=i, data=data) for i in range(2)]
        for peer in self.peers:
            peer.run()  # warm-up: workspaces and optimizer state
        self.jobs = [self._job(peer, EPOCHS[workload]) for peer in self.peers]

    def _job(self, peer, epochs):
        def job():
            peer.net.fit(peer.X, peer.y, optimizer=peer.optimizer, epochs=epochs,
                         batch_size=self.workload.batch_size, shuffle=True)
        return job

    def time_loop(self, workload, dtype):
        """Both networks, one after the other."""
        for job in self.jobs:
            job()

    def time_threads(self, workload, dtype):
        """Both networks at once, one thread each."""
        run_in_threads(self.jobs)

    def track_thread_speedup(self, workload, dtype):
        """Throughput of 2 threads over 1 (one after the other): 2.0 is perfect on 2 free cores."""
        return scaling.thread_speedup(self.workload, dtype, repeats=3, min_seconds=0.3)["speedup"]

    track_thread_speedup.unit = "x"


class BlasThreads:
    """One large network with ``Network.n_threads`` BLAS threads: fastnet's only multi-core path."""

    params = [["large"], ["float32"], [1, 2]]
    param_names = ["workload", "dtype", "n_threads"]
    number = 1
    repeat = (1, 5, 20.0)
    timeout = 300

    def setup(self, workload, dtype, n_threads):
        _common.single_thread()
        # n_threads never exceeds the BLAS limit in force (single_thread's 1): raise it for this run.
        self.limit = blas_thread_ceiling(n_threads)
        self.limit.__enter__()
        self.workload = WORKLOADS[workload]
        self.peer = make_peer(self.workload, "fastnet", dtype, seed=0)
        self.peer.net.n_threads = n_threads
        self.peer.run()  # warm-up

    def teardown(self, workload, dtype, n_threads):
        self.limit.__exit__(None, None, None)

    def time_epoch(self, workload, dtype, n_threads):
        """One epoch; the n_threads=2 row over the n_threads=1 row is the speedup."""
        self.peer.run()

    def track_gemm_ceiling(self, workload, dtype, n_threads):
        """What n_threads BLAS threads give a batch's matrix products alone (1.0 for n_threads=1)."""
        if n_threads == 1:
            return 1.0
        return scaling.gemm_thread_speedup(self.workload, dtype, n_threads)

    track_gemm_ceiling.unit = "x"
