"""Python's operators on symbolic tensors record TensorOperation layers, as Keras 3 records
operations: they compute what the operator computes, train, save and load."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import Input, Model
from deepgrad.layers import Dense, TensorOperation

X = np.random.default_rng(0).uniform(0.5, 2.0, (4, 3)).astype(np.float32)
Y = np.random.default_rng(1).uniform(0.5, 2.0, (4, 3)).astype(np.float32)


@pytest.mark.parametrize("write, expected", [
    (lambda a, b: a + b, lambda a, b: a + b),
    (lambda a, b: a - 2.0, lambda a, b: a - 2.0),
    (lambda a, b: 2.0 - a, lambda a, b: 2.0 - a),
    (lambda a, b: a * b, lambda a, b: a * b),
    (lambda a, b: 3 * a, lambda a, b: 3 * a),
    (lambda a, b: a / b, lambda a, b: a / b),
    (lambda a, b: 1 / a, lambda a, b: 1 / a),
    (lambda a, b: a ** 2, lambda a, b: a ** 2),
    (lambda a, b: -a, lambda a, b: -a),
    (lambda a, b: abs(a - b), lambda a, b: np.abs(a - b)),
    (lambda a, b: a[:, 1:], lambda a, b: a[:, 1:]),
    (lambda a, b: a[:, 0], lambda a, b: a[:, 0]),
    (lambda a, b: a[..., None], lambda a, b: a[..., None]),
    (lambda a, b: a * [1.0, 0.0, 2.0], lambda a, b: a * np.array([1.0, 0.0, 2.0])),
])
def test_operators_compute_what_they_say(write, expected):
    a, b = Input((3,), name="a"), Input((3,), name="b")
    model = Model([a, b], write(a, b))
    np.testing.assert_allclose(model.predict([X, Y]), expected(X, Y), rtol=1e-6)


def test_a_model_written_with_operators_trains_saves_and_loads(tmp_path):
    inputs = Input((3,))
    hidden = Dense(4, "tanh", seed=0)(inputs)
    outputs = Dense(1, seed=1)(hidden * 2.0 + hidden[:, :1]) - inputs[:, :1]
    model = Model(inputs, outputs)
    model.compile("adam", "mse")
    history = model.fit(X, np.ones(4), epochs=5, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    model.save(tmp_path / "ops.safetensors")
    restored = dg.load_model(tmp_path / "ops.safetensors")
    assert restored.predict(X).tobytes() == model.predict(X).tobytes()


def test_bad_operands_and_indices_are_refused():
    a = Input((3,))
    with pytest.raises(TypeError, match="combines with numbers or small arrays of numbers; got str"):
        a + "x"
    with pytest.raises(TypeError, match="indexed with ints, slices, None and ...; got list"):
        a[[0, 1]]
    with pytest.raises(ValueError, match="operation must be one of"):
        TensorOperation("modulo")
    with pytest.raises(ValueError, match="not an index written by TensorOperation"):
        TensorOperation("getitem", index={"slice": ["a", None, None]})
