"""Networks learn the notes' problems for real: toy sets, the notes' tables."""

import numpy as np

import deepgrad as dg
from deepgrad import datasets
from deepgrad.layers import Dense, Input


def _train(x, y, n_classes, epochs, hidden=(32, 32), learning_rate=0.01, seed=0):
    dg.set_seed(seed)
    model = dg.Sequential([Input((x.shape[1],))])
    for units in hidden:
        model.add(Dense(units, activation="relu", kernel_initializer="he_uniform"))
    binary = n_classes == 2
    model.add(Dense(1 if binary else n_classes, activation="sigmoid" if binary else "softmax"))
    model.compile(optimizer=dg.optimizers.Adam(learning_rate=learning_rate),
                  loss="bce" if binary else "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0, seed=seed)
    return model.evaluate(x, y, return_dict=True)["accuracy"]


def test_moons_above_95_percent_training_accuracy():
    x, y = datasets.make_moons(400, noise=0.1, seed=0)
    assert _train(x, y, 2, epochs=60) > 0.95


def test_spiral_above_95_percent_training_accuracy():
    x, y = datasets.make_spiral(450, noise=0.05, seed=0)
    assert _train(x, y, 3, epochs=150, hidden=(64, 64)) > 0.95


def test_pass_fail_table_binary_classifier():
    data = datasets.load_pass_fail()
    x = (data.data - data.data.mean(axis=0)) / data.data.std(axis=0)  # "do scaling"
    assert _train(x, data.target, 2, epochs=60, hidden=(8,)) > 0.85


def test_placement_table_binary_classifier():
    data = datasets.load_placement()
    x = (data.data - data.data.mean(axis=0)) / data.data.std(axis=0)
    assert _train(x, data.target, 2, epochs=60, hidden=(8,)) > 0.85


def test_terminate_on_nan_stops_before_the_weights_change(capsys):
    x = np.ones((8, 2), dtype=np.float32)
    y = np.array([0, 1] * 4, dtype=np.float32)
    model = dg.Sequential([Input((2,)), Dense(1)])
    model.compile(optimizer=dg.optimizers.SGD(learning_rate=1e38), loss="mse")
    before = model.get_weights()
    stopper = dg.callbacks.TerminateOnNaN()
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the point of the test
        history = model.fit(x * 1e30, y, epochs=3, batch_size=4, verbose=0, callbacks=[stopper])
    assert stopper.stopped_batch == 0
    for a, b in zip(before, model.get_weights()):  # the non-finite loss never reached the weights
        np.testing.assert_array_equal(a, b)
    assert "Batch 0: invalid loss inf, terminating training" in capsys.readouterr().out
    assert history.history.get("loss", []) == []


def test_early_stopping_restores_the_best_weights_in_a_real_fit():
    x, y = datasets.make_moons(200, noise=0.3, seed=1)
    dg.set_seed(0)
    model = dg.Sequential([Input((2,)), Dense(64, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(optimizer=dg.optimizers.Adam(learning_rate=0.05), loss="bce")
    stop = dg.callbacks.EarlyStopping(monitor="val_loss", patience=3, restore_best_weights=True)
    history = model.fit(x, y, epochs=200, verbose=0, validation_split=0.3, callbacks=[stop], seed=0)
    best = min(history.history["val_loss"])
    assert len(history.history["val_loss"]) < 200
    assert model.evaluate(x[140:], y[140:]) == __import__("pytest").approx(best, rel=1e-5)
