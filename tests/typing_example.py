"""A small typed program over fastnet's public API.

tests/test_typing.py runs ``mypy --strict`` on this file (so fastnet's stubs
must describe the API well enough for strictly typed user code) and then runs
it (so what it claims is true). Every annotation below is what a user would
write; nothing is cast or ignored.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import numpy as np
import numpy.typing as npt

import fastnet as fn
import fastnet.io
from fastnet import reference
from fastnet.train.history import History
from fastnet.optim.schedules import (CosineAnnealingLR, ExponentialLR, LambdaLR, LinearWarmup, LRSchedule, OneCycleLR,
                                    ReduceLROnPlateau, StepLR)

FloatArray = npt.NDArray[np.floating[Any]]


def regression_data(n_samples: int, seed: int = 0) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, 3))
    Y = (X[:, :1] - 0.5 * X[:, 1:2]) ** 2
    return X, Y


def stop_when_tiny(epoch: int, logs: dict[str, float]) -> bool:
    """A fit callback: True stops training."""
    return logs["loss"] < 1e-8


def train_regressor(X: npt.ArrayLike, Y: npt.ArrayLike) -> tuple[fn.Network, History]:
    net = fn.Network.mlp([3, 16, 1], activation="tanh", loss=fn.Loss("huber", delta=0.5),
                         dtype="float64", seed=1)
    optimizer: fn.Optimizer = fn.AdamW(lr=1e-2, weight_decay=1e-3)
    schedule: LRSchedule = CosineAnnealingLR(T_max=6)
    history = net.fit(X, Y, optimizer=optimizer, epochs=6, batch_size=16, validation_split=0.25,
                      early_stopping=3, lr_schedule=schedule, max_norm=5.0, callbacks=[stop_when_tiny])
    final_loss: float = history.loss[-1]
    val_loss: list[float] = history.val_loss
    assert len(history) == len(val_loss) and final_loss >= 0.0
    return net, history


def layers_and_buffers(net: fn.Network, X: FloatArray, Y: FloatArray) -> float:
    """The flat buffers and one manual step of backprop and SGD."""
    params: FloatArray = net.params
    first: fn.Dense = net.dense_layers[0]   # net.layers holds Dense and Dropout
    assert first.W.shape == (first.n_in, first.n_out) and params.shape == (net.n_params,)
    before = params.copy()
    weighted: float = net.loss(X, Y, sample_weight=np.linspace(0.5, 1.5, len(X)))
    loss: float = net.backward(X, Y)
    assert weighted >= 0.0
    fn.SGD(lr=0.1, momentum=0.9, nesterov=True).step(net)
    assert not np.array_equal(before, net.params)
    return loss


def classifier() -> float:
    X, labels = fn.datasets.two_spirals(200, seed=0)
    layers = [fn.Dense(2, 16, fn.Activation("leaky_relu", negative_slope=0.1)), fn.Dense(16, 2, "softmax")]
    net = fn.Network(layers, loss="cross_entropy", dtype="float32", seed=3)
    try:
        history = net.fit(X, labels, optimizer="adam", epochs=3, batch_size=32,
                          validation_data=(X[:50], labels[:50]))
    except fn.TrainingDivergedError as error:
        print(f"diverged in epoch {error.epoch}")
        raise
    probabilities: FloatArray = net.predict(X[:5])
    assert probabilities.shape == (5, 2)
    accuracy: float = history.val_accuracy[-1]
    return accuracy


def save_and_load(net: fn.Network) -> fn.Network:
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model.npz")
        net.save(path)
        written: str = fastnet.io.save(net, path, metadata={"features": ["a", "b", "c"]})
        loaded = fn.load(written)
    assert np.array_equal(loaded.params, net.params)
    metadata: dict[str, Any] = loaded.metadata
    assert metadata["features"] == ["a", "b", "c"]
    return loaded


def reference_parity(X: npt.NDArray[np.float64], Y: npt.NDArray[np.float64]) -> float:
    ref = reference.Network.mlp([3, 4, 1], activation="relu", loss="mse", seed=0)
    net = fn.Network.mlp([3, 4, 1], activation="relu", loss="mse", dtype="float64", seed=0)
    out: list[list[float]] = ref.predict(X[:4].tolist())
    assert np.allclose(out, net.predict(X[:4]), rtol=1e-12)
    a: list[float] = reference.activations.forward("tanh", [0.0, 1.0])
    value, grad = reference.losses.loss_gradient("mse", [[1.0]], [[0.5]])
    assert a[0] == 0.0 and value > 0 and len(grad) == 1
    return fn.gradcheck(ref, X[:8].tolist(), Y[:8].tolist()) + fn.gradcheck(net, X[:8], Y[:8])


def tables() -> list[str]:
    names: list[str] = []
    for name in fn.ACTIVATIONS:
        names.append(fn.Activation(name).name)
    for name in fn.LOSSES:
        names.append(fn.Loss(name).name)
    for name, cls in fn.OPTIMIZERS.items():
        optimizer: fn.Optimizer = cls(lr=0.1)
        assert optimizer.name == name and len(optimizer.hyper_vector()) > 0
        names.append(name)
    schedules: list[LRSchedule] = [StepLR(2), ExponentialLR(0.9), ReduceLROnPlateau(patience=1, mode="min"),
                                   LambdaLR(lambda epoch: 0.9 ** epoch), OneCycleLR(max_lr=0.1, total_steps=10),
                                   LinearWarmup(epochs=3, start_factor=0.1, then=CosineAnnealingLR(T_max=7))]
    assert all(s.lr(0, 0.1, History()) > 0 for s in schedules)
    return names


def build_information() -> str:
    config: dict[str, Any] = fn.show_config(mode="dicts")
    assert config["fastnet"]["version"] == fn.__version__
    fn.show_config()
    include: str = fn.get_include()
    return include


def main() -> None:
    X, Y = regression_data(64)
    net, _ = train_regressor(X, Y)
    layers_and_buffers(net, X[:8], Y[:8])
    classifier()
    save_and_load(net)
    worst = reference_parity(X, Y)
    assert worst < 1e-5, worst
    tables()
    build_information()


if __name__ == "__main__":
    main()
