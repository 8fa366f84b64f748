"""
How fast is an epoch? fastnet against hand-written NumPy
========================================================

A small measurement made while these pages were built: the seconds one
training epoch takes with fastnet and with a hand-written NumPy
implementation of the same network and the same updates
(``fastnet/bench/numpy_mlp.py``), on two of the benchmark workloads of
:mod:`fastnet.bench`, one thread each, the two taking turns. It is a rough
and quick measurement on whatever machine built the documentation;
``python -m fastnet bench`` and ``docs/BENCHMARKS.md`` have the careful one.
"""

from matplotlib.figure import Figure

from fastnet.bench import WORKLOADS
from fastnet.bench.timing import make_peer, single_thread, time_peers

results = {}
with single_thread():  # one BLAS thread for every peer
    for name in ("tiny", "digits"):
        workload = WORKLOADS[name]
        data = workload.make_data(dtype="float32", seed=0)
        peers = {peer: make_peer(workload, peer, "float32", seed=0, data=data) for peer in ("fastnet", "numpy")}
        timing = time_peers(peers, min_repeats=3, budget=1.5)
        results[name] = {peer: timing[peer]["best"] for peer in peers}
        sizes = "-".join(map(str, workload.sizes))
        print(f"{name} ({sizes}, batch {workload.batch_size}): fastnet {results[name]['fastnet'] * 1e3:.2f} ms, "
              f"NumPy {results[name]['numpy'] * 1e3:.2f} ms per epoch: "
              f"{results[name]['numpy'] / results[name]['fastnet']:.1f}x")

# %%
# Seconds per epoch, on a log axis: the small the network and the batch, the
# more of NumPy's time is Python overhead per batch, which fastnet does not have.

fig = Figure(figsize=(7, 4), layout="constrained")
ax = fig.add_subplot()
width = 0.38
for k, (peer, color) in enumerate([("fastnet", "tab:green"), ("numpy", "tab:gray")]):
    xs = [i + (k - 0.5) * width for i in range(len(results))]
    bars = ax.bar(xs, [results[w][peer] for w in results], width, color=color, label=peer)
    ax.bar_label(bars, [f"{results[w][peer] * 1e3:.1f} ms" for w in results], padding=2)
ax.set_xticks(range(len(results)),
              [f"{w} ({'-'.join(map(str, WORKLOADS[w].sizes))}, batch {WORKLOADS[w].batch_size})" for w in results])
ax.set_yscale("log")
ax.set_ylabel("seconds per training epoch (best run)")
ax.set_title("one epoch, one thread, float32")
ax.legend()
fig
