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
                  metrics=["accuracy"], weighted_metrics=["accuracy"])
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
    right = p.argmax(-1) == y
    accuracy, weighted = (right * keep).sum() / keep.sum(), (right * w).sum() / w.sum()
    return loss, accuracy, weighted  # the metrics: unweighted and weighted (Keras's two lists)


@pytest.mark.parametrize("functional", [False, True], ids=["sequential", "functional"])
def test_the_loss_and_the_metrics_count_the_unmasked_steps_only(functional):
    model = _tagger(functional)
    x, y = _data()
    expected = _masked_mean(model, x, y)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(expected, rel=1e-6)
    graph = model.train_on_batch(x, y)  # the first batch of a shape runs the graph
    replayed = model.train_on_batch(x, y)  # the next ones replay it (lr 0: same weights)
    assert graph == pytest.approx(expected, rel=1e-6)
    assert replayed == pytest.approx(graph, rel=1e-6)
    history = model.fit(x, y, batch_size=3, epochs=1, verbose=0)
    assert history.history["loss"][0] == pytest.approx(expected[0], rel=1e-6)
    assert history.history["accuracy"][0] == pytest.approx(expected[1], rel=1e-6)


def test_sample_weights_and_masks_multiply():
    model = _tagger(False)
    x, y = _data()
    weights = np.array([2.0, 0.5, 1.0])
    assert model.evaluate(x, y, sample_weight=weights, return_dict=True, verbose=0) == pytest.approx(
        dict(zip(["loss", "accuracy", "weighted_accuracy"], _masked_mean(model, x, y, weights))),
        rel=1e-6)


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


def test_a_weight_per_sample_and_step():
    """Keras's temporal sample weights, (n, steps): each step's loss weighed by its own weight
    (the mask, where there is one, still rescaled over the unmasked steps)."""
    plain = dg.Sequential([Input((4, 2)), GRU(3, return_sequences=True, seed=0),
                           TimeDistributed(Dense(2, activation="softmax", seed=0))])
    plain.compile(dg.optimizers.SGD(learning_rate=0.0), "sparse_categorical_crossentropy",
                  weighted_metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((3, 4, 2)).astype(np.float32), rng.integers(0, 2, (3, 4))
    weights = rng.uniform(0.0, 2.0, (3, 4))
    p = plain.predict(x, verbose=0)
    losses = -np.log(np.take_along_axis(p, y[..., None], axis=-1)[..., 0])
    accuracy = ((p.argmax(-1) == y) * weights).sum() / weights.sum()
    expected = [(losses * weights).mean(), accuracy]
    assert plain.evaluate(x, y, sample_weight=weights, verbose=0) == pytest.approx(expected, rel=1e-6)
    assert plain.train_on_batch(x, y, sample_weight=weights) == pytest.approx(expected, rel=1e-6)
    assert plain.train_on_batch(x, y, sample_weight=weights) == pytest.approx(expected, rel=1e-6)
    with pytest.raises(ValueError, match=r"shape \(3,\), one weight per sample or \(3, 4\)"):
        plain.evaluate(x, y, sample_weight=np.ones((3, 5)), verbose=0)
