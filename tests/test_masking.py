"""Masked outputs in the loss and the metrics (training/masking.py): an output of steps whose
steps carry a mask counts its unmasked steps only, in fit (graph and replayed steps),
train_on_batch, evaluate and the metrics, as Keras weighs them."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.layers import GRU, Dense, Embedding, Input, TimeDistributed


def _tagger(functional: bool):
    layers = [Embedding(12, 4, mask_zero=True, seed=0), GRU(5, return_sequences=True, seed=0),
              TimeDistributed(Dense(3, activation="softmax", seed=0))]
    if functional:
        tokens = Input((6,), dtype="int32")
        x = tokens
        for layer in layers:
            x = layer(x)
        model = dg.Model(tokens, x)
    else:
        model = dg.Sequential([Input((6,))] + layers)
    model.compile(dg.optimizers.SGD(learning_rate=0.0), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def _data():
    x = np.array([[3, 4, 5, 0, 0, 0], [7, 8, 9, 10, 11, 2], [1, 2, 0, 0, 0, 0]])
    return x, x % 3


def _masked_mean(model, x, y, weights=None):
    """The loss and accuracy over the unmasked steps, computed by hand from predict."""
    p = model.predict(x, verbose=0)
    keep = x != 0
    losses = -np.log(np.take_along_axis(p, y[..., None], axis=-1)[..., 0])
    w = keep * (1.0 if weights is None else np.asarray(weights)[:, None])
    loss = (losses * w * keep.size / keep.sum()).mean()
    accuracy = ((p.argmax(-1) == y) * w).sum() / w.sum()
    return loss, accuracy


@pytest.mark.parametrize("functional", [False, True], ids=["sequential", "functional"])
def test_the_loss_and_the_metrics_count_the_unmasked_steps_only(functional):
    model = _tagger(functional)
    x, y = _data()
    loss, accuracy = _masked_mean(model, x, y)
    assert model.evaluate(x, y, verbose=0) == pytest.approx([loss, accuracy], rel=1e-6)
    graph = model.train_on_batch(x, y)  # the first batch of a shape runs the graph
    replayed = model.train_on_batch(x, y)  # the next ones replay it (lr 0: same weights)
    assert graph == pytest.approx([loss, accuracy], rel=1e-6)
    assert replayed == pytest.approx(graph, rel=1e-6)
    history = model.fit(x, y, batch_size=3, epochs=1, verbose=0)
    assert history.history["loss"][0] == pytest.approx(loss, rel=1e-6)
    assert history.history["accuracy"][0] == pytest.approx(accuracy, rel=1e-6)


def test_sample_weights_and_masks_multiply():
    model = _tagger(False)
    x, y = _data()
    weights = np.array([2.0, 0.5, 1.0])
    loss, accuracy = _masked_mean(model, x, y, weights)
    assert model.evaluate(x, y, sample_weight=weights, verbose=0) == pytest.approx(
        [loss, accuracy], rel=1e-6)


def test_padding_changes_neither_the_loss_nor_the_gradient():
    model = _tagger(False)
    x, y = _data()
    padded_x = np.concatenate([x, np.zeros((3, 4), int)], axis=1)
    padded_y = np.concatenate([y, np.ones((3, 4), int)], axis=1)  # labels under the mask
    longer = dg.Sequential([Input((10,)), Embedding(12, 4, mask_zero=True),
                            GRU(5, return_sequences=True),
                            TimeDistributed(Dense(3, activation="softmax"))])
    longer.compile(dg.optimizers.SGD(learning_rate=0.1), "sparse_categorical_crossentropy")
    longer.set_weights(model.get_weights())
    model.compile(dg.optimizers.SGD(learning_rate=0.1), "sparse_categorical_crossentropy")
    assert longer.train_on_batch(padded_x, padded_y) == pytest.approx(
        model.train_on_batch(x, y), rel=1e-6)
    for a, b in zip(longer.get_weights(), model.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
