"""The pooling layers: forward values and input gradients equal to PyTorch's (skipped where torch
is not installed; /work/benchvenv has it), "same" padding as Keras 3 pads, output shapes with
unknown sizes, Keras 3's defaults and configs, and argument errors.

The harness in test_layers.py checks the rest (config round trip, gradcheck, replayed steps)."""

import json

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.layers import (
    AveragePooling1D,
    AveragePooling2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
)


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="the comparisons with PyTorch need torch")


def ours(layer, x, upstream):
    """The layer's output and the gradient of ``sum(output · upstream)`` with respect to x."""
    t = dg.Tensor(x, requires_grad=True)
    out = layer(t)
    (out * upstream).sum().backward()
    return out.numpy(), t.grad


def theirs(torch, function, x, upstream):
    """The same through a PyTorch function of channels-first tensors, moved back to channels
    last."""
    def first(a):
        return torch.tensor(np.moveaxis(a, -1, 1) if a.ndim > 2 else a)

    def last(t):
        a = t.detach().numpy()
        return np.moveaxis(a, 1, -1) if a.ndim > 2 else a

    xt = first(x).requires_grad_(True)
    out = function(xt)
    out.backward(first(upstream))
    return last(out), last(xt.grad)


def compare(torch, layer, function, shape, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)  # no ties: every window has one maximum
    out_shape = layer.compute_output_shape(shape)
    upstream = rng.standard_normal(out_shape)
    out, grad = ours(layer, x, upstream)
    expected_out, expected_grad = theirs(torch, function, x, upstream)
    assert out.shape == expected_out.shape == tuple(out_shape)
    np.testing.assert_allclose(out, expected_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-12)


# (layer, torch.nn.functional call on channels-first input, input shape). PyTorch pads evenly
# (padding=) or, with ceil_mode, lets the last window hang over the end: Keras's "same" where the
# padding it needs is even, or one after; padded positions are left out of averages.
POOLINGS = {
    "max1d": (lambda: MaxPooling1D(), lambda F, t: F.max_pool1d(t, 2), (2, 7, 3)),
    "max1d_strided": (lambda: MaxPooling1D(3, 2), lambda F, t: F.max_pool1d(t, 3, 2), (2, 8, 3)),
    "max1d_same_even": (lambda: MaxPooling1D(3, 1, padding="same"),
                        lambda F, t: F.max_pool1d(t, 3, 1, padding=1), (2, 7, 3)),
    "max1d_same_after": (lambda: MaxPooling1D(padding="same"),
                         lambda F, t: F.max_pool1d(t, 2, ceil_mode=True), (2, 7, 3)),
    "avg1d": (lambda: AveragePooling1D(3), lambda F, t: F.avg_pool1d(t, 3), (2, 7, 3)),
    "avg1d_same_even": (
        lambda: AveragePooling1D(3, 2, padding="SAME"),
        lambda F, t: F.avg_pool1d(t, 3, 2, padding=1, count_include_pad=False), (2, 7, 3)),
    "avg1d_same_after": (lambda: AveragePooling1D(padding="same"),
                         lambda F, t: F.avg_pool1d(t, 2, ceil_mode=True), (2, 7, 3)),
    "max2d": (lambda: MaxPooling2D(), lambda F, t: F.max_pool2d(t, 2), (2, 5, 6, 3)),
    "max2d_rectangular_strided": (lambda: MaxPooling2D((2, 3), (1, 2)),
                                  lambda F, t: F.max_pool2d(t, (2, 3), (1, 2)), (2, 5, 7, 3)),
    "max2d_same_even": (lambda: MaxPooling2D(3, 2, padding="same"),
                        lambda F, t: F.max_pool2d(t, 3, 2, padding=1), (2, 5, 7, 3)),
    "max2d_same_after": (lambda: MaxPooling2D(padding="same"),
                         lambda F, t: F.max_pool2d(t, 2, ceil_mode=True), (2, 5, 7, 3)),
    "avg2d": (lambda: AveragePooling2D(), lambda F, t: F.avg_pool2d(t, 2), (2, 5, 6, 3)),
    "avg2d_overlapping": (lambda: AveragePooling2D((3, 2), 1),
                          lambda F, t: F.avg_pool2d(t, (3, 2), 1), (2, 5, 6, 3)),
    "avg2d_same_even": (
        lambda: AveragePooling2D(3, 2, padding="same"),
        lambda F, t: F.avg_pool2d(t, 3, 2, padding=1, count_include_pad=False), (2, 5, 7, 3)),
    "avg2d_same_after": (lambda: AveragePooling2D(padding="same"),
                         lambda F, t: F.avg_pool2d(t, 2, ceil_mode=True), (2, 5, 7, 3)),
    "global_max1d": (lambda: GlobalMaxPooling1D(), lambda F, t: t.amax(2), (2, 5, 3)),
    "global_max2d_keepdims": (lambda: GlobalMaxPooling2D(keepdims=True),
                              lambda F, t: t.amax((2, 3), keepdim=True), (2, 4, 5, 3)),
    "global_avg1d_keepdims": (lambda: GlobalAveragePooling1D(keepdims=True),
                              lambda F, t: t.mean(2, keepdim=True), (2, 5, 3)),
    "global_avg2d": (lambda: GlobalAveragePooling2D(), lambda F, t: t.mean((2, 3)), (2, 4, 5, 3)),
}


@pytest.mark.parametrize("name", sorted(POOLINGS))
def test_forward_and_input_gradient_are_pytorchs(torch, name):
    layer, function, shape = POOLINGS[name]
    functional = torch.nn.functional
    compare(torch, layer(), lambda t: function(functional, t), shape)


def test_same_padding_puts_the_odd_one_after_and_averages_real_values_only():
    x = np.arange(1.0, 6.0).reshape(1, 5, 1)
    # 5 steps, windows of 2 side by side: one padded position after the last step
    np.testing.assert_array_equal(MaxPooling1D(padding="same")(-x).numpy().ravel(), [-1, -3, -5])
    np.testing.assert_array_equal(AveragePooling1D(padding="same")(x).numpy().ravel(), [1.5, 3.5, 5])
    # windows of 3 every step: one padded position on each side
    np.testing.assert_array_equal(AveragePooling1D(3, 1, padding="same")(x).numpy().ravel(),
                                  [1.5, 2, 3, 4, 4.5])


def test_max_pooling_gradient_goes_to_each_windows_maximum():
    x = dg.Tensor(np.array([[1.0, 4.0], [3.0, 2.0]]).reshape(1, 2, 2, 1), requires_grad=True)
    MaxPooling2D()(x).sum().backward()
    np.testing.assert_array_equal(x.grad[0, :, :, 0], [[0, 1], [0, 0]])


@pytest.mark.parametrize("layer, shape, expected", [
    (MaxPooling1D(), (None, None, 3), (None, None, 3)),
    (MaxPooling1D(3, 2), (4, 9, 3), (4, 4, 3)),
    (AveragePooling1D(2, 3, padding="same"), (None, 10, 5), (None, 4, 5)),
    (MaxPooling2D(), (None, 7, None, 3), (None, 3, None, 3)),
    (AveragePooling2D((3, 1), padding="same"), (None, 7, 5, 2), (None, 3, 5, 2)),
    (MaxPooling2D(2, (1, 2), padding="same"), (None, 7, 5, 2), (None, 7, 3, 2)),
    (GlobalMaxPooling2D(), (None, None, None, 8), (None, 8)),
    (GlobalAveragePooling1D(keepdims=True), (None, None, 8), (None, 1, 8)),
])
def test_output_shapes_with_unknown_sizes(layer, shape, expected):
    assert layer.compute_output_shape(shape) == expected


def test_defaults_and_configs_are_keras_3s():
    """Keras 3.15's get_config, its tuples as JSON lists."""
    assert MaxPooling1D().get_config() | {"name": None} == {
        "name": None, "trainable": True, "pool_size": [2], "strides": [2], "padding": "valid",
        "data_format": "channels_last"}
    config = json.loads(json.dumps(AveragePooling2D(3, padding="SAME").get_config()))
    assert (config["pool_size"], config["strides"], config["padding"]) == ([3, 3], [3, 3], "same")
    assert MaxPooling2D((2, 3), 1).strides == (1, 1) and MaxPooling2D((2, 3)).strides == (2, 3)
    clone = AveragePooling2D.from_config(config)
    assert clone.pool_size == (3, 3) and clone.padding == "same"
    assert GlobalAveragePooling2D().get_config()["keepdims"] is False
    assert GlobalMaxPooling1D(keepdims=True).get_config()["data_format"] == "channels_last"


def test_a_model_of_pooling_layers_trains_and_reloads(tmp_path):
    model = dg.Sequential([
        dg.layers.Input((8, 6, 2)), MaxPooling2D(padding="same"),
        AveragePooling2D((2, 1), strides=1), GlobalMaxPooling2D(), dg.layers.Dense(2, seed=0)])
    model.compile("adam", "mse")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 8, 6, 2)), rng.standard_normal((16, 2))
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    model.save(tmp_path / "pooling.dg")
    again = dg.load_model(tmp_path / "pooling.dg")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


# --------------------------------------------------------------------------- argument errors


@pytest.mark.parametrize("make, error, message", [
    (lambda: MaxPooling2D(0), ValueError,
     "pool_size must be an int >= 1 or a tuple of 2 ints >= 1; got 0"),
    (lambda: MaxPooling2D((2,)), ValueError, r"pool_size must be .*; got \(2,\)"),
    (lambda: MaxPooling2D((2, 0)), ValueError, r"got \(2, 0\)"),
    (lambda: AveragePooling2D(2.0), TypeError,
     "pool_size must be an int >= 1 or a tuple of 2 ints >= 1; got float 2.0"),
    (lambda: AveragePooling2D((2, True)), TypeError, "got tuple"),
    (lambda: MaxPooling1D((2, 2)), ValueError,
     r"pool_size must be an int >= 1 or a tuple of 1 int >= 1; got \(2, 2\)"),
    (lambda: MaxPooling1D(2, 0), ValueError, "strides must be an int >= 1 or a tuple of 1 int"),
    (lambda: AveragePooling1D(2, "2"), TypeError, "strides must be .*; got str '2'"),
    (lambda: MaxPooling2D(padding="full"), ValueError, "padding must be 'valid' or 'same'; got 'full'"),
    (lambda: MaxPooling2D(padding=1), TypeError, "padding must be 'valid' or 'same'; got int 1"),
    (lambda: MaxPooling2D(data_format="NHWC"), ValueError, "data_format must be 'channels_last'"),
    (lambda: GlobalMaxPooling2D(keepdims="yes"), TypeError, "keepdims must be True or False"),
])
def test_arguments_are_checked(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("cls", [MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D,
                                 GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalAveragePooling1D,
                                 GlobalAveragePooling2D])
def test_channels_first_is_refused(cls):
    with pytest.raises(ValueError, match="deepgrad is channels-last"):
        cls(data_format="channels_first")
    assert cls(data_format="channels_last").data_format == "channels_last"


def test_inputs_of_the_wrong_rank_or_too_small_fail_with_the_shape():
    with pytest.raises(ValueError, match=r"MaxPooling2D 'mp' needs inputs of shape \(batch, height, "
                                         r"width, channels\); got \(None, 4, 3\)"):
        MaxPooling2D(name="mp")(np.ones((2, 4, 3)))
    with pytest.raises(ValueError, match=r"needs inputs of shape \(batch, steps, channels\)"):
        GlobalAveragePooling1D()(np.ones((2, 4, 4, 3)))
    with pytest.raises(ValueError, match=r"pool_size=\(3, 3\) and padding='valid' needs inputs of at "
                                         r"least 3 along axis 1; got inputs of shape \(None, 2, 5, 1\)"):
        MaxPooling2D(3)(np.ones((1, 2, 5, 1)))
    with pytest.raises(ValueError, match="at least 4 along axis 1"):
        AveragePooling1D(4).compute_output_shape((None, 3, 2))
    assert MaxPooling2D(3, padding="same")(np.ones((1, 2, 5, 1))).shape == (1, 1, 2, 1)


def test_global_average_pooling_1d_averages_the_unmasked_steps():
    """Keras's masked mean: Embedding(mask_zero) → GlobalAveragePooling1D ignores padding, in a
    Sequential and a functional model alike; gradients reach only the unmasked steps."""
    tokens = np.array([[3, 4, 0, 0], [1, 2, 5, 0]])
    table = np.arange(12.0).reshape(6, 2)
    expected = np.stack([table[[3, 4]].mean(0), table[[1, 2, 5]].mean(0)])
    inputs = dg.layers.Input((4,))
    pooled = dg.layers.GlobalAveragePooling1D()(dg.layers.Embedding(6, 2, mask_zero=True)(inputs))
    for model in (dg.Sequential([dg.layers.Input((4,)), dg.layers.Embedding(6, 2, mask_zero=True),
                                 dg.layers.GlobalAveragePooling1D()]),
                  dg.Model(inputs, pooled)):
        model.set_weights([table])
        np.testing.assert_allclose(model.predict(tokens, verbose=0), expected, rtol=1e-6)
    x = dg.Tensor(np.random.default_rng(0).standard_normal((2, 4, 3)), requires_grad=True)
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)
    dg.layers.GlobalAveragePooling1D()(x, mask=mask).sum().backward()
    np.testing.assert_allclose(x.grad, np.broadcast_to((mask / mask.sum(1, keepdims=True))[..., None],
                                                       (2, 4, 3)))
