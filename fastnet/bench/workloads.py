"""The benchmark workloads, as data: the one list that ``python -m fastnet bench`` and the asv suite share.

Every implementation (fastnet, the pure-Python reference, NumPy, PyTorch,
scikit-learn) trains ONE epoch of the same work: the same layer sizes, relu
hidden layers, the same loss, plain SGD, the same batch size, shuffled.

FLOPs per epoch (so that GFLOP/s is comparable across implementations):
each layer of a sample costs ``2 * n_in * n_out`` floating-point operations
forward (one multiply and one add per weight) and twice that backward (the
weight gradient ``x^T delta`` and the input gradient ``delta W^T``), except
that no one computes the first layer's input gradient (fastnet, the NumPy
peer and PyTorch all skip it), so

    flops_per_sample = 6 * sum over layers of n_in * n_out  -  2 * n_0 * n_1
    flops_per_epoch  = n_samples * flops_per_sample

This is the arithmetic actually done, so that GFLOP/s over the machine's
sgemm rate is a true fraction (the "6 x parameters x samples" rule of thumb
would overstate the large workload's rate by 16%). Bias adds, activations,
the loss and the optimizer update are left out: they are O(n_out) or
O(n_params) per batch, not per weight and sample.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .. import datasets

if TYPE_CHECKING:
    from ..nn.network import Network

__all__ = ["Workload", "WORKLOADS", "TARGETS", "get_workloads", "flops_per_sample"]


def flops_per_sample(sizes: Sequence[int]) -> int:
    """Floating-point operations of one sample's forward and backward pass (see the module docstring)."""
    return 6 * sum(n_in * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:])) - 2 * sizes[0] * sizes[1]


@dataclass(frozen=True)
class Workload:
    """One training workload.

    name: short id (``"tiny"``); sizes: layer widths, inputs first; batch_size;
    loss: ``"mse"`` (one regression output) or ``"cross_entropy"`` (softmax
    classification, labels as class indices); n_samples: rows in one epoch;
    data: which ``fastnet.datasets`` generator makes (X, y) from a seed;
    reference_samples: how many rows the pure-Python reference trains on
    (it is timed on that subsample and scaled per sample, since a full epoch
    would take minutes); peer_samples: rows that ``python -m fastnet bench``
    gives NumPy, PyTorch and scikit-learn when their per-sample Python cost
    makes a full epoch slow (batch 1; None: the full epoch; the asv suite
    always runs full epochs); lr: the SGD learning rate every implementation uses.
    """

    name: str
    sizes: tuple[int, ...]
    batch_size: int
    loss: str
    n_samples: int
    data: str
    reference_samples: int
    peer_samples: int | None = None
    lr: float = 0.01
    description: str = ""
    tags: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return "-".join(str(s) for s in self.sizes)

    @property
    def n_params(self) -> int:
        return sum(a * b + b for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    @property
    def flops_per_sample(self) -> int:
        return flops_per_sample(self.sizes)

    def flops_per_epoch(self, n_samples: int | None = None) -> int:
        return (self.n_samples if n_samples is None else n_samples) * self.flops_per_sample

    @property
    def n_batches(self) -> int:
        return -(-self.n_samples // self.batch_size)

    def make_data(self, dtype: npt.DTypeLike = "float32", seed: int = 0,
                  n_samples: int | None = None) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
        """(X, y) for this workload from ``seed``: X (n, sizes[0]) standardised to unit variance.

        y is a float column (n, 1) for ``"mse"`` and integer class labels (n,)
        for ``"cross_entropy"``. Generated with fastnet.datasets, nothing downloaded.
        """
        n = self.n_samples if n_samples is None else n_samples
        n_features, n_outputs = self.sizes[0], self.sizes[-1]
        if self.data == "two_spirals":
            X, labels = datasets.two_spirals(n, seed=seed, dtype=np.float64)
        elif self.data == "blobs":
            n_classes = n_outputs if self.loss == "cross_entropy" else 2
            X, labels = datasets.blobs(n, n_features=n_features, n_classes=n_classes, seed=seed,
                                       dtype=np.float64)
        else:
            raise ValueError(f"unknown data generator {self.data!r}")
        if X.shape[1] != n_features:
            raise ValueError(f"{self.data} gives {X.shape[1]} features but {self.name} needs {n_features}")
        std = X.std(axis=0)
        X = (X - X.mean(axis=0)) / np.where(std > 0, std, 1.0)
        X = np.ascontiguousarray(X, dtype=dtype)
        if self.loss == "cross_entropy":
            return X, labels.astype(np.int64)
        return X, labels.astype(dtype).reshape(-1, 1)

    def network(self, dtype: npt.DTypeLike = "float32", seed: int = 0) -> Network:
        """The fastnet network of this workload (relu hidden layers; softmax output for cross-entropy)."""
        import fastnet

        return fastnet.Network.mlp(list(self.sizes), activation="relu", loss=self.loss, dtype=dtype, seed=seed)


WORKLOADS = {w.name: w for w in (
    Workload("tiny", (2, 8, 1), batch_size=1, loss="mse", n_samples=2000, data="two_spirals",
             reference_samples=200, peer_samples=500,
             description="per-sample SGD on a toy network: all Python overhead for the peers"),
    Workload("small", (16, 32, 32, 1), batch_size=1, loss="mse", n_samples=2000, data="blobs",
             reference_samples=32, peer_samples=500,
             description="online SGD (batch 1) on a small regression network"),
    Workload("digits", (64, 128, 10), batch_size=32, loss="cross_entropy", n_samples=1797, data="blobs",
             reference_samples=32,
             description="the shape of sklearn's digits (1797 x 64, 10 classes), mini-batch 32"),
    Workload("mid", (256, 256, 256, 10), batch_size=64, loss="cross_entropy", n_samples=4096, data="blobs",
             reference_samples=4,
             description="a medium classifier, mini-batch 64"),
    Workload("large", (784, 1024, 1024, 10), batch_size=256, loss="cross_entropy", n_samples=4096,
             data="blobs", reference_samples=1,
             description="MNIST-shaped, wide layers, batch 256: GEMM-bound"),
)}


def get_workloads(names: str | Sequence[str] | None = None) -> list[Workload]:
    """Workloads by name (a list or a comma-separated string); all of them for None."""
    if names is None:
        return list(WORKLOADS.values())
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in names if n not in WORKLOADS]
    if unknown:
        raise ValueError(f"unknown workload(s) {', '.join(unknown)}; expected some of {', '.join(WORKLOADS)}")
    return [WORKLOADS[n] for n in names]


#: The issue's targets, single thread, float32 unless said: (workload, peer) -> minimum
#: speedup of fastnet over the peer (peer time / fastnet time, per sample).
TARGETS: dict[tuple[str, str], float] = {
    ("tiny", "numpy"): 100.0, ("tiny", "torch"): 500.0, ("tiny", "reference"): 100.0,
    ("small", "numpy"): 25.0, ("small", "torch"): 100.0, ("small", "reference"): 300.0,
    ("digits", "numpy"): 2.0, ("digits", "torch"): 5.0, ("digits", "reference"): 1000.0,
    ("mid", "numpy"): 1.2, ("mid", "torch"): 1.4,
    ("large", "numpy"): 0.95, ("large", "torch"): 1.1,
}
#: float64 targets: (workload, peer) -> minimum speedup.
TARGETS_FLOAT64: dict[tuple[str, str], float] = {("digits", "sklearn"): 4.0}
#: The large workload's fastnet GFLOP/s as a fraction of the single-thread sgemm rate.
TARGET_GEMM_FRACTION = ("large", 0.85)
#: "Peak memory of a training run stays within a few MB of data + parameters": what one
#: fresh fit epoch allocates beyond one batch's activations and deltas (which every
#: implementation keeps), at most this.
TARGET_FIT_EXTRA_BYTES = 4 * 2**20
#: Two networks in two threads against one after the other (throughput ratio).
TARGET_THREAD_SPEEDUP = 1.8
#: (workload, n_threads, minimum speedup over fastnet on one thread, minimum speedup
#: over PyTorch with as many threads) for ``Network.n_threads``.
TARGET_BLAS_THREADS = ("large", 2, 1.8, 1.1)
#: The prediction section (fastnet/bench/prediction.py): the workloads whose networks
#: are timed, and the batch sizes (rows per predict call).
PREDICT_WORKLOADS = ("digits", "mid")
PREDICT_ROWS = (1, 1024)
#: rows per call -> minimum speedup of Network.predict over ONNX Runtime (one thread), float32.
TARGET_PREDICT_ONNXRUNTIME: dict[int, float] = {1: 2.0, 1024: 1.1}
