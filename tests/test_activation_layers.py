"""ReLU and Softmax layers: Keras 3's settings and values (the golden numbers below were computed
with Keras 3.15 on JAX, float32), masks, gradients and argument errors. The shared checks (shapes,
config round trip, dtypes, gradcheck, replay) are in the harness of test_layers.py."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import activations, ops
from deepgrad.autograd.modes import recording
from deepgrad.compile import Tape
from deepgrad.layers import ReLU, Softmax

X = np.array([[-10.0, -5.0, 0.0, 0.5, 1.0, 5.0, 10.0]], dtype=np.float32)


@pytest.mark.parametrize("settings, expected", [
    ({}, [0.0, 0.0, 0.0, 0.5, 1.0, 5.0, 10.0]),
    ({"negative_slope": 0.5}, [-5.0, -2.5, 0.0, 0.5, 1.0, 5.0, 10.0]),
    ({"max_value": 5.0}, [0.0, 0.0, 0.0, 0.5, 1.0, 5.0, 5.0]),
    ({"threshold": 5.0}, [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0]),  # 5 itself is not above 5
    ({"max_value": 6.0, "negative_slope": 0.1, "threshold": 1.0},
     [-1.1, -0.6, -0.1, -0.05, 0.0, 5.0, 6.0]),
    ({"threshold": 1.0, "negative_slope": 0.5}, [-5.5, -3.0, -0.5, -0.25, 0.0, 5.0, 10.0]),
])
def test_relu_matches_keras(settings, expected):
    np.testing.assert_allclose(ReLU(**settings)(X).numpy()[0], expected, rtol=1e-6)


def test_relu_defaults_are_the_relu_activation():
    layer = ReLU()
    assert (layer.max_value, layer.negative_slope, layer.threshold) == (None, 0.0, 0.0)
    x = np.random.default_rng(0).standard_normal((4, 5)).astype(np.float32)
    assert layer(x).numpy().tobytes() == activations.relu(x).numpy().tobytes()
    assert layer.get_config()["max_value"] is None


def test_relu_gradient_follows_the_pieces():
    x = dg.Tensor([[-2.0, 0.5, 1.5, 3.0, 7.0]], requires_grad=True, dtype="float64")
    ReLU(6.0, 0.25, threshold=1.0)(x).sum().backward()
    # slope below the threshold, 0 at it and below it without a slope, 1 between, 0 above max
    np.testing.assert_array_equal(x.grad, [[0.25, 0.25, 1.0, 1.0, 0.0]])
    y = dg.Tensor([[1.0]], requires_grad=True, dtype="float64")
    ReLU(threshold=1.0)(y).sum().backward()
    assert y.grad.item() == 0.0  # at the threshold the lower piece's (Keras: x > threshold)


@pytest.mark.parametrize("settings, error, message", [
    ({"max_value": -1.0}, ValueError, "max_value must be a finite number >= 0; got -1.0"),
    ({"negative_slope": -0.1}, ValueError, "negative_slope must be a finite number >= 0"),
    ({"negative_slope": None}, TypeError, "negative_slope must be a finite number >= 0; got"),
    ({"threshold": "1"}, TypeError, "threshold must be a finite number >= 0; got str '1'"),
])
def test_relu_rejects_bad_settings(settings, error, message):
    with pytest.raises(error, match=message):
        ReLU(**settings)


def test_relu_threshold_is_keyword_only():
    with pytest.raises(TypeError):
        ReLU(6.0, 0.1, 1.0)


# --------------------------------------------------------------------------- Softmax

LOGITS = np.array([[1.0, 2.0, 1.0, 4.0], [0.5, -1.0, 3.0, 0.0]], dtype=np.float32)


def test_softmax_matches_keras():
    np.testing.assert_allclose(Softmax()(LOGITS).numpy(), [
        [0.0403164, 0.1095913, 0.0403164, 0.8097760],
        [0.0713666, 0.0159240, 0.8694233, 0.0432860]], rtol=1e-5)
    np.testing.assert_allclose(Softmax(axis=0)(LOGITS).numpy(), [
        [0.6224594, 0.9525741, 0.1192029, 0.9820138],
        [0.3775407, 0.0474259, 0.8807970, 0.0179862]], rtol=1e-5)
    both = Softmax(axis=[0, 1])(LOGITS).numpy()  # normalized over both axes together
    assert both.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(both[0], [0.0300277, 0.0816236, 0.0300277, 0.6031218], rtol=1e-5)


def test_softmax_is_the_softmax_primitive():
    out = Softmax()(dg.Tensor(LOGITS, requires_grad=True))
    assert isinstance(out._ctx, ops.Softmax)
    assert out.numpy().tobytes() == activations.softmax(LOGITS).numpy().tobytes()


def test_softmax_mask_gives_masked_positions_nothing():
    mask = np.array([[True, False, True, True], [False, False, False, False]])
    out = Softmax()(LOGITS, mask=mask).numpy()
    np.testing.assert_allclose(out[0], [0.0452785, 0.0, 0.0452785, 0.9094430], rtol=1e-5)
    np.testing.assert_array_equal(out[1], 0.0)  # all masked: zeros, as Keras (not uniform)
    # numbers are kept where > 0.5, and a mask broadcasts (here over the batch)
    out = Softmax()(LOGITS, mask=np.array([[1.0, 0.0, 1.0, 1.0]])).numpy()
    np.testing.assert_allclose(out[1], [0.0725214, 0.0, 0.8834921, 0.0439865], rtol=1e-5)
    assert out[:, 1].tolist() == [0.0, 0.0]


def test_softmax_mask_gradient():
    x = dg.Tensor(LOGITS.astype(np.float64), requires_grad=True)
    mask = np.array([[True, False, True, True]])
    assert dg.gradcheck(lambda t: Softmax()(t, mask=mask), x, atol=1e-7, rtol=1e-5)
    Softmax()(x, mask=mask)[:, 1].sum().backward()
    np.testing.assert_array_equal(x.grad, 0.0)  # a masked output depends on nothing


def test_softmax_mask_is_a_constant_of_a_recorded_call():
    x = dg.Tensor(LOGITS)
    mask = np.array([[True, True, False, True]])
    layer = Softmax()
    with recording() as records:
        out = layer(x, mask=mask)
    other = LOGITS[::-1].copy()
    (replayed,) = Tape(records, [x], [out]).forward([other])
    assert replayed.tobytes() == layer(other, mask=mask).numpy().tobytes()


def test_softmax_rejects_bad_axes_and_masks():
    for bad in (1.0, "1", True, [], [1, 1], [1, True]):
        with pytest.raises(TypeError, match="axis must be an int or a non-empty list of distinct"):
            Softmax(axis=bad)
    with pytest.raises(ValueError, match=r"axis 2 does not exist in inputs of shape \(None, 4\)"):
        Softmax(axis=2)(LOGITS)
    with pytest.raises(ValueError, match=r"mask of shape \(2, 3\) for inputs of shape \(2, 4\)"):
        Softmax()(LOGITS, mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match="no more axes"):
        Softmax()(LOGITS, mask=np.ones((1, 2, 4), bool))
    with pytest.raises(TypeError, match="mask must hold booleans or numbers"):
        Softmax()(LOGITS, mask=np.array([["a"] * 4]))
