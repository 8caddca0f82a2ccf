"""The merge layers and Keras's functions that make them. Golden numbers were computed with Keras
3.15 (JAX, float32); the shared checks (shapes, config, dtypes, gradcheck w.r.t. every input,
replay) run in the harness of test_layers.py."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import layers
from deepgrad.layers import (
    Add,
    Average,
    Concatenate,
    Dot,
    Input,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
)

RNG = np.random.default_rng(0)
A, B, C = (RNG.standard_normal((3, 4)) for _ in range(3))


@pytest.mark.parametrize("layer, expected", [
    (Add(), A + B + C),
    (Multiply(), A * B * C),
    (Average(), (A + B + C) / 3),
    (Maximum(), np.maximum(np.maximum(A, B), C)),
    (Minimum(), np.minimum(np.minimum(A, B), C)),
    (Concatenate(), np.concatenate([A, B, C], axis=-1)),
])
def test_merges_of_three_tensors(layer, expected):
    out = layer([A, B, C])
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-15)
    assert tuple(layer.compute_output_shape([(None, 4)] * 3)) == (None,) + expected.shape[1:]


def test_subtract_and_a_single_input():
    np.testing.assert_array_equal(Subtract()([A, B]).numpy(), A - B)
    np.testing.assert_array_equal(Add()([A]).numpy(), A)  # a list of one, as Keras allows


def test_elementwise_merges_broadcast_as_keras_3():
    # fewer axes get new ones after the batch axis; sizes of 1 stretch
    out = Maximum()([np.array([[1.0], [2.0]]), np.array([[[3.0, 0.5]], [[1.0, 8.0]]])])
    assert out.numpy().tolist() == [[[3.0, 1.0]], [[2.0, 8.0]]]
    out = Average()([np.array([[1.0], [2.0]]), np.array([[3.0, 5.0], [4.0, 8.0]])])
    assert out.numpy().tolist() == [[2.0, 3.0], [3.0, 5.0]]
    assert Add().compute_output_shape([(None, 4), (None, 3, 4), (None, 1)]) == (None, 3, 4)
    assert Add().compute_output_shape([(None, 4), (None, None)]) == (None, None)


def test_mixed_dtypes_take_the_first_inputs():
    a = dg.Tensor(np.ones((2, 3), np.float32))
    b = dg.Tensor(np.ones((2, 3), np.float64))
    assert Add()([a, b]).dtype == np.float32 and Concatenate()([b, a]).dtype == np.float64


def test_concatenate_along_an_inner_axis():
    x, y = np.zeros((2, 2, 5)), np.ones((2, 1, 5))
    out = Concatenate(axis=1)([x, y])
    np.testing.assert_array_equal(out.numpy(), np.concatenate([x, y], axis=1))
    assert Concatenate(axis=1).compute_output_shape([(None, 2, 5), (None, None, 5)]) == (None, None, 5)
    assert Concatenate(axis=-2).compute_output_shape([(None, 2, 5), (None, 3, 5)]) == (None, 5, 5)
    assert Concatenate(axis=2).get_config()["axis"] == 2


def test_dot_matches_keras():
    a = np.arange(10, dtype=np.float32).reshape(1, 5, 2)
    b = np.arange(10, 20, dtype=np.float32).reshape(1, 2, 5)
    assert Dot(axes=(1, 2))([a, b]).numpy().tolist() == [[[260.0, 360.0], [320.0, 445.0]]]
    u = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], np.float32)
    v = np.array([[3.0, -1.0, 2.0], [0.0, 0.0, 0.0]], np.float32)
    assert Dot(axes=-1)([u, v]).numpy().tolist() == [[7.0], [0.0]]  # (batch, 1) for vectors
    # cosine similarity; a zero vector gives 0 (divided by max(norm, 1e-7))
    np.testing.assert_allclose(Dot(axes=1, normalize=True)([u, v]).numpy(), [[0.5], [0.0]], atol=1e-7)
    x = np.array([[[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]]], np.float32)
    y = np.array([[[2.0, 1.0, 0.0], [-1.0, 4.0, 2.0]]], np.float32)
    assert Dot(axes=(2, 1))([x, y]).numpy().tolist() == [[[0.0, 9.0, 4.0], [2.0, -3.5, -2.0],
                                                         [6.0, 3.0, 0.0]]]
    assert Dot(axes=(1, 2))([x, y]).numpy().tolist() == [[[2.5, 7.0], [3.0, -6.0]]]
    np.testing.assert_allclose(Dot(axes=(2, 1), normalize=True)([x, y]).numpy(), [[
        [0.0, 0.97618705, 0.89442718], [0.79999995, -0.7592566, -0.89442718],
        [0.89442718, 0.24253562, 0.0]]], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(Dot(axes=(1, 2), normalize=True)([x, y]).numpy(), [[
        [0.34921515, 0.47711876], [0.59999996, -0.58554006]]], rtol=1e-6)
    assert Dot(axes=1)([x, np.array([[1.0, 2.0, 3.0]], np.float32)]).numpy().tolist() == [[11.0, 0.0]]


def test_dot_output_shapes():
    assert Dot(axes=1).compute_output_shape([(None, 4), (None, 4)]) == (None, 1)
    assert Dot(axes=(2, 1)).compute_output_shape([(None, 3, 4), (None, 4, 5)]) == (None, 3, 5)
    assert Dot(axes=1).compute_output_shape([(None, 3), (None, 3, 4)]) == (None, 4)
    assert Dot(axes=[1, 2]).get_config()["axes"] == [1, 2]


def test_dot_normalize_gradient_at_a_zero_sample_is_finite():
    x = dg.Tensor(np.zeros((1, 3)), requires_grad=True)
    y = dg.Tensor(np.array([[1.0, 2.0, 2.0]]), requires_grad=True)
    Dot(axes=1, normalize=True)([x, y]).sum().backward()
    np.testing.assert_allclose(x.grad, [[1e7 / 3, 2e7 / 3, 2e7 / 3]], rtol=1e-9)
    assert np.isfinite(y.grad).all()


@pytest.mark.parametrize("call, message", [
    (lambda: Add()(A), (r"Add 'add\w*' merges a list of tensors \(at least 1\); got one tensor of "
                       r"shape \(None, 4\)")),
    (lambda: Concatenate()(A), "merges a list of tensors"),
    (lambda: Subtract()([A, B, C]), (r"Subtract 'subtract\w*' merges exactly 2 tensors; got 3 of "
                                    r"shapes \[\(None, 4\), \(None, 4\), \(None, 4\)\]")),
    (lambda: Dot(axes=1)([A]), "merges exactly 2 tensors; got 1"),
    (lambda: Add()([np.ones((2, 2)), np.ones((2, 3))]),
     (r"sizes must be equal or 1 along each axis \(aligned from the last\); got inputs of shapes "
     r"\[\(None, 2\), \(None, 3\)\]")),
    (lambda: Add()([np.ones((2, 2)), np.ones((3, 2))]),
     r"needs equal batch sizes; got tensors of shapes \[\(2, 2\), \(3, 2\)\]"),
    (lambda: Concatenate()([np.ones((2, 2, 3)), np.ones((2, 3, 3))]),
     r"joins along axis -1: the other sizes must be equal, but axis 1 has sizes \[2, 3\]"),
    (lambda: Concatenate()([np.ones((2, 3)), np.ones((2, 3, 1))]), "needs inputs of as many axes"),
    (lambda: Concatenate(axis=0)([A, B]), "axis=0 to be an axis of the inputs other than the batch"),
    (lambda: Concatenate(axis=2)([A, B]), "axis=2 to be an axis of the inputs other than the batch"),
    (lambda: Dot(axes=5)([A, B]), (r"axes must name an axis of each input other than the batch "
                                  r"axis .*; got axes=5 for inputs of shapes \[\(None, 4\), \(None, 4\)\]")),
    (lambda: Dot(axes=0)([A, B]), "other than the batch axis"),
    (lambda: Dot(axes=-2)([A, B]), "other than the batch axis"),
    (lambda: Dot(axes=1)([A, np.ones((3, 5))]),
     r"sums axis 1 of the first input against axis 1 of the second; their sizes differ \(4 and 5\)"),
])
def test_merge_errors_name_the_layer_the_shapes_and_what_was_expected(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("make, error, message", [
    (lambda: Dot(axes=1.0), TypeError, "axes must be an int or a pair of ints .*; got float 1.0"),
    (lambda: Dot(axes=(1, 2, 3)), ValueError, r"axes must be an int or a pair of ints .*; got \(1, 2, 3\)"),
    (lambda: Dot(axes="1"), TypeError, "axes must be an int or a pair of ints"),
    (lambda: Dot(axes=1, normalize="yes"), TypeError, "normalize must be True or False"),
    (lambda: Concatenate(axis="1"), TypeError, "axis must be an int; got str '1'"),
])
def test_merge_argument_errors(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("function, cls, kwargs", [
    (layers.add, Add, {}), (layers.subtract, Subtract, {}), (layers.multiply, Multiply, {}),
    (layers.average, Average, {}), (layers.maximum, Maximum, {}), (layers.minimum, Minimum, {}),
    (layers.concatenate, Concatenate, {"axis": 1}), (layers.dot, Dot, {"axes": 1}),
])
def test_the_functions_make_the_layer_and_call_it(function, cls, kwargs):
    out = function([A, B], **kwargs)
    assert out.numpy().tobytes() == cls(**kwargs)([A, B]).numpy().tobytes()
    inputs = [Input((4,)), Input((4,))]
    symbolic = function(inputs, name=f"merged_{cls.__name__.lower()}", **kwargs)
    assert isinstance(symbolic.node.layer, cls) and symbolic.node.layer.name.startswith("merged")
    assert symbolic.shape == cls(**kwargs).compute_output_shape([(None, 4), (None, 4)])


def test_the_functions_keep_keras_defaults():
    assert layers.concatenate([A, B]).shape == (3, 8)  # axis=-1
    assert layers.dot([A, B]).shape == (3, 1)  # axes=-1
    np.testing.assert_allclose(layers.dot([A, A], normalize=True).numpy(), 1.0, rtol=1e-12)


def test_against_keras_when_it_is_installed():
    keras = pytest.importorskip("keras")
    x = [np.asarray(t, np.float32) for t in (A, B)]
    for ours, theirs in [(Add(), keras.layers.Add()), (Average(), keras.layers.Average()),
                         (Concatenate(), keras.layers.Concatenate()),
                         (Dot(axes=1, normalize=True), keras.layers.Dot(axes=1, normalize=True))]:
        np.testing.assert_allclose(ours(x).numpy(), np.asarray(theirs(x)), rtol=1e-5, atol=1e-6)
