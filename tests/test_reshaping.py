"""Reshape, Permute and RepeatVector: values and shapes as Keras 3 gives them (Permute's golden
values were computed with Keras 3.15), gradients, and argument errors."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.layers import Permute, RepeatVector, Reshape

CUBE = np.arange(24.0).reshape(1, 2, 3, 4)


def test_reshape_keeps_the_batch_axis_and_the_order_of_values():
    out = Reshape((4, 6))(CUBE)
    assert out.shape == (1, 4, 6)
    np.testing.assert_array_equal(out.numpy(), CUBE.reshape(1, 4, 6))
    assert Reshape((-1, 2))(CUBE).shape == (1, 12, 2)
    assert Reshape([-1])(np.zeros((5, 2, 3))).shape == (5, 6)


def test_reshape_output_shape_as_keras():
    layer = Reshape((-1, 2))
    assert layer.compute_output_shape((None, 3, 4)) == (None, 6, 2)
    assert layer.compute_output_shape((None, 3, None)) == (None, None, 2)  # -1 unknown
    assert Reshape((3, 4)).compute_output_shape((7, None)) == (7, 3, 4)
    assert layer.get_config()["target_shape"] == [-1, 2]


def test_reshape_sizes_that_do_not_match_fail_with_the_shapes():
    with pytest.raises(ValueError, match=r"samples of shape \(2, 3, 4\) \(24 values\) the shape "
                                         r"target_shape=\(5, 5\): that holds 25 values"):
        Reshape((5, 5))(CUBE)
    with pytest.raises(ValueError, match=r"target_shape=\(-1, 5\): 24 is not a multiple of 5"):
        Reshape((-1, 5))(CUBE)
    with pytest.raises(ValueError, match="that holds 25 values"):
        Reshape((5, 5)).compute_output_shape((None, 24))


@pytest.mark.parametrize("target_shape, error", [
    ("3", TypeError), (3, TypeError), ((2, 2.0), TypeError), ((True, 2), TypeError),
    ((-1, -1), ValueError), ((0, 24), ValueError), ((-2, 12), ValueError),
])
def test_reshape_rejects_bad_target_shapes(target_shape, error):
    with pytest.raises(error, match="target_shape must be a tuple of positive ints, one of which "
                                    "may be -1"):
        Reshape(target_shape)


def test_permute_matches_keras():
    out = Permute((3, 1, 2))(CUBE).numpy()
    assert out.shape == (1, 4, 2, 3)
    np.testing.assert_array_equal(out[0], [
        [[0, 4, 8], [12, 16, 20]], [[1, 5, 9], [13, 17, 21]],
        [[2, 6, 10], [14, 18, 22]], [[3, 7, 11], [15, 19, 23]]])
    assert Permute((2, 1)).compute_output_shape((None, 3, None)) == (None, None, 3)
    assert Permute([2, 1]).get_config()["dims"] == [2, 1]


def test_permute_gradient_is_the_inverse_permutation():
    x = dg.Tensor(CUBE, requires_grad=True)
    weights = np.random.default_rng(0).standard_normal((1, 4, 2, 3))
    (Permute((3, 1, 2))(x) * weights).sum().backward()
    np.testing.assert_array_equal(x.grad, weights.transpose(0, 2, 3, 1))


def test_permute_errors():
    for dims in ((1, 3), (0, 1), (2, 2), ()):
        with pytest.raises((TypeError, ValueError), match="dims must be a permutation of 1, ..., n"):
            Permute(dims)
    with pytest.raises(TypeError, match="dims must be a permutation"):
        Permute("21")
    with pytest.raises(ValueError, match=r"needs samples of 2 axes; got inputs of shape \(None, 2, 3, 4\)"):
        Permute((2, 1))(CUBE)


def test_repeat_vector_copies_each_sample_and_sums_the_gradients():
    x = dg.Tensor([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]], requires_grad=True, dtype="float64")
    out = RepeatVector(4)(x)
    assert out.shape == (2, 4, 3)
    np.testing.assert_array_equal(out.numpy(), np.repeat(x.numpy()[:, None, :], 4, axis=1))
    weights = np.random.default_rng(1).standard_normal((2, 4, 3))
    (out * weights).sum().backward()
    np.testing.assert_allclose(x.grad, weights.sum(axis=1), rtol=1e-15)
    assert RepeatVector(4).compute_output_shape((None, 3)) == (None, 4, 3)


def test_repeat_vector_errors():
    with pytest.raises(ValueError, match="n must be an int >= 1; got 0"):
        RepeatVector(0)
    with pytest.raises(TypeError, match="n must be an int >= 1; got float 2.0"):
        RepeatVector(2.0)
    with pytest.raises(ValueError, match=r"needs inputs of shape \(batch, features\); got \(None, 2, 3, 4\)"):
        RepeatVector(2)(CUBE)
