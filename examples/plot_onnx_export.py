"""
Export to ONNX and serve with ONNX Runtime
==========================================

:func:`fastnet.io.to_onnx` (also ``net.to_onnx``) writes a standard ONNX
graph that computes what :meth:`fastnet.Network.predict` returns: one
``Gemm`` per dense layer, then its activation, and the classifier's output
``Softmax``. Here a classifier trained on two spirals is exported, run by
ONNX Runtime, and its decision regions are drawn from the ONNX model's
probabilities.
"""

import os
import tempfile

import numpy as np
import onnxruntime as ort
from matplotlib.figure import Figure

import fastnet as fn

X, y = fn.datasets.two_spirals(1000, noise=0.2, seed=0)
net = fn.Network.mlp([2, 32, 32, 2], activation="tanh", loss="cross_entropy", seed=0)
net.fit(X, y, optimizer=fn.Adam(lr=0.01), epochs=100, batch_size=32)

path = os.path.join(tempfile.mkdtemp(), "spirals.onnx")
model = net.to_onnx(path)
print("graph:", " -> ".join(node.op_type for node in model.graph.node))

# %%
# ONNX Runtime computes the same probabilities as fastnet, to float32 rounding.

session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
probabilities = session.run(["Y"], {"X": X.astype(np.float32)})[0]
print("largest difference from net.predict:", np.abs(probabilities - net.predict(X)).max())
assert np.allclose(probabilities, net.predict(X), atol=1e-5)

# %%
# The probability of class 1 over the plane, from the ONNX model.

grid = np.linspace(X.min() - 0.5, X.max() + 0.5, 200, dtype=np.float32)
xx, yy = np.meshgrid(grid, grid)
points = np.column_stack([xx.ravel(), yy.ravel()])
p1 = session.run(["Y"], {"X": points})[0][:, 1].reshape(xx.shape)

fig = Figure(figsize=(5.5, 5), layout="constrained")
ax = fig.add_subplot()
ax.contourf(xx, yy, p1, levels=20, cmap="RdBu_r", vmin=0, vmax=1, alpha=0.8)
ax.scatter(*X[y == 0].T, s=6, color="tab:blue", label="class 0")
ax.scatter(*X[y == 1].T, s=6, color="tab:red", label="class 1")
ax.set_aspect("equal")
ax.set_title("P(class 1) from ONNX Runtime")
ax.legend(loc="upper right")
fig
