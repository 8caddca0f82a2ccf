"""Up-sampling, zero padding, cropping and spatial dropout: forward values and input gradients
equal to PyTorch's (skipped where torch is not installed; /work/benchvenv has it), bilinear
values computed with Keras 3.15 (JAX), whole channels dropped, output shapes as Keras 3 gives them
in a model's summary, and argument errors.

The harness in test_layers.py checks the rest (config round trip, gradcheck, replayed steps)."""

import json

import numpy as np
import pytest
from test_pooling_layers import compare, torch  # noqa: F401 - the fixture

import deepgrad as dg
from deepgrad.layers import (
    AveragePooling1D,
    AveragePooling2D,
    Cropping1D,
    Cropping2D,
    Dense,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    Input,
    MaxPooling1D,
    MaxPooling2D,
    Reshape,
    SpatialDropout1D,
    SpatialDropout2D,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)

RESIZES = {
    "up1d": (lambda: UpSampling1D(3),
             lambda F, t: F.interpolate(t, scale_factor=3, mode="nearest"), (2, 4, 3)),
    "up2d": (lambda: UpSampling2D(),
             lambda F, t: F.interpolate(t, scale_factor=2, mode="nearest"), (2, 3, 4, 2)),
    "up2d_rectangular": (lambda: UpSampling2D((2, 3)),
                         lambda F, t: F.interpolate(t, scale_factor=(2, 3), mode="nearest"),
                         (2, 3, 4, 2)),
    "up2d_bilinear": (
        lambda: UpSampling2D((3, 2), interpolation="bilinear"),
        lambda F, t: F.interpolate(t, scale_factor=(3, 2), mode="bilinear", align_corners=False),
        (2, 3, 4, 2)),
    "up2d_bilinear_one_row": (
        lambda: UpSampling2D(4, interpolation="BILINEAR"),
        lambda F, t: F.interpolate(t, scale_factor=4, mode="bilinear", align_corners=False),
        (2, 1, 3, 2)),
    "pad1d": (lambda: ZeroPadding1D((2, 1)), lambda F, t: F.pad(t, (2, 1)), (2, 4, 3)),
    "pad2d": (lambda: ZeroPadding2D(), lambda F, t: F.pad(t, (1, 1, 1, 1)), (2, 3, 4, 2)),
    "pad2d_asymmetric": (lambda: ZeroPadding2D(((1, 0), (2, 3))),
                         lambda F, t: F.pad(t, (2, 3, 1, 0)), (2, 3, 4, 2)),
    "pad2d_symmetric_pair": (lambda: ZeroPadding2D((0, 2)),
                             lambda F, t: F.pad(t, (2, 2, 0, 0)), (2, 3, 4, 2)),
    "crop1d": (lambda: Cropping1D(), lambda F, t: t[:, :, 1:-1], (2, 5, 3)),
    "crop1d_end": (lambda: Cropping1D((0, 2)), lambda F, t: t[:, :, :-2], (2, 5, 3)),
    "crop2d": (lambda: Cropping2D(((1, 0), (1, 2))), lambda F, t: t[:, :, 1:, 1:-2], (2, 5, 6, 3)),
    "crop2d_int": (lambda: Cropping2D(2), lambda F, t: t[:, :, 2:-2, 2:-2], (2, 5, 6, 3)),
}


@pytest.mark.parametrize("name", sorted(RESIZES))
def test_forward_and_input_gradient_are_pytorchs(torch, name):  # noqa: F811 - the fixture
    layer, function, shape = RESIZES[name]
    functional = torch.nn.functional
    compare(torch, layer(), lambda t: function(functional, t), shape)


def test_bilinear_up_sampling_is_keras_3s():
    """Keras 3.15 (JAX): UpSampling2D(2, interpolation="bilinear") of arange(6) in 2 × 3."""
    x = np.arange(6.0, dtype=np.float32).reshape(1, 2, 3, 1)
    out = UpSampling2D(2, interpolation="bilinear")(x).numpy()
    assert out.dtype == np.float32
    np.testing.assert_allclose(out[0, :, :, 0], [
        [0.0, 0.25, 0.75, 1.25, 1.75, 2.0], [0.75, 1.0, 1.5, 2.0, 2.5, 2.75],
        [2.25, 2.5, 3.0, 3.5, 4.0, 4.25], [3.0, 3.25, 3.75, 4.25, 4.75, 5.0]], rtol=1e-6)


def test_nearest_up_sampling_copies_values_exactly():
    x = np.array([np.inf, -0.0, np.nan, 1e-300]).reshape(1, 2, 2, 1)
    out = UpSampling2D((1, 2))(x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(out, [[np.inf, np.inf, -0.0, -0.0], [np.nan, np.nan, 1e-300, 1e-300]])
    assert np.signbit(out[0, 2])


def test_zero_padding_and_cropping_undo_each_other():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 2))
    padded = ZeroPadding2D(((1, 2), (0, 3)))(x)
    assert padded.shape == (2, 6, 7, 2) and padded.numpy()[:, 0].max() == 0
    np.testing.assert_array_equal(Cropping2D(((1, 2), (0, 3)))(padded).numpy(), x)
    np.testing.assert_array_equal(ZeroPadding2D(0)(x).numpy(), x)
    np.testing.assert_array_equal(Cropping2D()(x).numpy(), x)


def test_configs_are_keras_3s_and_round_trip():
    """Keras 3.15's get_config, its tuples as JSON lists."""
    expected = {
        ZeroPadding1D(): {"padding": [1, 1], "data_format": "channels_last"},
        ZeroPadding2D(): {"padding": [[1, 1], [1, 1]], "data_format": "channels_last"},
        Cropping1D(): {"cropping": [1, 1]},
        Cropping2D(): {"cropping": [[0, 0], [0, 0]], "data_format": "channels_last"},
        UpSampling1D(): {"size": 2},
        UpSampling2D(): {"size": [2, 2], "data_format": "channels_last", "interpolation": "nearest"},
        SpatialDropout1D(0.5): {"rate": 0.5, "seed": None},
        SpatialDropout2D(0.5, seed=3): {"rate": 0.5, "seed": 3, "data_format": "channels_last"},
    }
    for layer, settings in expected.items():
        config = json.loads(json.dumps(layer.get_config()))
        assert {k: v for k, v in config.items() if k not in ("name", "trainable")} == settings
        assert type(layer).from_config(config).get_config() == config
    assert ZeroPadding2D((2, 1)).padding == ((2, 2), (1, 1))
    assert ZeroPadding1D(3).padding == (3, 3) and Cropping1D(2).cropping == (2, 2)
    assert Cropping2D(((1, 2), 3)).cropping == ((1, 2), (3, 3))


@pytest.mark.parametrize("layer, shape, expected", [
    (UpSampling1D(3), (None, None, 4), (None, None, 4)),
    (UpSampling2D((2, 3)), (None, 5, None, 4), (None, 10, None, 4)),
    (ZeroPadding1D((2, 1)), (None, None, 4), (None, None, 4)),
    (ZeroPadding2D(((1, 0), (2, 3))), (None, 5, None, 4), (None, 6, None, 4)),
    (Cropping1D(2), (8, 7, 4), (8, 3, 4)),
    (Cropping2D(((1, 0), (2, 3))), (None, None, 6, 4), (None, None, 1, 4)),
    (SpatialDropout2D(0.5), (None, None, None, 4), (None, None, None, 4)),
])
def test_output_shapes_with_unknown_sizes(layer, shape, expected):
    assert layer.compute_output_shape(shape) == expected


def test_summary_gives_keras_3s_output_shapes():
    """The output shapes Keras 3.15 gives the same model (with one channel instead of two)."""
    model = dg.Sequential([
        Input((28, 28, 2)), ZeroPadding2D(2), MaxPooling2D(),
        AveragePooling2D(3, strides=2, padding="same"), UpSampling2D(),
        Cropping2D(((1, 0), (2, 1))), SpatialDropout2D(0.2), GlobalAveragePooling2D(keepdims=True),
        Reshape((1, 2)), UpSampling1D(4), ZeroPadding1D((1, 2)), Cropping1D(1),
        MaxPooling1D(2, 1, padding="same"), AveragePooling1D(3), SpatialDropout1D(0.1),
        GlobalMaxPooling1D(), Dense(3)])
    lines = []
    model.summary(print_fn=lines.append)
    shapes = ["(None, 32, 32, 2)", "(None, 16, 16, 2)", "(None, 8, 8, 2)", "(None, 16, 16, 2)",
              "(None, 15, 13, 2)", "(None, 15, 13, 2)", "(None, 1, 1, 2)", "(None, 1, 2)",
              "(None, 4, 2)", "(None, 7, 2)", "(None, 5, 2)", "(None, 5, 2)", "(None, 1, 2)",
              "(None, 1, 2)", "(None, 2)", "(None, 3)"]
    rows = [line for line in lines if "(" in line and "None" in line]
    assert len(rows) == len(shapes)
    for row, shape, layer in zip(rows, shapes, model.layers):
        assert f"({type(layer).__name__})" in row and f"| {shape} " in row, row
    assert model.count_params() == 9


def test_a_model_of_these_layers_trains_and_reloads(tmp_path):
    model = dg.Sequential([
        Input((5, 4, 2)), ZeroPadding2D(((1, 0), (0, 1))), SpatialDropout2D(0.3, seed=0),
        UpSampling2D(interpolation="bilinear"), Cropping2D(1), GlobalAveragePooling2D(),
        Dense(2, seed=0)])
    model.compile("adam", "mse")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 5, 4, 2)), rng.standard_normal((16, 2))
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    model.save(tmp_path / "spatial.dg")
    again = dg.load_model(tmp_path / "spatial.dg")
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))


# --------------------------------------------------------------------------- SpatialDropout


@pytest.mark.parametrize("cls, shape", [(SpatialDropout1D, (400, 6, 50)),
                                        (SpatialDropout2D, (400, 3, 4, 50))])
def test_spatial_dropout_drops_whole_channels(cls, shape):
    rate = 0.3
    out = cls(rate, seed=0)(np.ones(shape), training=True).numpy()
    spatial = tuple(range(1, len(shape) - 1))
    # one value per sample and channel, the same at every step (or pixel)
    assert (out.min(axis=spatial) == out.max(axis=spatial)).all()
    channels = out.max(axis=spatial)
    np.testing.assert_allclose(np.unique(channels), [0.0, 1 / (1 - rate)])
    assert np.mean(channels == 0) == pytest.approx(rate, abs=0.02)
    assert not (channels == channels[:1]).all()  # a mask per sample, not one for the batch


@pytest.mark.parametrize("cls, shape", [(SpatialDropout1D, (3, 4, 5)),
                                        (SpatialDropout2D, (3, 2, 4, 5))])
def test_spatial_dropout_is_the_identity_at_inference(cls, shape):
    x = dg.Tensor(np.random.default_rng(0).standard_normal(shape))
    layer = cls(0.5, seed=0)
    assert layer(x) is x and layer(x, training=False) is x
    assert cls(0.0)(x, training=True) is x


def test_spatial_dropout_is_seeded_like_dropout():
    x = np.ones((4, 3, 3, 6))
    a, b = SpatialDropout2D(0.5, seed=3), SpatialDropout2D(0.5, seed=3)
    first, second = a(x, training=True).numpy(), a(x, training=True).numpy()
    assert not np.array_equal(first, second)  # a new mask per call
    np.testing.assert_array_equal(b(x, training=True).numpy(), first)
    np.testing.assert_array_equal(b(x, training=True).numpy(), second)
    dg.set_seed(2)
    c = SpatialDropout1D(0.5)(x[:, 0], training=True).numpy()
    dg.set_seed(2)
    np.testing.assert_array_equal(SpatialDropout1D(0.5)(x[:, 0], training=True).numpy(), c)


def test_spatial_dropout_gradcheck_with_fixed_mask():
    x = dg.Tensor(np.random.default_rng(0).uniform(0.5, 2.0, (3, 2, 3, 4)), requires_grad=True)
    # a new layer with the same seed per call draws the same mask every time
    assert dg.gradcheck(lambda t: SpatialDropout2D(0.4, seed=5)(t, training=True), x,
                        atol=1e-7, rtol=1e-5)
    out = SpatialDropout2D(0.4, seed=5)(x, training=True)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, (out.numpy() != 0) / 0.6)


# --------------------------------------------------------------------------- argument errors


@pytest.mark.parametrize("make, error, message", [
    (lambda: UpSampling1D(0), ValueError, "size must be an int >= 1; got 0"),
    (lambda: UpSampling1D(2.0), TypeError, "size must be an int >= 1; got float 2.0"),
    (lambda: UpSampling2D((2, 0)), ValueError,
     r"size must be an int >= 1 or a tuple of 2 ints >= 1; got \(2, 0\)"),
    (lambda: UpSampling2D(interpolation="bicubic"), ValueError,
     "interpolation must be 'nearest' or 'bilinear' \\(deepgrad does not implement Keras's 'bicubic'\\)"),
    (lambda: UpSampling2D(interpolation="cubic"), ValueError,
     "interpolation must be 'nearest' or 'bilinear'; got 'cubic'"),
    (lambda: ZeroPadding1D(-1), ValueError,
     r"padding must be an int >= 0 or a tuple of 2 ints >= 0 \(before, after\); got -1"),
    (lambda: ZeroPadding1D((1, 2, 3)), ValueError, r"got \(1, 2, 3\)"),
    (lambda: ZeroPadding1D(1.5), TypeError, "padding must be .*; got float 1.5"),
    (lambda: ZeroPadding2D((1, 2, 3)), ValueError,
     (r"padding must be an int >= 0, a tuple of 2 ints >= 0 \(height, width\) or a tuple of 2 "
      r"pairs of ints >= 0 \(\(top, bottom\), \(left, right\)\); got \(1, 2, 3\)")),
    (lambda: ZeroPadding2D(((1, 2), (1,))), ValueError, r"got \(\(1, 2\), \(1,\)\)"),
    (lambda: ZeroPadding2D(((1, -2), 1)), ValueError, "padding must be"),
    (lambda: ZeroPadding2D("1"), TypeError, "padding must be .*; got str '1'"),
    (lambda: ZeroPadding2D((1, 1.0)), TypeError, "padding must be"),
    (lambda: Cropping1D((1, True)), TypeError, "cropping must be an int >= 0 or a tuple of 2"),
    (lambda: Cropping2D(-1), ValueError, "cropping must be"),
    (lambda: SpatialDropout1D(1.0), ValueError, r"rate must be a number in \[0, 1\); got 1.0"),
    (lambda: SpatialDropout2D(0.5, "NHWC"), ValueError, "data_format must be 'channels_last'"),
])
def test_arguments_are_checked(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("make", [
    lambda: UpSampling2D(data_format="channels_first"),
    lambda: ZeroPadding1D(data_format="channels_first"),
    lambda: ZeroPadding2D(data_format="channels_first"),
    lambda: Cropping2D(data_format="channels_first"),
    lambda: SpatialDropout2D(0.5, data_format="channels_first"),
])
def test_channels_first_is_refused(make):
    with pytest.raises(ValueError, match="deepgrad is channels-last"):
        make()


def test_inputs_of_the_wrong_rank_or_too_small_fail_with_the_shape():
    with pytest.raises(ValueError, match=r"UpSampling1D 'up' needs inputs of shape \(batch, steps, "
                                         r"channels\); got \(None, 4, 4, 3\)"):
        UpSampling1D(name="up")(np.ones((2, 4, 4, 3)))
    with pytest.raises(ValueError, match=r"needs inputs of shape \(batch, height, width, channels\)"):
        SpatialDropout2D(0.5)(np.ones((2, 4, 3)), training=True)
    with pytest.raises(ValueError, match=r"cannot crop 3 \+ 2 of 5 along axis 1 \(inputs of shape "
                                         r"\(None, 5, 3\)\): cropping must leave at least one"):
        Cropping1D((3, 2))(np.ones((2, 5, 3)))
    with pytest.raises(ValueError, match="cannot crop 1 \\+ 1 of 2 along axis 2"):
        Cropping2D(((0, 0), (1, 1))).compute_output_shape((None, 4, 2, 1))
