"""Recurrent and sequence layers: Keras 3's outputs for the same weights, PyTorch's gradients,
masks, states, directions, merge modes, files and gradients through a model.

The Keras and PyTorch comparisons skip where those libraries are missing (run this file with an
interpreter that has them, e.g. ``/work/benchvenv/bin/python -m pytest``)."""

import os

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.layers import (
    GRU,
    LSTM,
    Bidirectional,
    Dense,
    Embedding,
    Masking,
    RepeatVector,
    SimpleRNN,
    TimeDistributed,
)

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 5, 4)).astype(np.float32)
MASK = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 1, 1, 0]], bool)


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras")


KERAS_SETTINGS = [
    ("SimpleRNN", {}),
    ("SimpleRNN", {"return_sequences": True, "go_backwards": True, "activation": "relu"}),
    ("LSTM", {}),
    ("LSTM", {"return_sequences": True, "return_state": True}),
    ("LSTM", {"go_backwards": True, "return_state": True, "unit_forget_bias": False}),
    ("GRU", {}),
    ("GRU", {"reset_after": False, "return_sequences": True}),
    ("GRU", {"return_state": True, "go_backwards": True, "use_bias": False}),
]


def _pair(name, settings, units=3):
    keras = _keras()
    theirs = getattr(keras.layers, name)(units, **settings)
    mine = getattr(dg.layers, name)(units, **settings)
    theirs(X)
    mine(X)
    weights = [w + 0.3 * RNG.standard_normal(w.shape).astype(np.float32)
               for w in (np.asarray(v) for v in theirs.get_weights())]
    theirs.set_weights(weights)
    mine.set_weights(weights)
    return theirs, mine


def _as_list(out):
    return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]


def _numpy_list(out):
    return [o.numpy() for o in (out if isinstance(out, list) else [out])]


@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("name, settings", KERAS_SETTINGS)
def test_outputs_equal_keras_for_the_same_weights(name, settings, masked):
    theirs, mine = _pair(name, settings)
    assert [w.shape for w in mine.weights] == [tuple(w.shape) for w in theirs.weights]
    kwargs = {"mask": MASK} if masked else {}
    expected = _as_list(theirs(X, **kwargs))
    got = _numpy_list(mine(X, **kwargs))
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_equals_keras(merge_mode):
    keras = _keras()
    theirs = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True),
                                        merge_mode=merge_mode)
    mine = Bidirectional(LSTM(3, return_sequences=True), merge_mode=merge_mode)
    theirs(X)
    mine(X)
    mine.set_weights([np.asarray(w) for w in theirs.get_weights()])
    for kwargs in ({}, {"mask": MASK}):
        for a, b in zip(_numpy_list(mine(X, **kwargs)), _as_list(theirs(X, **kwargs))):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_sequential_with_embedding_mask_equals_keras():
    keras = _keras()
    tokens = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2], [5, 0, 0, 0, 0]])
    theirs = keras.Sequential([keras.Input((5,)), keras.layers.Embedding(9, 4, mask_zero=True),
                               keras.layers.GRU(3), keras.layers.Dense(1)])
    mine = dg.Sequential([dg.layers.Input((5,)), Embedding(9, 4, mask_zero=True), GRU(3), Dense(1)])
    mine.set_weights([np.asarray(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(mine.predict(tokens, verbose=0), theirs.predict(tokens, verbose=0),
                               rtol=1e-5, atol=1e-6)


def _torch_gradients(cell, x, weights, seed):
    torch = pytest.importorskip("torch")
    d = x.shape[2]
    u = weights[1].shape[0]
    module = getattr(torch.nn, cell)(d, u, batch_first=True).double()
    kernel, recurrent, bias = weights
    if cell == "LSTM":  # the same gate order (i, f, c/g, o); one bias in Keras
        w_ih, w_hh, b_ih, b_hh = kernel.T, recurrent.T, bias, np.zeros_like(bias)
    else:  # Keras z, r, h — PyTorch r, z, n
        order = np.r_[u:2 * u, 0:u, 2 * u:3 * u]
        w_ih, w_hh, b_ih, b_hh = kernel.T[order], recurrent.T[order], bias[0][order], bias[1][order]
    with torch.no_grad():
        for name, value in zip(("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"),
                               (w_ih, w_hh, b_ih, b_hh)):
            getattr(module, name).copy_(torch.tensor(value))
    xt = torch.tensor(x, requires_grad=True)
    out, _ = module(xt)
    out.backward(torch.tensor(seed))
    grads = [module.weight_ih_l0.grad.numpy().T, module.weight_hh_l0.grad.numpy().T]
    if cell == "LSTM":
        grads.append(module.bias_ih_l0.grad.numpy())
    else:
        back = np.argsort(order)
        grads = [g[:, back] for g in grads]
        grads.append(np.stack([module.bias_ih_l0.grad.numpy()[back],
                               module.bias_hh_l0.grad.numpy()[back]]))
    return out.detach().numpy(), xt.grad.numpy(), grads


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
def test_gradients_equal_pytorchs(cell):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((3, 6, 4))
    layer = getattr(dg.layers, cell)(5, return_sequences=True, seed=1, dtype="float64")
    layer(x)
    layer.set_weights([w + 0.2 * rng.standard_normal(w.shape) for w in layer.get_weights()])
    seed = rng.standard_normal((3, 6, 5))
    expected_out, expected_dx, expected = _torch_gradients(cell, x, layer.get_weights(), seed)
    xt = dg.Tensor(x, requires_grad=True, dtype="float64")
    out = layer(xt)
    out.backward(seed)
    np.testing.assert_allclose(out.numpy(), expected_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xt.grad, expected_dx, rtol=1e-9, atol=1e-11)
    for w, g in zip(layer.weights, expected):
        np.testing.assert_allclose(w.grad, g, rtol=1e-9, atol=1e-11, err_msg=w.name)


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_masked_steps_carry_the_state(cls):
    """A sequence whose last steps are masked ends where the unpadded sequence ends."""
    layer = cls(3, return_state=True, seed=0)
    full = layer(X, mask=MASK)
    for b, row in enumerate(MASK):
        alone = layer(X[b:b + 1, row])
        for a, c in zip(full, alone):
            np.testing.assert_allclose(a.numpy()[b], c.numpy()[0], rtol=1e-6, atol=1e-6)


def test_go_backwards_is_the_reversed_sequence():
    layer = GRU(3, return_sequences=True, go_backwards=True, seed=0)
    forwards = GRU(3, return_sequences=True, seed=0)
    forwards(X)
    layer(X)
    forwards.set_weights(layer.get_weights())
    np.testing.assert_array_equal(layer(X).numpy(), forwards(X[:, ::-1].copy()).numpy())


def test_initial_state_continues_a_sequence():
    layer = LSTM(3, return_state=True, seed=0)
    _, h, c = layer(X[:, :2])
    out, _, _ = layer(X[:, 2:], initial_state=[h, c])
    whole, _, _ = layer(X)
    np.testing.assert_allclose(out.numpy(), whole.numpy(), rtol=1e-6, atol=1e-6)


def test_masks_are_recomputed_when_predict_replays():
    """predict records the first batch and replays the next: the mask of each batch is its own."""
    model = dg.Sequential([dg.layers.Input((5, 4)), Masking(), SimpleRNN(3, seed=0)])
    padded = X * MASK[:, :, None]
    got = model.predict(np.concatenate([padded, X]), batch_size=3, verbose=0)
    np.testing.assert_allclose(got[:3], SimpleRNN.__call__(model.layers[-1], padded,
                                                           mask=MASK).numpy(), rtol=1e-6)
    np.testing.assert_allclose(got[3:], model.layers[-1](X).numpy(), rtol=1e-6)


def test_argument_checks_name_the_argument():
    with pytest.raises(ValueError, match="dropout"):
        LSTM(3, dropout=1.5)
    with pytest.raises(ValueError, match="activation"):
        SimpleRNN(3, activation="softmax")
    with pytest.raises((TypeError, ValueError), match="stateful"):
        GRU(3, stateful="yes")
    with pytest.raises(ValueError, match="merge_mode"):
        Bidirectional(LSTM(2), merge_mode="max")
    with pytest.raises(ValueError, match=r"\(batch, steps, features\)"):
        LSTM(2)(np.ones((2, 3)))
    with pytest.raises(IndexError, match="in \\[0, 4\\)"):
        Embedding(4, 2)(np.array([[1, 4]]))
    with pytest.raises(ValueError, match="initial state"):
        LSTM(2)(X, initial_state=[np.zeros((3, 2))])


def test_encoder_decoder_trains_replays_and_saves(tmp_path):
    dg.set_seed(0)
    model = dg.Sequential([
        dg.layers.Input((5,)), Embedding(9, 4, mask_zero=True), Bidirectional(LSTM(6)),
        RepeatVector(3), GRU(5, return_sequences=True), TimeDistributed(Dense(2)),
    ])
    model.compile("adam", "mse")
    tokens = np.array([[3, 1, 4, 0, 0], [2, 7, 1, 8, 2], [5, 0, 0, 0, 0], [6, 6, 0, 0, 0]] * 4)
    y = np.random.default_rng(1).standard_normal((16, 3, 2)).astype(np.float32)
    history = model.fit(tokens, y, batch_size=4, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = tmp_path / "seq.dg"
    model.save(path)
    loaded = dg.load_model(path)
    assert loaded.predict(tokens, verbose=0).tobytes() == model.predict(tokens, verbose=0).tobytes()
    assert [w.path for w in loaded.weights][:2] == ["embedding/embeddings", "forward_lstm/kernel"] \
        or all(a.path == b.path for a, b in zip(loaded.weights, model.weights))


def test_gradcheck_through_a_small_model():
    rng = np.random.default_rng(2)
    x = dg.Tensor(rng.standard_normal((2, 4, 3)), requires_grad=True, dtype="float64")
    layers = [Bidirectional(GRU(2, return_sequences=True, seed=1)), LSTM(2, seed=2), Dense(1, seed=3)]

    def forward(x, *weights):
        out = x
        for layer in layers:
            out = layer(out)
        return out

    forward(x)
    weights = [w for layer in layers for w in layer.weights]
    assert dg.gradcheck(forward, x, *weights, atol=1e-7, rtol=1e-5)


def test_a_functional_model_passes_masks_between_its_layers():
    """Embedding(mask_zero) → Dense → LSTM as a functional model: the mask reaches the LSTM
    through the Dense (which passes it on, as in Keras), so padding changes nothing, and the
    model equals the same Sequential; an Input of integer token ids is accepted as Keras's."""
    rng = np.random.default_rng(0)
    x = rng.integers(1, 20, (4, 6))
    x[0, 3:] = 0
    x[1, 5:] = 0
    tokens = dg.Input((None,), dtype="int32")
    out = LSTM(3, seed=0)(Dense(5)(Embedding(20, 5, mask_zero=True, seed=0)(tokens)))
    model = dg.Model(tokens, out)
    same = dg.Sequential([dg.layers.Input((6,)), Embedding(20, 5, mask_zero=True), Dense(5), LSTM(3)])
    same.set_weights(model.get_weights())
    padded = model.predict(x, verbose=0)
    np.testing.assert_array_equal(padded, same.predict(x, verbose=0))
    np.testing.assert_allclose(model.predict(x[:1, :3], verbose=0), padded[:1], rtol=1e-6, atol=1e-7)
    assert model.get_config()["layers"][0]["config"]["dtype"] == "int32"


def test_the_mask_stops_at_a_layer_that_does_not_pass_it_on():
    tokens = dg.Input((4,))
    features = dg.layers.Flatten()(Embedding(9, 2, mask_zero=True, seed=0)(tokens))
    out = LSTM(2, seed=0)(dg.layers.Reshape((4, 2))(features))  # Flatten drops the mask
    model = dg.Model(tokens, out)
    x = np.array([[1, 2, 0, 0]])
    unmasked = LSTM(2, seed=0)
    unmasked.build((None, 4, 2))
    unmasked.set_weights(model.layers[-1].get_weights())
    embedded = model.layers[1](x).numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), unmasked(embedded).numpy(), rtol=1e-6)


@pytest.mark.parametrize("labels_shape", ["(n, steps)", "(n, steps, 1)"])
def test_sparse_categorical_crossentropy_takes_a_label_per_time_step(labels_shape):
    rng = np.random.default_rng(0)
    x = rng.integers(1, 10, (16, 5))
    y = x[:, ::-1].copy()
    model = dg.Sequential([dg.layers.Input((5,)), Embedding(10, 8, seed=0),
                           LSTM(6, return_sequences=True, seed=0),
                           TimeDistributed(Dense(10, activation="softmax"))])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    labels = y if labels_shape == "(n, steps)" else y[..., None]
    loss, accuracy = model.evaluate(x, labels, verbose=0)
    p = model.predict(x, verbose=0)  # (16, 5, 10)
    picked = np.take_along_axis(p, y[..., None], axis=-1)[..., 0]
    assert loss == pytest.approx(-np.log(picked).mean(), rel=1e-5)
    assert accuracy == pytest.approx((p.argmax(-1) == y).mean())
    model.fit(x, labels, epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"one integer label per sample and step, shape \(n, 5\)"):
        model.fit(x, y[:, :3], epochs=1, verbose=0)


@pytest.mark.parametrize("cls", [SimpleRNN, LSTM, GRU])
def test_a_stateful_layer_carries_each_samples_state_into_the_next_batch(cls):
    x = RNG.standard_normal((2, 6, 3)).astype(np.float32)
    whole = cls(4, seed=0)
    expected = whole(x).numpy()
    stateful = cls(4, stateful=True, seed=0)
    model = dg.Sequential([dg.layers.Input(batch_shape=(2, 3, 3)), stateful])
    stateful.set_weights(whole.get_weights())
    model.predict(x[:, :3], verbose=0)
    np.testing.assert_allclose(model.predict(x[:, 3:], verbose=0), expected, rtol=1e-5, atol=1e-6)
    model.reset_states()  # back to zeros: the second half alone
    np.testing.assert_allclose(model.predict(x[:, 3:], verbose=0), whole(x[:, 3:]).numpy(),
                               rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="stateful: it carries the state of each of the 2 samples"):
        model.predict(x[:1, :3], verbose=0)
    assert cls.from_config(stateful.get_config()).stateful and not stateful.replayable


def test_a_stateful_lstm_trains_batch_after_batch_and_resets():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 1, 2)).astype(np.float32), rng.standard_normal((8, 1))
    model = dg.Sequential([dg.layers.Input(batch_shape=(2, 1, 2)), LSTM(3, stateful=True, seed=0),
                           Dense(1, seed=0)])
    model.compile("adam", "mse")
    model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    layer = model.layers[0]
    assert layer._states is not None and layer._states[0].shape == (2, 3)
    model.reset_states()
    assert layer._states is None
    layer.reset_states([np.ones((2, 3)), np.zeros((2, 3))])
    np.testing.assert_array_equal(layer._states[0], np.ones((2, 3), np.float32))


def test_a_stateful_lstm_equals_keras_over_two_batches():
    keras = _keras()
    x = RNG.standard_normal((2, 4, 3)).astype(np.float32)
    theirs = keras.Sequential([keras.Input(batch_shape=(2, 2, 3)),
                               keras.layers.LSTM(5, stateful=True)])
    ours = dg.Sequential([dg.layers.Input(batch_shape=(2, 2, 3)), LSTM(5, stateful=True)])
    ours.set_weights(theirs.get_weights())
    for half in (x[:, :2], x[:, 2:]):  # Keras's calls carry the state (its JAX predict does not)
        np.testing.assert_allclose(ours.predict(half, verbose=0), np.asarray(theirs(half)),
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("settings", [{}, {"return_sequences": True, "go_backwards": True},
                                      {"return_state": True}])
def test_rnn_of_cells_equals_keras(settings):
    keras = _keras()
    from deepgrad.layers import RNN, GRUCell, LSTMCell, SimpleRNNCell

    theirs = keras.layers.RNN([keras.layers.LSTMCell(4), keras.layers.GRUCell(3),
                               keras.layers.SimpleRNNCell(2)], **settings)
    ours = RNN([LSTMCell(4), GRUCell(3), SimpleRNNCell(2)], **settings)
    expected = theirs(X, mask=MASK)
    ours.build((None,) + X.shape[1:])
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    got = ours(X, mask=MASK)
    def flat(values):
        values = values if isinstance(values, (list, tuple)) else [values]
        return [v for item in values for v in (item if isinstance(item, (list, tuple)) else [item])]

    for a, b in zip(flat(got), flat(expected), strict=True):  # Keras nests an LSTM cell's states
        np.testing.assert_allclose(a.numpy(), np.asarray(b), rtol=1e-5, atol=1e-6)


def test_rnn_of_one_cell_is_the_layer_of_that_cell():
    from deepgrad.layers import RNN, LSTMCell

    rnn = RNN(LSTMCell(4, seed=0), return_sequences=True)
    lstm = LSTM(4, return_sequences=True, seed=0)
    np.testing.assert_array_equal(rnn(X).numpy(), lstm(X).numpy())
    assert [w.shape for w in rnn.weights] == [w.shape for w in lstm.weights]
    with pytest.raises(TypeError, match="LSTMCell runs inside RNN"):
        LSTMCell(3)(X)
    with pytest.raises(TypeError, match="RNN needs a SimpleRNNCell, LSTMCell or GRUCell"):
        RNN(LSTM(3))
