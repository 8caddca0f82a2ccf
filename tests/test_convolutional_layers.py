"""Convolution layers: Keras's shapes, parameter counts and summary; PyTorch's forward and
gradients (where PyTorch is installed); save → load bitwise; argument errors.

The harness in tests/test_layers.py already checks every case's shapes, config round trip,
float64 gradcheck and replayed steps."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.layers import (
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    Dense,
    DepthwiseConv2D,
    Flatten,
    Input,
    SeparableConv2D,
)


def _x(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


# ---------------------------------------------------------------------- Keras's numbers
def test_mnist_convnet_summary_as_keras_prints_it():
    dg.backend.clear_session()  # names counted from the first, as in a fresh Keras session
    model = dg.Sequential([Input((28, 28, 1)), Conv2D(32, 3, activation="relu"),
                           Conv2D(64, 3, strides=2, activation="relu"), Flatten(),
                           Dense(10, activation="softmax")])
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "conv2d (Conv2D)" in text and "(None, 26, 26, 32)" in text and "320" in text
    assert "conv2d_1 (Conv2D)" in text and "(None, 12, 12, 64)" in text and "18,496" in text
    assert "Total params: 110,986" in text


@pytest.mark.parametrize("layer, shape, out, params", [
    (lambda: Conv2D(8, 3, padding="same", strides=2), (1, 7, 7, 3), (1, 4, 4, 8), 224),
    (lambda: Conv2D(6, (3, 1), groups=3), (1, 5, 5, 3), (1, 3, 5, 6), 24),
    (lambda: Conv1D(4, 5, padding="causal"), (2, 9, 2), (2, 9, 4), 44),
    (lambda: Conv1D(4, 3, strides=2, padding="same"), (2, 9, 2), (2, 5, 4), 28),
    (lambda: Conv2DTranspose(4, 3, strides=2), (1, 5, 5, 2), (1, 11, 11, 4), 76),
    (lambda: Conv2DTranspose(4, 2, strides=3), (1, 5, 5, 2), (1, 15, 15, 4), 36),
    (lambda: Conv2DTranspose(4, 3, strides=2, padding="same"), (1, 5, 5, 2), (1, 10, 10, 4), 76),
    (lambda: Conv2DTranspose(4, 3, strides=2, output_padding=1), (1, 5, 5, 2), (1, 12, 12, 4), 76),
    (lambda: DepthwiseConv2D(3, depth_multiplier=3, padding="same"), (1, 6, 6, 2), (1, 6, 6, 6), 60),
    (lambda: SeparableConv2D(5, 3, depth_multiplier=2), (1, 6, 6, 2), (1, 4, 4, 5), 61),
])
def test_shapes_and_parameter_counts_are_keras(layer, shape, out, params):
    built = layer()
    assert built(_x(shape)).shape == out
    assert built.count_params() == params


def test_weight_names_and_layouts_are_keras():
    separable = SeparableConv2D(5, 3, depth_multiplier=2)
    separable(_x((1, 6, 6, 2)))
    assert [(w.name, w.shape) for w in separable.weights] == [
        ("depthwise_kernel", (3, 3, 2, 2)), ("pointwise_kernel", (1, 1, 4, 5)), ("bias", (5,))]
    transpose = Conv2DTranspose(4, 3)
    transpose(_x((1, 5, 5, 2)))
    assert transpose.kernel.shape == (3, 3, 4, 2)
    depthwise = DepthwiseConv2D(3, depth_multiplier=3)
    depthwise(_x((1, 6, 6, 2)))
    assert [(w.name, w.shape) for w in depthwise.weights] == [("kernel", (3, 3, 2, 3)), ("bias", (6,))]


# ---------------------------------------------------------------------- PyTorch's numbers
def _torch_conv(torch, layer, x):
    """PyTorch's output for ``layer`` (built, float64) on channels-last ``x``."""
    F = torch.nn.functional
    t = torch.tensor(x, requires_grad=True)
    nchw = t.permute(0, 3, 1, 2)
    weights = {w.name: torch.tensor(w.numpy(), requires_grad=True) for w in layer.weights}
    bias = weights.get("bias")

    def same_pads(size, k, s, d):
        from deepgrad.ops import padding_amounts
        return padding_amounts(layer.padding, size, k, s, d)

    if isinstance(layer, Conv2DTranspose):
        out = F.conv_transpose2d(nchw, weights["kernel"].permute(3, 2, 0, 1), bias,
                                 stride=layer.strides, dilation=layer.dilation_rate)
        h, w = layer.compute_output_shape(x.shape)[1:3]
        top = [p[0] for p in (layer._geometry(x.shape[1], 0)[1], layer._geometry(x.shape[2], 1)[1])]
        out = F.pad(out, (0, max(0, top[1] + w - out.shape[3]), 0, max(0, top[0] + h - out.shape[2])))
        out = out[:, :, top[0]:top[0] + h, top[1]:top[1] + w]
    else:
        pads = [same_pads(n, k, s, d) for n, k, s, d in zip(x.shape[1:3], layer.kernel_size,
                                                            layer.strides, layer.dilation_rate)]
        padded = F.pad(nchw, (pads[1][0], pads[1][1], pads[0][0], pads[0][1]))
        if isinstance(layer, SeparableConv2D):
            dk = weights["depthwise_kernel"]
            kh, kw, c, m = dk.shape
            spread = F.conv2d(padded, dk.reshape(kh, kw, 1, c * m).permute(3, 2, 0, 1),
                              stride=layer.strides, dilation=layer.dilation_rate, groups=c)
            out = F.conv2d(spread, weights["pointwise_kernel"].permute(3, 2, 0, 1), bias)
        elif isinstance(layer, DepthwiseConv2D):
            k = weights["kernel"]
            kh, kw, c, m = k.shape
            out = F.conv2d(padded, k.reshape(kh, kw, 1, c * m).permute(3, 2, 0, 1), bias,
                           stride=layer.strides, dilation=layer.dilation_rate, groups=c)
        else:
            out = F.conv2d(padded, weights["kernel"].permute(3, 2, 0, 1), bias,
                           stride=layer.strides, dilation=layer.dilation_rate, groups=layer.groups)
    out = out.permute(0, 2, 3, 1)
    if layer.activation is dg.activations.relu:
        out = torch.relu(out)
    return t, weights, out


@pytest.mark.parametrize("layer, shape", [
    (lambda: Conv2D(5, 3, activation="relu"), (2, 7, 8, 3)),
    (lambda: Conv2D(4, (3, 2), strides=(2, 1), padding="same"), (2, 7, 8, 3)),
    (lambda: Conv2D(4, 3, dilation_rate=2, padding="same"), (2, 7, 8, 2)),
    (lambda: Conv2D(6, 2, groups=3), (2, 5, 5, 3)),
    (lambda: Conv2DTranspose(3, 3, strides=2), (2, 4, 5, 2)),
    (lambda: Conv2DTranspose(3, 4, strides=2, padding="same"), (2, 4, 5, 2)),
    (lambda: Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=1), (2, 4, 5, 2)),
    (lambda: DepthwiseConv2D(3, depth_multiplier=2, padding="same"), (2, 6, 5, 3)),
    (lambda: SeparableConv2D(4, 3, activation="relu"), (2, 6, 5, 3)),
])
def test_forward_and_gradients_equal_pytorch(layer, shape):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    built = layer()
    built.dtype = None
    x = _x(shape)
    ours = built(dg.Tensor(x, requires_grad=True, dtype="float64"))
    t, weights, theirs = _torch_conv(torch, built, x)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), atol=1e-12)
    g = _x(ours.shape, seed=5)
    x_tensor = dg.Tensor(x, requires_grad=True, dtype="float64")
    out = built(x_tensor)
    (out * dg.Tensor(g)).sum().backward()
    theirs.backward(torch.tensor(g))
    np.testing.assert_allclose(x_tensor.grad, t.grad.numpy(), atol=1e-12)
    for w in built.weights:
        np.testing.assert_allclose(w.grad, weights[w.name].grad.numpy(), atol=1e-12)


def test_conv1d_equals_pytorch_causal_and_dilated():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    layer = Conv1D(4, 3, padding="causal", dilation_rate=2)
    x = _x((2, 9, 3))
    ours = layer(dg.Tensor(x, dtype="float64")).numpy()
    t = torch.nn.functional.pad(torch.tensor(x).permute(0, 2, 1), (4, 0))
    theirs = torch.nn.functional.conv1d(t, torch.tensor(layer.kernel.numpy()).permute(2, 1, 0),
                                        torch.tensor(layer.bias.numpy()), dilation=2)
    np.testing.assert_allclose(ours, theirs.permute(0, 2, 1).numpy(), atol=1e-12)


# ---------------------------------------------------------------------- files and mistakes
def test_save_and_load_are_bitwise(tmp_path):
    model = dg.Sequential([Input((8, 8, 2)), Conv2D(4, 3, activation="relu", padding="same"),
                           SeparableConv2D(4, 3), DepthwiseConv2D(2), Conv2DTranspose(2, 3, strides=2),
                           Flatten(), Dense(3)])
    model.compile("adam", "mse")
    x, y = _x((6, 8, 8, 2)).astype("float32"), _x((6, 3)).astype("float32")
    model.fit(x, y, epochs=2, verbose=0)
    model.save(tmp_path / "conv.safetensors")
    loaded = dg.load_model(tmp_path / "conv.safetensors")
    assert loaded.predict(x).tobytes() == model.predict(x).tobytes()
    model.fit(x, y, epochs=1, verbose=0, shuffle=False)
    loaded.fit(x, y, epochs=1, verbose=0, shuffle=False)
    assert loaded.predict(x).tobytes() == model.predict(x).tobytes()


@pytest.mark.parametrize("make, error, words", [
    (lambda: Conv2D(0, 3), ValueError, "filters must be an int >= 1"),
    (lambda: Conv2D(4, (3, 3, 3)), ValueError, "kernel_size must be an int >= 1 or a tuple of 2"),
    (lambda: Conv2D(4, "3"), TypeError, "kernel_size must be"),
    (lambda: Conv2D(4, 3, padding="full"), ValueError, "padding must be .valid. or .same."),
    (lambda: Conv2D(4, 3, padding="causal"), ValueError, "padding must be .valid. or .same."),
    (lambda: Conv2D(4, 3, strides=2, dilation_rate=2), ValueError, "cannot be combined"),
    (lambda: Conv2D(4, 3, data_format="channels_first"), ValueError, "channels_last"),
    (lambda: Conv2D(5, 3, groups=2), ValueError, "multiple of groups"),
    (lambda: Conv2D(4, 3, kernel_constraint="max_norm"), TypeError, "kernel_constraint"),
    (lambda: Conv2DTranspose(4, 3, strides=2, output_padding=2), ValueError, "smaller than strides"),
    (lambda: DepthwiseConv2D(3, depth_multiplier=0), ValueError, "depth_multiplier must be"),
])
def test_bad_arguments_are_refused(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_inputs_that_do_not_fit_are_refused():
    with pytest.raises(ValueError, match="needs inputs of shape \\(batch, height, width, channels\\)"):
        Conv2D(4, 3)(_x((2, 8, 8)))
    with pytest.raises(ValueError, match="smaller than the kernel"):
        Conv2D(4, 5)(_x((2, 3, 3, 1)))
    with pytest.raises(ValueError, match="not a multiple of groups"):
        Conv2D(4, 3, groups=2)(_x((2, 5, 5, 3)))


@pytest.mark.parametrize("shape", [(4, 5, 6, 3), (4, 7, 3)])
def test_batch_normalization_of_images_and_sequences_equals_pytorch(shape):
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    from deepgrad.layers import BatchNormalization

    x, g = _x(shape), _x(shape, seed=1)
    layer = BatchNormalization(momentum=0.9)
    xt = dg.Tensor(x, requires_grad=True, dtype="float64")
    out = layer(xt, training=True)
    (out * dg.Tensor(g)).sum().backward()
    norm = (torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d)(
        shape[-1], eps=1e-3, momentum=0.1).double()
    tx = torch.tensor(x, requires_grad=True)
    order = (0, 3, 1, 2) if len(shape) == 4 else (0, 2, 1)
    back = (0, 2, 3, 1) if len(shape) == 4 else (0, 2, 1)
    theirs = norm(tx.permute(*order)).permute(*back)
    theirs.backward(torch.tensor(g))
    np.testing.assert_allclose(out.numpy(), theirs.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(xt.grad, tx.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.gamma.grad, norm.weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.moving_mean.numpy(), norm.running_mean.numpy(), atol=1e-12)
