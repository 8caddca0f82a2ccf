"""Lambda: a Python function of tensors as a layer — its arguments, output shapes, training flag,
replay, and why it has no config."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.autograd.modes import recording
from deepgrad.compile import Tape
from deepgrad.layers import LAYERS, Dense, Lambda, deserialize, serialize

X = np.array([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]])


def test_runs_the_function_with_its_arguments():
    layer = Lambda(lambda x, power, shift: x**power + shift, arguments={"power": 2.0, "shift": 1.0})
    np.testing.assert_array_equal(layer(X).numpy(), X**2 + 1.0)
    assert layer.weights == [] and layer.arguments == {"power": 2.0, "shift": 1.0}


def test_passes_training_when_the_function_takes_it():
    seen = []

    def noisy(x, training=False):
        seen.append(training)
        return x * 2.0 if training else x

    layer = Lambda(noisy)
    np.testing.assert_array_equal(layer(X, training=True).numpy(), 2 * X)
    np.testing.assert_array_equal(layer(X).numpy(), X)
    assert seen == [True, False]
    relu = Lambda(dg.activations.relu)  # takes no training
    np.testing.assert_array_equal(relu(X, training=True).numpy(), np.maximum(X, 0))


def test_output_shape_given_inferred_or_computed():
    flat = Lambda(lambda x: x.reshape(x.shape[0], -1))
    assert flat.compute_output_shape((None, 2, 3)) == (None, 6)  # inferred from a call
    assert Lambda(lambda x: x, (3,)).compute_output_shape((None, 3)) == (None, 3)
    assert Lambda(lambda x: x, [None, 3]).compute_output_shape((7, 2, 3)) == (7, None, 3)
    doubled = Lambda(lambda x: dg.concatenate([x, x], axis=1), lambda s: (s[0], 2 * s[1]))
    assert doubled.compute_output_shape((None, 4)) == (None, 8)
    pair = Lambda(lambda xs: xs[0] + xs[1], (3,))
    assert pair.compute_output_shape([(None, 3), (None, 3)]) == (None, 3)


def test_takes_a_list_of_inputs_and_gradients_reach_each():
    a = dg.Tensor(X, requires_grad=True)
    b = dg.Tensor(X[::-1].copy(), requires_grad=True)
    Lambda(lambda xs: xs[0] * xs[1])([a, b]).sum().backward()
    np.testing.assert_array_equal(a.grad, b.numpy())
    np.testing.assert_array_equal(b.grad, a.numpy())


def test_a_lambda_of_tensor_operations_replays_bitwise():
    dense = Dense(3, seed=0)
    layer = Lambda(lambda x: dense(x).tanh() * 2.0)
    assert layer.replayable and layer.is_replayable
    x = dg.Tensor(X)
    with recording() as records:
        out = layer(x)
    other = np.random.default_rng(0).standard_normal(X.shape)
    (replayed,) = Tape(records, [x], [out]).forward([other])
    assert replayed.tobytes() == layer(other).numpy().tobytes()


def test_a_lambda_that_reads_values_can_say_it_cannot_be_replayed():
    layer = Lambda(lambda x: x * float(x.numpy().max()))  # reads the batch in Python
    layer.replayable = False
    assert not layer.is_replayable and Lambda.replayable


def test_has_no_config_and_says_what_to_do():
    layer = Lambda(lambda x: x, name="mine")
    with pytest.raises(TypeError) as error:
        layer.get_config()
    message = str(error.value)
    for part in ("Lambda layer 'mine' holds arbitrary Python code", ("never saves to or loads from "
                 "a file"), "loading a model file never runs code", ("Write a Layer subclass whose "
                 "call does the same"), "registers itself by its class name"):
        assert part in message
    with pytest.raises(TypeError, match="holds arbitrary Python code"):
        serialize(layer)
    with pytest.raises(TypeError, match="holds arbitrary Python code"):
        deserialize({"class_name": "Lambda", "config": {"name": "mine"}})
    assert LAYERS.lookup("Lambda") is Lambda


def test_argument_errors():
    with pytest.raises(TypeError, match="Lambda needs a function of tensors; got str 'x'"):
        Lambda("x")
    with pytest.raises(TypeError, match="arguments must be a dict of keyword arguments"):
        Lambda(abs, arguments=[1.0])
    with pytest.raises(TypeError, match="output_shape must be None, a function of the input shape, "
                                        "or the shape of one output sample"):
        Lambda(abs, output_shape=(0, 3))
    with pytest.raises(TypeError):
        Lambda(abs, (3,), {"a": 1})  # arguments is keyword-only
    with pytest.raises(TypeError, match="the function must return a Tensor .*; it returned ndarray"):
        Lambda(lambda x: x.numpy() * 2)(X)


def test_on_symbolic_tensors_the_output_comes_from_a_call():
    widened = Lambda(lambda x: x.astype("float64") * 2.0)(dg.layers.Input((3,)))
    assert widened.shape == (None, 3) and widened.dtype == np.float64
    given = Lambda(lambda x: x.reshape(x.shape[0], 3, 2), (3, 2))(dg.layers.Input((6,)))
    assert given.shape == (None, 3, 2)
