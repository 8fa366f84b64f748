"""The compiled network and the reference raise the same exception for the same mistake.

Code written against one (``except ValueError:``) must behave the same with
the other, and a test that swaps one for the other must not need a second set
of ``pytest.raises``. Each mistake below is made against ``fastnet`` and
against ``fastnet.reference`` with the same arguments (plain lists, which both
take); the exception types must be equal, and so must the message's first
words (the argument named, and what is wrong with it).
"""

import math

import pytest

import fastnet
from fastnet import reference

X = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]
Y1 = [[1.0], [0.0], [0.5]]
LABELS = [0, 1, 2]
NAN, INF = math.nan, math.inf


def regressor(lib):
    return lib.Network.mlp([2, 3, 1], activation="tanh", loss="mse", dtype="float64", seed=0)


def classifier(lib):
    return lib.Network.mlp([2, 3, 3], activation="tanh", loss="cross_entropy", dtype="float64", seed=0)


def binary(lib):
    return lib.Network.mlp([2, 3, 1], activation="tanh", loss="binary_cross_entropy", dtype="float64", seed=0)


#: name -> the mistake, made with one library (fastnet or fastnet.reference)
MISTAKES = {
    # -- X ------------------------------------------------------------------------------
    "predict: too many features": lambda lib: regressor(lib).predict([[0.0, 1.0, 2.0]]),
    "predict: too few features": lambda lib: regressor(lib).predict([[0.0]]),
    "loss: wrong feature count": lambda lib: regressor(lib).loss([[0.0, 1.0, 2.0]], [[1.0]]),
    "backward: wrong feature count": lambda lib: regressor(lib).backward([[0.0, 1.0, 2.0]], [[1.0]]),
    "fit: wrong feature count": lambda lib: regressor(lib).fit([[0.0, 1.0, 2.0]], [[1.0]]),
    "predict: 1-D X": lambda lib: regressor(lib).predict([0.0, 1.0]),
    "loss: 1-D X": lambda lib: regressor(lib).loss([0.0, 1.0], [1.0]),
    "predict: 3-D X": lambda lib: regressor(lib).predict([[[0.0], [1.0]]]),
    "predict: X a number": lambda lib: regressor(lib).predict(3.0),
    "predict: X None": lambda lib: regressor(lib).predict(None),
    "predict: X text": lambda lib: regressor(lib).predict("ab"),
    "predict: X empty": lambda lib: regressor(lib).predict([]),
    "predict: ragged X": lambda lib: regressor(lib).predict([[0.0, 1.0], [1.0]]),
    "predict: NaN in X": lambda lib: regressor(lib).predict([[0.0, NAN]]),
    "predict: inf in X": lambda lib: regressor(lib).predict([[INF, 0.0]]),
    "fit: NaN in X": lambda lib: regressor(lib).fit([[0.0, 1.0], [NAN, 0.0], [0.5, 0.5]], Y1),
    "predict: None in X": lambda lib: regressor(lib).predict([[0.0, None]]),
    "predict: strings in X": lambda lib: regressor(lib).predict([["a", "b"]]),
    "predict: complex X": lambda lib: regressor(lib).predict([[1j, 0.0]]),
    # -- Y ------------------------------------------------------------------------------
    "loss: Y too short": lambda lib: regressor(lib).loss(X, Y1[:2]),
    "fit: Y too long": lambda lib: regressor(lib).fit(X, Y1 + [[1.0]]),
    "loss: Y too wide": lambda lib: regressor(lib).loss(X, [[1.0, 2.0]] * 3),
    "loss: 1-D Y for 3 outputs": lambda lib: lib.Network.mlp([2, 3], dtype="float64").loss(X, [1.0, 2.0, 3.0]),
    "backward: NaN in Y": lambda lib: regressor(lib).backward(X, [[1.0], [NAN], [0.5]]),
    "loss: Y None": lambda lib: regressor(lib).loss(X, None),
    "loss: Y a number": lambda lib: regressor(lib).loss(X, 1.0),
    "loss: class label out of range": lambda lib: classifier(lib).loss(X, [0, 1, 3]),
    "loss: negative class label": lambda lib: classifier(lib).loss(X, [0, -1, 2]),
    "loss: fractional class label": lambda lib: classifier(lib).loss(X, [0, 1.5, 2]),
    "loss: binary target above 1": lambda lib: binary(lib).loss(X, [[1.0], [2.0], [0.0]]),
    # -- sample_weight ------------------------------------------------------------------
    "loss: too few weights": lambda lib: regressor(lib).loss(X, Y1, sample_weight=[1.0, 1.0]),
    "loss: negative weight": lambda lib: regressor(lib).loss(X, Y1, sample_weight=[1.0, -1.0, 1.0]),
    "loss: zero weights": lambda lib: regressor(lib).loss(X, Y1, sample_weight=[0.0, 0.0, 0.0]),
    "loss: NaN weight": lambda lib: regressor(lib).loss(X, Y1, sample_weight=[1.0, NAN, 1.0]),
    "fit: weights a number": lambda lib: regressor(lib).fit(X, Y1, sample_weight=1.0),
    # -- fit's arguments ----------------------------------------------------------------
    "fit: epochs a string": lambda lib: regressor(lib).fit(X, Y1, epochs="3"),
    "fit: epochs a float": lambda lib: regressor(lib).fit(X, Y1, epochs=2.5),
    "fit: negative epochs": lambda lib: regressor(lib).fit(X, Y1, epochs=-1),
    "fit: batch_size 0": lambda lib: regressor(lib).fit(X, Y1, batch_size=0),
    "fit: batch_size a float": lambda lib: regressor(lib).fit(X, Y1, batch_size=1.0),
    "fit: shuffle a string": lambda lib: regressor(lib).fit(X, Y1, shuffle="yes"),
    "fit: negative seed": lambda lib: regressor(lib).fit(X, Y1, seed=-3),
    "fit: fractional seed": lambda lib: regressor(lib).fit(X, Y1, seed=1.5),
    "fit: unknown optimizer": lambda lib: regressor(lib).fit(X, Y1, optimizer="adamax"),
    "fit: optimizer a number": lambda lib: regressor(lib).fit(X, Y1, optimizer=0.1),
    # -- building a network -------------------------------------------------------------
    "Dense: zero inputs": lambda lib: lib.Dense(0, 3),
    "Dense: negative outputs": lambda lib: lib.Dense(3, -2),
    "Dense: float width": lambda lib: lib.Dense(3.0, 2),
    "Dense: bool width": lambda lib: lib.Dense(True, 2),
    "Dense: unknown activation": lambda lib: lib.Dense(3, 2, "swish"),
    "Dense: activation a number": lambda lib: lib.Dense(3, 2, 3),
    "Dense: unknown init": lambda lib: lib.Dense(3, 2, "relu", init="orthogonal"),
    "Dense: init a number": lambda lib: lib.Dense(3, 2, init=0.5),
    "Network: no layers": lambda lib: lib.Network([]),
    "Network: layers a number": lambda lib: lib.Network(3),
    "Network: a layer that is not Dense": lambda lib: lib.Network([lib.Dense(3, 2), "relu"]),
    "Network: layers that do not chain": lambda lib: lib.Network([lib.Dense(3, 2), lib.Dense(4, 1)]),
    "Network: one layer twice": lambda lib: (lambda d: lib.Network([d, d]))(lib.Dense(2, 2)),
    "Network: unknown loss": lambda lib: lib.Network([lib.Dense(3, 1)], loss="hinge"),
    "Network: loss a number": lambda lib: lib.Network([lib.Dense(3, 1)], loss=1),
    "Network: cross_entropy without softmax": lambda lib: lib.Network([lib.Dense(3, 2)], loss="cross_entropy"),
    "Network: cross_entropy with one output": lambda lib: lib.Network([lib.Dense(3, 1, "softmax")],
                                                                      loss="cross_entropy"),
    "Network: unknown dtype": lambda lib: lib.Network([lib.Dense(3, 1)], dtype="float16"),
    "Network: dtype int32": lambda lib: lib.Network([lib.Dense(3, 1)], dtype="int32"),
    "Network: dtype None": lambda lib: lib.Network([lib.Dense(3, 1)], dtype=None),
    "Network: dtype a number": lambda lib: lib.Network([lib.Dense(3, 1)], dtype=3),
    "Network: negative seed": lambda lib: lib.Network([lib.Dense(3, 1)], seed=-1),
    "Network: seed too large": lambda lib: lib.Network([lib.Dense(3, 1)], seed=2**64),
    "Network: seed a string": lambda lib: lib.Network([lib.Dense(3, 1)], seed="0"),
    "Network: seed a float": lambda lib: lib.Network([lib.Dense(3, 1)], seed=0.5),
    "mlp: one width": lambda lib: lib.Network.mlp([3]),
    "mlp: no widths": lambda lib: lib.Network.mlp([]),
    "mlp: sizes a number": lambda lib: lib.Network.mlp(5),
    "mlp: sizes a string": lambda lib: lib.Network.mlp("23"),
    "mlp: a zero width": lambda lib: lib.Network.mlp([3, 0, 1]),
    "mlp: a float width": lambda lib: lib.Network.mlp([3, 2.5, 1]),
    "mlp: unknown activation": lambda lib: lib.Network.mlp([3, 2, 1], activation="swish"),
    "mlp: unknown init": lambda lib: lib.Network.mlp([3, 2, 1], init="xavier"),
    "mlp: init list too short": lambda lib: lib.Network.mlp([3, 2, 1], init=["he_normal"]),
    "mlp: init list with a bad entry": lambda lib: lib.Network.mlp([3, 2, 1], init=["he_normal", 7]),
    "mlp: init a dict": lambda lib: lib.Network.mlp([3, 2, 1], init={"he_normal": 1}),
    "mlp: unknown output activation": lambda lib: lib.Network.mlp([3, 2, 1], output_activation="swish"),
    "mlp: negative_slope without leaky_relu": lambda lib: lib.Network.mlp([3, 2, 1], activation="relu",
                                                                           negative_slope=0.1),
    "mlp: negative negative_slope": lambda lib: lib.Network.mlp([3, 2, 1], activation="leaky_relu",
                                                                 negative_slope=-0.1),
    "mlp: binary_cross_entropy with tanh output": lambda lib: lib.Network.mlp(
        [3, 2, 1], output_activation="tanh", loss="binary_cross_entropy"),
    "mlp: quantile with q = 1": lambda lib: lib.Network.mlp([3, 2, 1], loss=fastnet.Loss("quantile", q=1.0)),
    "fit: negative poisson count": lambda lib: lib.Network.mlp([2, 3, 1], loss="poisson", seed=0).fit(
        X, [[1.0], [-2.0], [0.0]]),
    "loss: negative poisson count": lambda lib: lib.Network.mlp([2, 3, 1], loss="poisson", seed=0).loss(
        X, [[1.0], [-2.0], [0.0]]),
    # -- the flat parameters ------------------------------------------------------------
    "params: too few": lambda lib: setattr(regressor(lib), "params", [0.0, 1.0, 2.0]),
    "params: a number": lambda lib: setattr(regressor(lib), "params", 1.0),
    "params: strings": lambda lib: setattr(regressor(lib), "params", ["a"] * 13),
    "params: NaN": lambda lib: setattr(regressor(lib), "params", [NAN] * 13),
}


def _error(lib, mistake):
    with pytest.raises(Exception) as info:
        mistake(lib)
    return info.value


@pytest.mark.parametrize("name", list(MISTAKES))
def test_same_exception_type(name):
    compiled, ref = _error(fastnet, MISTAKES[name]), _error(reference, MISTAKES[name])
    assert type(compiled) is type(ref), (
        f"{name}: fastnet raises {type(compiled).__name__}({compiled}), "
        f"fastnet.reference raises {type(ref).__name__}({ref})")


#: Mistakes whose message may differ beyond its first word (the argument named):
#: the compiled network describes arrays by shape and dtype, the reference lists by rows.
ARRAY_SHAPED = {name for name in MISTAKES if name.split(":")[0] in ("predict", "loss", "backward", "fit", "params")}


@pytest.mark.parametrize("name", sorted(set(MISTAKES) - ARRAY_SHAPED))
def test_same_message(name):
    compiled, ref = _error(fastnet, MISTAKES[name]), _error(reference, MISTAKES[name])
    # The layer class is named as each library spells it.
    assert str(compiled).replace("fastnet.Dense", "Dense") == str(ref).replace("fastnet.reference.Dense", "Dense")


@pytest.mark.parametrize("name", sorted(ARRAY_SHAPED))
def test_same_argument_named(name):
    compiled, ref = _error(fastnet, MISTAKES[name]), _error(reference, MISTAKES[name])
    assert str(compiled).split()[0] == str(ref).split()[0], (compiled, ref)
