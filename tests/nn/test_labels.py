"""String class labels: fit learns them (np.unique's order), predict_classes returns them, save/load keeps them."""

import pickle

import numpy as np
import pytest

import fastnet


def _words(n=120, seed=0):
    X, y = fastnet.datasets.blobs(n, n_features=4, n_classes=3, seed=seed, dtype=np.float64)
    names = np.array(["pear", "apple", "fig"])   # given unsorted: the classes are sorted
    return X, names[y], y


def _trained(seed=0):
    X, labels, y = _words(seed=seed)
    net = fastnet.Network.mlp([4, 8, 3], loss="cross_entropy", dtype="float64", seed=1)
    net.fit(X, labels, fastnet.Adam(lr=0.05), epochs=30, batch_size=16)
    return net, X, labels, y


def test_string_labels_train_like_their_indices_in_sorted_order():
    net, X, labels, y = _trained()
    assert net.classes.tolist() == ["apple", "fig", "pear"]   # as numpy.unique / LabelEncoder
    twin = fastnet.Network.mlp([4, 8, 3], loss="cross_entropy", dtype="float64", seed=1)
    index = np.searchsorted(np.unique(labels), labels)
    twin.fit(X, index, fastnet.Adam(lr=0.05), epochs=30, batch_size=16)
    assert np.array_equal(net.params, twin.params)
    predicted = net.predict_classes(X)
    assert predicted.tolist() == net.classes[net.predict(X).argmax(axis=1)].tolist()
    assert np.mean(predicted == labels) > 0.9
    assert net.loss(X, labels) == twin.loss(X, index)
    assert net.evaluate(X, labels, metrics=["accuracy"])["accuracy"] == np.mean(predicted == labels)


def test_classes_survive_save_load_and_pickle(tmp_path):
    net, X, labels, _ = _trained()
    path = net.save(tmp_path / "words")
    loaded = fastnet.load(path)
    assert loaded.classes.tolist() == ["apple", "fig", "pear"]
    assert np.array_equal(loaded.predict_classes(X), net.predict_classes(X))
    again = pickle.loads(pickle.dumps(net))
    assert np.array_equal(again.predict_classes(X), net.predict_classes(X))
    loaded.fit(X, labels, epochs=1)   # the same encoding carries on
    assert loaded.classes.tolist() == ["apple", "fig", "pear"]


def test_a_file_without_classes_loads_with_none(tmp_path):
    net = fastnet.Network.mlp([4, 3], loss="cross_entropy")
    loaded = fastnet.load(net.save(tmp_path / "plain"))
    assert loaded.classes is None
    X = np.eye(4)[:3]
    assert loaded.predict_classes(X).tolist() == net.predict(X).argmax(axis=1).tolist()


def test_unseen_labels_and_mixed_types_are_clear_errors():
    net, X, labels, _ = _trained()
    bad = labels.copy().astype(object)
    bad[5] = "kiwi"
    with pytest.raises(ValueError, match=r"Y has labels \['kiwi'\] that the network was not trained on; "
                                         r"its classes are \['apple', 'fig', 'pear'\]"):
        net.fit(X, bad, epochs=1)
    bad[5] = 3
    with pytest.raises(TypeError, match=r"Y mixes label types \(int, str\)"):
        net.loss(X, bad)
    fresh = fastnet.Network.mlp([4, 8, 2], loss="cross_entropy")
    with pytest.raises(ValueError, match="Y has 3 distinct labels .* the network has 2 outputs"):
        fresh.fit(X, labels, epochs=1)
    assert fresh.classes is None
    with pytest.raises(TypeError, match="Y must hold numbers, got text"):
        fastnet.Network.mlp([4, 1]).fit(X, labels, epochs=1)
    with pytest.raises(TypeError, match="predict_classes needs a classification loss"):
        fastnet.Network.mlp([4, 1]).predict_classes(X)


def test_refused_arguments_leave_no_classes_behind():
    X, labels, _ = _words()
    net = fastnet.Network.mlp([4, 8, 3], loss="cross_entropy")
    with pytest.raises(ValueError, match="batch_size"):
        net.fit(X, labels, epochs=1, batch_size=0)
    assert net.classes is None


def test_binary_cross_entropy_takes_two_string_classes():
    X, _, y = _words()
    keep = y < 2
    labels = np.where(y[keep] == 0, "spam", "ham")
    net = fastnet.Network.mlp([4, 6, 1], loss="binary_cross_entropy", dtype="float64", seed=2)
    net.fit(X[keep], labels, fastnet.Adam(lr=0.05), epochs=20, batch_size=16)
    assert net.classes.tolist() == ["ham", "spam"]   # ham is 0, spam is 1
    p = net.predict(X[keep])[:, 0]
    assert net.predict_classes(X[keep]).tolist() == np.where(p >= 0.5, "spam", "ham").tolist()
