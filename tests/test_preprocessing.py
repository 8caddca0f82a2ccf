"""Normalization and Rescaling. Golden numbers were computed with Keras 3.15 (JAX, float32):
``keras.layers.Normalization(...).adapt(data)`` then the layer's weights and outputs."""

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.autograd.modes import recording
from deepgrad.compile import Tape
from deepgrad.layers import Normalization, Rescaling

DATA = np.array([[1.0, -2.0, 10.0], [3.0, 0.0, 14.0], [8.0, 1.0, 9.0], [4.0, 5.0, 11.0],
                 [-1.0, 2.0, 16.0]], dtype=np.float32)
CUBE = np.arange(24, dtype=np.float32).reshape(4, 3, 2) ** 1.5


def adapted(data, **settings):
    layer = Normalization(**settings)
    layer.adapt(data)
    return layer


def test_adapt_matches_keras_per_feature():
    layer = adapted(DATA)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), [3.0, 1.2, 12.0], rtol=1e-6)
    np.testing.assert_allclose(layer.adapt_variance.numpy(), [9.2, 5.36, 6.8], rtol=1e-6)
    out = layer(np.array([[2.0, 1.0, 12.0]], dtype=np.float32)).numpy()
    np.testing.assert_allclose(out, [[-0.32969025, -0.08638687, 0.0]], rtol=1e-6)
    inverted = adapted(DATA, invert=True)(np.array([[1.0, -1.0, 0.5]], dtype=np.float32))
    np.testing.assert_allclose(inverted.numpy(), [[6.03315, -1.1151671, 13.303841]], rtol=1e-6)


def test_adapt_matches_keras_for_other_axes():
    both = adapted(CUBE, axis=(1, 2))
    np.testing.assert_allclose(both.adapt_mean.numpy(), [
        [33.158424, 37.302876], [41.820442, 46.63125], [51.70298, 57.015034]], rtol=1e-6)
    np.testing.assert_allclose(both.adapt_variance.numpy(), [
        [844.519, 958.49536], [1067.0507, 1173.5269], [1278.8018, 1383.2859]], rtol=1e-6)
    middle = adapted(CUBE, axis=1)
    np.testing.assert_allclose(middle.adapt_mean.numpy(), [35.23065, 44.225845, 54.35901], rtol=1e-6)
    np.testing.assert_allclose(middle.adapt_variance.numpy(), [905.8013, 1126.0747, 1338.0984],
                               rtol=1e-6)
    np.testing.assert_allclose(middle(CUBE[:1]).numpy(), [[
        [-1.1705884, -1.137362], [-1.2336434, -1.1630852], [-1.2673311, -1.1803892]]], rtol=1e-6)
    overall = adapted(CUBE, axis=None)
    assert overall.adapt_mean.shape == () and overall.count.item() == 24
    np.testing.assert_allclose(overall.adapt_mean.item(), 44.605164, rtol=1e-6)
    np.testing.assert_allclose(overall.adapt_variance.item(), 1184.379, rtol=1e-6)
    scalars = adapted(np.array([[1.0], [2.0], [3.0], [4.0], [5.0]], np.float32), axis=None)
    out = scalars(np.array([[1.0], [2.0], [3.0]], np.float32)).numpy()
    np.testing.assert_allclose(out[:, 0], [-1.4142135, -0.70710677, 0.0], rtol=1e-6)


def test_statistics_are_computed_in_float64():
    data = (1e4 + np.random.default_rng(0).standard_normal((1000, 2))).astype(np.float32)
    layer = Normalization(dtype="float64")
    layer.adapt(data)
    wide = data.astype(np.float64)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), wide.mean(axis=0), rtol=1e-15)
    np.testing.assert_allclose(layer.adapt_variance.numpy(), wide.var(axis=0), rtol=1e-12)


def test_weights_are_keras_3s_list():
    layer = adapted(DATA)
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    assert [w.shape for w in layer.weights] == [(3,), (3,), ()]
    assert layer.trainable_weights == [] and layer.count_params() == 7  # as Keras counts it
    assert layer.count.item() == 5  # values per statistic (Keras 3 leaves its count at 0)
    assert layer.adapt_mean.dtype == np.float32  # adapt builds in the layer's dtype (float32)
    assert Normalization(mean=0.0, variance=1.0).weights == []


def test_before_adapt_the_layer_is_the_identity():
    x = DATA[:2]
    np.testing.assert_array_equal(Normalization()(x).numpy(), x)


def test_variance_below_epsilon_squared_divides_by_epsilon():
    x = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)
    out = Normalization(mean=[1.0, 2.0], variance=[0.0, 4.0])(x).numpy()
    np.testing.assert_allclose(out, [[0.0, 0.0], [2e7, 2.0]], rtol=1e-6)  # Keras: / max(σ, 1e-7)
    back = Normalization(mean=[1.0, 2.0], variance=[0.0, 4.0], invert=True)(x).numpy()
    np.testing.assert_allclose(back, [[1.0000001, 6.0], [1.0000003, 14.0]], rtol=1e-7)


def test_given_statistics_broadcast_to_the_kept_axes_as_keras():
    out = Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 0.25, 9.0])(DATA[:2]).numpy()
    np.testing.assert_allclose(out, [[0.0, -8.0, 2.3333335], [1.0, -4.0, 3.6666667]], rtol=1e-6)
    # a vector along the last of the kept axes (1, 2)
    out = Normalization(axis=(1, 2), mean=[1.0, 2.0], variance=[4.0, 0.25])(CUBE[:1]).numpy()
    np.testing.assert_allclose(out, [[[-0.5, -2.0], [0.91421354, 6.3923054],
                                      [3.5, 18.36068]]], rtol=1e-6)
    scalar = Normalization(mean=3.0, variance=2.0)(np.array([[1.0], [2.0], [3.0]]))
    np.testing.assert_allclose(scalar.numpy()[:, 0], [-1.4142135, -0.70710677, 0.0], rtol=1e-6)


def test_adapt_in_batches_equals_adapt_at_once():
    rng = np.random.default_rng(1)
    data = rng.normal([5.0, -3.0], [2.0, 0.5], size=(103, 2))
    whole = Normalization(dtype="float64")
    whole.adapt(data)
    for source in (dict(data=data, batch_size=10),
                   dict(data=[data[:50], data[50:51], data[51:]]),
                   dict(data=((data[i:i + 7], np.zeros(7)) for i in range(0, 103, 7))),
                   dict(data=dg.Tensor(data))):
        layer = Normalization(dtype="float64")
        layer.adapt(**source)
        np.testing.assert_allclose(layer.adapt_mean.numpy(), whole.adapt_mean.numpy(), rtol=1e-13)
        np.testing.assert_allclose(layer.adapt_variance.numpy(), whole.adapt_variance.numpy(),
                                   rtol=1e-12)
        assert layer.count.item() == 103


def test_adapt_steps_reads_that_many_batches():
    data = np.arange(20.0).reshape(10, 2)
    layer = Normalization(dtype="float64")
    layer.adapt(data, batch_size=4, steps=2)  # the first 8 samples
    np.testing.assert_allclose(layer.adapt_mean.numpy(), data[:8].mean(axis=0))
    assert layer.count.item() == 8
    layer.adapt(iter([data[:3], data[3:6], data[6:]]), steps=1)
    np.testing.assert_allclose(layer.adapt_mean.numpy(), data[:3].mean(axis=0))


def test_adapt_again_replaces_the_statistics_seen_by_a_recording():
    layer = adapted(DATA)
    x = dg.Tensor(DATA[:2])
    with recording() as records:
        out = layer(x)
    tape = Tape(records, [x], [out])
    layer.adapt(DATA * 2.0 + 1.0)  # in place: the recorded call reads the new statistics
    (replayed,) = tape.forward([DATA[:2]])
    assert replayed.tobytes() == layer(DATA[:2]).numpy().tobytes()
    assert not np.allclose(replayed, out.numpy())


def test_adapt_errors():
    with pytest.raises(ValueError, match=r"finite data; got nan at index \(5, 1\)"):
        Normalization().adapt(np.vstack([DATA, [[0.0, np.nan, 0.0]] * 2]), batch_size=2)
    with pytest.raises(ValueError, match=r"built for inputs of shape \(None, 3\).*\(2, 4\)"):
        adapted(DATA).adapt(np.ones((2, 4)))
    with pytest.raises(ValueError, match="was given mean and variance; adapt\\(\\) would replace"):
        Normalization(mean=0.0, variance=1.0).adapt(DATA)
    with pytest.raises(ValueError, match="batch_size is for array data"):
        Normalization().adapt([DATA], batch_size=2)
    with pytest.raises(TypeError, match="one batch was float 1.0"):
        Normalization().adapt([1.0, 2.0])  # a list is an iterable of batches, as in Keras
    with pytest.raises(TypeError, match="adapt needs an array"):
        Normalization().adapt(3.0)
    with pytest.raises(ValueError, match="at least one sample"):
        Normalization().adapt(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="at least one sample"):
        Normalization().adapt([])
    with pytest.raises(ValueError, match="batch_size must be an int >= 1; got 0"):
        Normalization().adapt(DATA, batch_size=0)
    with pytest.raises(TypeError, match="steps must be an int >= 1"):
        Normalization().adapt(DATA, steps=1.5)


def test_normalization_argument_errors():
    with pytest.raises(ValueError, match="mean and variance together"):
        Normalization(mean=1.0)
    with pytest.raises(ValueError, match=r"same shape; got \(2,\) and \(3,\)"):
        Normalization(mean=[1.0, 2.0], variance=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"variance must be finite and >= 0; got -1.0 at index \(1,\)"):
        Normalization(mean=[0.0, 0.0], variance=[1.0, -1.0])
    with pytest.raises(TypeError, match="mean must be a number or an array of numbers; got str"):
        Normalization(mean="0", variance="1")
    with pytest.raises(ValueError, match="at most one axis per kept axis"):
        Normalization(mean=[[0.0]], variance=[[1.0]])
    with pytest.raises(TypeError, match="axis must be an int, a list of ints or None; got float"):
        Normalization(axis=1.0)
    with pytest.raises(TypeError, match="invert must be True or False"):
        Normalization(invert="yes")
    with pytest.raises(ValueError, match=r"axis \(3,\) does not fit inputs of shape \(None, 3\)"):
        Normalization(axis=3)(DATA)
    with pytest.raises(ValueError, match="it is the batch axis\\); for scalar samples use axis=None"):
        Normalization()(np.ones(4))
    with pytest.raises(ValueError, match=r"shape \(2,\) do not broadcast to the kept axes' shape \(3,\)"):
        Normalization(mean=[1.0, 2.0], variance=[1.0, 1.0])(DATA)


def test_normalization_config_keeps_given_statistics():
    layer = Normalization(axis=(1, 2), mean=[1.0, 2.0], variance=[4.0, 0.25], invert=True)
    config = layer.get_config()
    assert config["axis"] == [1, 2] and config["mean"] == [1.0, 2.0] and config["invert"]
    assert Normalization(axis=None).get_config()["axis"] is None
    clone = Normalization.from_config(config)
    assert clone(CUBE).numpy().tobytes() == layer(CUBE).numpy().tobytes()


# --------------------------------------------------------------------------- Rescaling


def test_rescaling():
    pixels = np.array([[0.0, 127.5, 255.0]], np.float32)
    np.testing.assert_allclose(Rescaling(1 / 255)(pixels).numpy(), [[0.0, 0.5, 1.0]])
    np.testing.assert_allclose(Rescaling(1 / 255, offset=-1)(pixels).numpy(), [[-1.0, -0.5, 0.0]])
    out = Rescaling([0.5, 2.0], offset=[1.0, -1.0])(np.array([[2.0, 3.0]], np.float32))
    assert out.dtype == np.float32 and out.numpy().tolist() == [[2.0, 5.0]]  # as Keras
    config = Rescaling([0.5, 2.0], offset=1).get_config()
    assert config["scale"] == [0.5, 2.0] and config["offset"] == 1.0


@pytest.mark.parametrize("settings, error, message", [
    ({"scale": "a"}, TypeError, "scale must be a number or an array of numbers; got str 'a'"),
    ({"scale": None}, TypeError, "scale must be a number or an array of numbers; got NoneType"),
    ({"scale": True}, TypeError, "scale must be a number"),
    ({"scale": float("nan")}, ValueError, "scale must be finite; got nan"),
    ({"scale": 1.0, "offset": [0.0, float("inf")]}, ValueError, r"offset must be finite; got inf at index \(1,\)"),
])
def test_rescaling_rejects_bad_arguments(settings, error, message):
    with pytest.raises(error, match=message):
        Rescaling(**settings)


def test_symbolic_outputs_have_the_statistics_dtype():
    fixed = Normalization(mean=1.0, variance=4.0, dtype="float64")(dg.layers.Input((3,)))
    assert fixed.shape == (None, 3) and fixed.dtype == np.float64
    assert Rescaling(0.5)(dg.layers.Input((2, 3))).shape == (None, 2, 3)


def test_an_adapted_normalization_saves_and_loads(tmp_path):
    norm = adapted(DATA)
    model = dg.Sequential([dg.layers.Input((3,)), norm, dg.layers.Dense(1, seed=0)])
    model.save(tmp_path / "model.safetensors")
    loaded = dg.load_model(tmp_path / "model.safetensors")
    assert loaded.predict(DATA).tobytes() == model.predict(DATA).tobytes()
    assert loaded.layers[-2].count.item() == 5
