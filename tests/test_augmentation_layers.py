"""The augmentation layers: exact transforms on small arrays, fill modes, seeds, inference, their
randomness inside fit's recorded steps, saving, and Keras 3's numbers where they are
deterministic. (Shapes, configs, dtypes and one training step: the harness in test_layers.py.)"""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

import deepgrad as dg
from deepgrad.autograd.modes import recording
from deepgrad.compile import Tape
from deepgrad.layers import (
    Conv2D,
    Dense,
    Flatten,
    Input,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    deserialize,
    serialize,
)

FACTORIES = {
    "flip": lambda seed=0: RandomFlip(seed=seed),
    "rotation": lambda seed=0: RandomRotation(0.5, seed=seed),
    "translation": lambda seed=0: RandomTranslation(0.3, 0.3, seed=seed),
    "zoom": lambda seed=0: RandomZoom((-0.4, 0.4), seed=seed),
    "crop": lambda seed=0: RandomCrop(4, 4, seed=seed),
}


def images(shape=(8, 6, 6, 2), seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, shape)


def row(values):
    """One image of one row and one channel: ``(1, 1, width, 1)``."""
    return np.asarray(values, dtype=np.float64).reshape(1, 1, -1, 1)


def turns_of(out, image):
    """Which quarter turn (counter-clockwise) of ``image`` each output image is, or -1."""
    found = []
    for each in out:
        matches = [k for k in range(4) if np.array_equal(each, np.rot90(image, k))]
        found.append(matches[0] if matches else -1)
    return found


# --------------------------------------------------------------------------- inference, seeds


@pytest.mark.parametrize("name", sorted(set(FACTORIES) - {"crop"}))
def test_inference_is_the_identity(name):
    layer, x = FACTORIES[name](), images().astype(np.float32)
    tensor = dg.Tensor(x)
    assert layer(tensor) is tensor and layer(tensor, training=False) is tensor
    np.testing.assert_array_equal(layer(x).numpy(), x)
    model = dg.Sequential([Input(x.shape[1:]), layer])
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_seeded_layers_draw_the_same_transforms_and_each_call_anew(name):
    x = images()
    a, b = FACTORIES[name](seed=3), FACTORIES[name](seed=3)
    first, second = a(x, training=True).numpy(), a(x, training=True).numpy()
    np.testing.assert_array_equal(first, b(x, training=True).numpy())
    np.testing.assert_array_equal(second, b(x, training=True).numpy())
    assert not np.array_equal(first, second)
    assert not np.array_equal(first, FACTORIES[name](seed=4)(x, training=True).numpy())
    shared = np.random.default_rng(0)  # a Generator is used as it is, not copied
    c, d = (RandomFlip(seed=shared), RandomFlip(seed=shared))
    assert c.generator() is d.generator() is shared
    assert c.get_config()["seed"] is None and a.get_config()["seed"] == 3


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_gradients_reach_the_input(name):
    """A fresh layer of the same seed per call draws the same transform: the gradient check
    of the input through the drawn transform."""
    x = dg.Tensor(images((2, 6, 6, 2)), requires_grad=True, dtype="float64")
    assert dg.gradcheck(lambda t: FACTORIES[name](seed=5)(t, training=True), x)


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_a_single_image_works_as_a_batch_of_one(name):
    x = images((6, 6, 2))
    out = FACTORIES[name](seed=1)(x, training=True).numpy()
    batched = FACTORIES[name](seed=1)(x[None], training=True).numpy()
    np.testing.assert_array_equal(out, batched[0])
    assert FACTORIES[name]().compute_output_shape((6, 6, 2)) == out.shape


# --------------------------------------------------------------------------- flips, turns


def test_flips_are_exact_and_independent_per_image_and_axis():
    image = np.arange(12.0).reshape(3, 4, 1)
    x = np.repeat(image[None], 64, axis=0)
    orientations = {"identity": image, "left-right": image[:, ::-1], "top-bottom": image[::-1],
                    "both": image[::-1, ::-1]}

    def seen(mode):
        out = RandomFlip(mode, seed=0)(x, training=True).numpy()
        names = [next(k for k, v in orientations.items() if np.array_equal(o, v)) for o in out]
        return {name: names.count(name) for name in set(names)}

    assert set(seen("horizontal")) == {"identity", "left-right"}
    assert set(seen("vertical")) == {"identity", "top-bottom"}
    both = seen("horizontal_and_vertical")
    assert set(both) == set(orientations) and min(both.values()) >= 6  # each about 16 of 64


def test_quarter_turns_are_exact_counter_clockwise_and_drawn_per_image():
    image = np.arange(16.0).reshape(4, 4, 1)
    x = np.repeat(image[None], 40, axis=0)
    for factor, expected in (((0.25, 0.25), {1}), ((-0.25, -0.25), {3}), ((0.5, 0.5), {2}),
                             (0.25, {3, 0, 1}), ((0.0, 0.75), {0, 1, 2, 3}), (1.0, {0, 1, 2, 3}),
                             (0.0, {0})):
        out = RandomRotation(factor, seed=1)(x, training=True).numpy()
        assert set(turns_of(out, image)) == expected, factor
    np.testing.assert_array_equal(  # a half turn on a non-square image
        RandomRotation((-0.5, -0.5))(np.arange(6.0).reshape(1, 2, 3, 1), training=True).numpy()[0],
        np.arange(6.0).reshape(2, 3, 1)[::-1, ::-1])


def test_rotation_refuses_angles_that_are_not_quarter_turns_and_non_square_images():
    for factor, angle in ((0.1, "36°"), ((0.0, 0.3), "108°"), ((-0.2, 0.25), "72°")):
        with pytest.raises(ValueError, match=f"multiples of 90° only.*got .* \\({angle}\\)"):
            RandomRotation(factor)
    layer = RandomRotation(0.25)
    with pytest.raises(ValueError, match="needs square images; got height 2 and width 3"):
        layer(np.zeros((1, 2, 3, 1)), training=True)
    with pytest.raises(ValueError, match="needs square images"):
        layer.compute_output_shape((None, 5, 4, 3))
    with pytest.raises(ValueError, match=r"factor must be a finite number in \[-1, 1\]; got 1\.25"):
        RandomRotation(1.25)


# --------------------------------------------------------------------------- translation, zoom


@pytest.mark.parametrize("fill_mode, expected", [
    ("constant", [9, 9, 1, 2, 3]),   # (k k | a b c d e)
    ("reflect", [2, 1, 1, 2, 3]),    # (b a | a b c d e)
    ("wrap", [4, 5, 1, 2, 3]),       # (d e | a b c d e)
    ("nearest", [1, 1, 1, 2, 3]),    # (a a | a b c d e)
])
def test_translation_fill_modes_for_the_region_shifted_in(fill_mode, expected):
    image = row([1, 2, 3, 4, 5])
    right = RandomTranslation(0.0, (0.4, 0.4), fill_mode=fill_mode, fill_value=9.0)  # 2 pixels
    assert right(image, training=True).numpy().ravel().tolist() == expected
    left = RandomTranslation(0.0, (-0.4, -0.4), fill_mode=fill_mode, fill_value=9.0)
    mirrored = left(image[:, :, ::-1], training=True).numpy().ravel()[::-1]
    assert mirrored.tolist() == expected


def test_translation_between_pixels_and_down():
    image = row([1, 2, 3, 4])
    half = RandomTranslation(0.0, (0.125, 0.125), fill_mode="constant", fill_value=3.0)
    np.testing.assert_allclose(half(image, training=True).numpy().ravel(), [2.0, 1.5, 2.5, 3.5])
    nearest = RandomTranslation(0.0, (0.125, 0.125), interpolation="nearest", fill_mode="constant")
    # pixels read at -0.5, 0.5, 1.5, 2.5: halves round away from zero, and -1 is outside
    assert nearest(image, training=True).numpy().ravel().tolist() == [0, 2, 3, 4]
    column = np.arange(1.0, 5.0).reshape(1, 4, 1, 1)
    down = RandomTranslation((0.25, 0.25), 0.0, fill_mode="constant")
    assert down(column, training=True).numpy().ravel().tolist() == [0, 1, 2, 3]
    shifts = RandomTranslation(0.2, 0.2, seed=0)(images((32, 5, 5, 1)), training=True).numpy()
    assert len({s.tobytes() for s in shifts}) == 32  # drawn per image


def test_zoom_out_and_in_about_the_center():
    image = row([1, 2, 3, 4, 5])
    out = RandomZoom(0.0, (1.0, 1.0), fill_mode="constant", fill_value=-1.0)  # half as wide
    assert out(image, training=True).numpy().ravel().tolist() == [-1, 1, 3, 5, -1]
    zoom_in = RandomZoom(0.0, (-0.5, -0.5))
    np.testing.assert_allclose(zoom_in(image, training=True).numpy().ravel(), [2, 2.5, 3, 3.5, 4])
    square = np.arange(25.0).reshape(1, 5, 5, 1)
    both = RandomZoom((1.0, 1.0), fill_mode="constant")(square, training=True).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(both[1:4, 1:4], square[0, ::2, ::2, 0])  # width follows height
    assert both[0].tolist() == [0] * 5


# --------------------------------------------------------------------------- crop


def test_random_crop_cuts_one_window_per_batch_and_moves_it():
    x = np.arange(2 * 6 * 7.0).reshape(2, 6, 7, 1)
    x[1] += 1000
    layer, positions = RandomCrop(3, 4, seed=0), set()
    for _ in range(30):
        out = layer(x, training=True).numpy()
        assert out.shape == (2, 3, 4, 1)
        top, left = divmod(int(out[0, 0, 0, 0]), 7)
        np.testing.assert_array_equal(out, x[:, top:top + 3, left:left + 4])  # same place in both
        positions.add((top, left))
    assert len(positions) > 5 and all(t <= 3 and l_ <= 3 for t, l_ in positions)


def test_random_crop_resizes_the_centered_window_at_inference_and_when_too_small():
    x = np.arange(36.0).reshape(1, 6, 6, 1)
    layer = RandomCrop(3, 3)
    # the whole image (aspect ratio 1) resized to 3x3: pixel centers 0.5, 2.5, 4.5
    expected = np.array([[3.5, 5.5, 7.5], [15.5, 17.5, 19.5], [27.5, 29.5, 31.5]])
    np.testing.assert_allclose(layer(x).numpy()[0, :, :, 0], expected)
    wide = np.arange(24.0).reshape(1, 4, 6, 1)  # a 4x4 window from column 1, kept as it is
    np.testing.assert_array_equal(RandomCrop(4, 4)(wide).numpy(), wide[:, :, 1:5])
    small = RandomCrop(8, 8)(x, training=True).numpy()  # smaller than the target: resized up
    assert small.shape == (1, 8, 8, 1) and small[0, 0, 0, 0] == 0.0 and small[0, -1, -1, 0] == 35.0
    model = dg.Sequential([Input((6, 6, 1)), layer])
    np.testing.assert_allclose(model.predict(x, verbose=0)[0, :, :, 0], expected)
    assert layer.compute_output_shape((None, 6, 6, 1)) == (None, 3, 3, 1)


# --------------------------------------------------------------------------- arguments, config


@pytest.mark.parametrize("make, error, message", [
    (lambda: RandomFlip("diagonal"), ValueError, "mode must be 'horizontal_and_vertical', 'horizontal' or 'vertical'"),
    (lambda: RandomFlip(seed="0"), TypeError, "seed must be None, an int >= 0"),
    (lambda: RandomFlip(data_format="channels_first"), ValueError, "deepgrad is channels-last"),
    (lambda: RandomTranslation(0.1), TypeError, "width_factor"),
    (lambda: RandomTranslation(1.5, 0.1), ValueError, r"height_factor must be a finite number in \[-1, 1\]; got 1.5"),
    (lambda: RandomTranslation(0.1, (0.1, 0.2, 0.3)), ValueError, r"width_factor must be a number or a pair \(lower, upper\)"),
    (lambda: RandomTranslation(0.1, "0.2"), TypeError, "width_factor must be a number or a pair"),
    (lambda: RandomTranslation(0.1, 0.1, fill_mode="mirror"), ValueError, "fill_mode must be 'reflect', 'wrap', 'constant' or 'nearest'"),
    (lambda: RandomTranslation(0.1, 0.1, interpolation="bicubic"), ValueError, "interpolation must be 'bilinear' or 'nearest'"),
    (lambda: RandomTranslation(0.1, 0.1, fill_value=float("nan")), ValueError, "fill_value must be a finite number"),
    (lambda: RandomZoom((-1.0, 0.5)), ValueError, r"height_factor must be a finite number in \(-1, 1\]"),
    (lambda: RandomZoom(1.0), ValueError, "height_factor must be a finite number"),
    (lambda: RandomRotation(0.25, fill_mode="edge"), ValueError, "fill_mode must be"),
    (lambda: RandomCrop(0, 3), ValueError, "height must be an int >= 1; got 0"),
    (lambda: RandomCrop(3, 2.5), TypeError, "width must be an int >= 1"),
])
def test_arguments_are_checked_with_their_names(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_inputs_must_be_images(name):
    with pytest.raises(ValueError, match=r"needs images of shape \(batch, height, width, channels\)"):
        FACTORIES[name]()(np.zeros((2, 3)), training=True)


def test_configs_keep_keras_names_and_round_trip():
    layer = RandomTranslation((-0.2, 0.3), 0.1, fill_mode="wrap", interpolation="nearest",
                              seed=7, fill_value=0.5, name="shift")
    config = layer.get_config()
    assert config == {"name": "shift", "trainable": True, "seed": 7,
                      "data_format": "channels_last", "fill_mode": "wrap",
                      "interpolation": "nearest", "fill_value": 0.5,
                      "height_factor": [-0.2, 0.3], "width_factor": 0.1}
    for each in (layer, RandomZoom(0.2, name="z"), RandomRotation((0, 0.25), seed=1),
                 RandomFlip("vertical", seed=2), RandomCrop(3, 5, seed=9)):
        spec = json.loads(json.dumps(serialize(each)))
        assert deserialize(spec).get_config() == each.get_config()
    keras_style = {"class_name": "RandomFlip", "config": {
        "name": "random_flip", "trainable": True, "data_format": "channels_last", "seed": None,
        "mode": "horizontal", "dtype": "float32"}}
    assert deserialize(keras_style).mode == "horizontal"


# --------------------------------------------------------------------------- inside fit


def test_replayed_steps_draw_new_transforms():
    """What fit's recorded step relies on: the tape replays the Resample primitive, which draws
    again at every replay."""
    layer, x = RandomTranslation(0.3, 0.3, seed=0), images((4, 6, 6, 1))
    first = dg.Tensor(x)
    with recording() as records:
        recorded = layer(first, training=True)
    tape = Tape(records, [first], [recorded])
    assert not tape.batch_constants
    outs = [tape.forward([x])[0].copy() for _ in range(3)]
    assert len({o.tobytes() for o in [recorded.numpy(), *outs]}) == 4


def _augmented_model(seed=0):
    model = dg.Sequential([
        Input((6, 6, 1)),
        RandomFlip("horizontal", seed=seed),
        RandomRotation(0.25, seed=seed + 1),
        RandomTranslation(0.2, 0.2, fill_mode="nearest", seed=seed + 2),
        RandomZoom(0.1, seed=seed + 3),
        RandomCrop(5, 5, seed=seed + 4),
        Conv2D(8, 3, activation="relu", seed=seed + 5),
        Flatten(),
        Dense(2, activation="softmax", seed=seed + 6),
    ])
    model.compile(dg.optimizers.Adam(0.02), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _shapes(n=64, seed=0):
    """Images of a bar across the image (class 0) or a 2x2 square (class 1), placed at random:
    classes that no flip, quarter turn, small shift, zoom or crop changes."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    x = rng.normal(0.0, 0.1, (n, 6, 6, 1))
    for k, label in enumerate(y):
        top, left = rng.integers(1, 4, 2)
        if label:
            x[k, top:top + 2, left:left + 2, 0] += 1.0
        elif rng.random() < 0.5:
            x[k, top, :, 0] += 1.0
        else:
            x[k, :, left, 0] += 1.0
    return x.astype(np.float32), y


def test_augmentation_varies_per_batch_and_epoch_inside_fit():
    """fit records the first step and replays it: the layer's call runs once, but its
    primitive draws for every batch."""
    model = _augmented_model()
    flip = model.layers[0]
    assert model.is_replayable
    draws, calls = [], []
    draw, call = flip._coordinates, flip.call

    def drawing(shape):
        rows, cols = draw(shape)
        draws.append(np.broadcast_to(cols, (shape[0], shape[1], shape[2])).copy())
        return rows, cols

    def calling(x, training=False):
        calls.append(training)
        return call(x, training=training)

    flip._coordinates, flip.call = drawing, calling
    x = np.repeat(np.arange(36.0, dtype=np.float32).reshape(1, 6, 6, 1), 32, axis=0)
    y = np.zeros(32, dtype=np.int64)
    model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    assert calls == [True]  # recorded at the first batch, replayed after
    assert len(draws) == 12  # one draw per batch: 4 batches in each of 3 epochs
    assert len({d.tobytes() for d in draws}) == 12  # the same images, augmented anew each time
    flips = np.array([d[:, 0, 0] == 5 for d in draws])
    assert 0.3 < flips.mean() < 0.7


def test_a_model_with_augmentation_trains_saves_and_loads(tmp_path):
    x, y = _shapes()
    model = _augmented_model()
    history = model.fit(x, y, batch_size=16, epochs=30, verbose=0)
    losses = history.history["loss"]
    assert np.mean(losses[-5:]) < 0.6 * np.mean(losses[:5])
    assert model.evaluate(x, y, verbose=0)[1] > 0.9
    predictions = model.predict(x, verbose=0)
    path = tmp_path / "augmented.safetensors"
    model.save(path)
    loaded = dg.load_model(path)
    assert [layer.get_config() for layer in loaded.layers] == [layer.get_config() for layer in model.layers]
    assert loaded.predict(x, verbose=0).tobytes() == predictions.tobytes()
    loaded.fit(x, y, batch_size=16, epochs=1, verbose=0)  # and trains on


# --------------------------------------------------------------------------- Keras 3


KERAS_SCRIPT = r"""
import json, sys
import numpy as np
import keras
from keras import layers, ops

x = np.asarray(json.loads(sys.stdin.read()), dtype="float32")
out = {}
for mode in ("reflect", "wrap", "constant", "nearest"):
    for interpolation in ("bilinear", "nearest"):
        for h, w in ((0.2, -0.3), (-0.45, 0.61), (1.0, -1.0)):
            layer = layers.RandomTranslation((h, h), (w, w), fill_mode=mode,
                                             interpolation=interpolation, fill_value=0.7)
            out[f"translation|{mode}|{interpolation}|{h}|{w}"] = layer(x, training=True)
        for h, w in ((0.3, None), (-0.4, 0.2), (0.9, -0.5)):
            layer = layers.RandomZoom((h, h), None if w is None else (w, w), fill_mode=mode,
                                      interpolation=interpolation, fill_value=-0.5)
            out[f"zoom|{mode}|{interpolation}|{h}|{w}"] = layer(x, training=True)
square = x[:, :6, :6]
for k in (-0.75, -0.5, -0.25, 0.25, 0.5, 0.75, 1.0):
    out[f"rotation|{k}"] = layers.RandomRotation((k, k), interpolation="nearest")(square, training=True)
for h, w in ((4, 4), (3, 5), (5, 2)):  # the documented inference: centered window, resized
    height, width = x.shape[1:3]
    window_h = max(min(height, int(width * h / w)), 1)
    window_w = max(min(width, int(height * w / h)), 1)
    top, left = (height - window_h) // 2, (width - window_w) // 2
    window = x[:, top:top + window_h, left:left + window_w]
    out[f"crop|{h}|{w}"] = ops.image.resize(window, (h, w)) if (window_h, window_w) != (h, w) else window
    out[f"crop_shape|{h}|{w}"] = layers.RandomCrop(h, w).compute_output_shape((None, 7, 9, 3))
out["flip_inference"] = layers.RandomFlip()(x, training=False)
print(json.dumps({k: np.asarray(v).tolist() for k, v in out.items()}))
"""


def _deepgrad_output(key, x):
    kind, *settings = key.split("|")
    parse = lambda v: None if v == "None" else float(v)
    if kind == "translation":
        mode, interpolation, h, w = settings
        layer = RandomTranslation((parse(h),) * 2, (parse(w),) * 2, fill_mode=mode,
                                  interpolation=interpolation, fill_value=0.7)
    elif kind == "zoom":
        mode, interpolation, h, w = settings
        layer = RandomZoom((parse(h),) * 2, None if parse(w) is None else (parse(w),) * 2,
                           fill_mode=mode, interpolation=interpolation, fill_value=-0.5)
    elif kind == "rotation":
        return RandomRotation((parse(settings[0]),) * 2)(x[:, :6, :6], training=True).numpy()
    elif kind == "crop":
        return RandomCrop(int(settings[0]), int(settings[1]))(x).numpy()
    elif kind == "crop_shape":
        return list(RandomCrop(int(settings[0]), int(settings[1])).compute_output_shape((None, 7, 9, 3)))
    else:
        return RandomFlip()(x).numpy()
    return layer(x, training=True).numpy()


@pytest.mark.slow
def test_deterministic_outputs_match_keras():
    """With the random ranges collapsed to one value, the transforms are deterministic: their
    outputs must be Keras 3's (on JAX), as must the documented RandomCrop inference."""
    from test_keras_compatibility import _keras_env, keras_interpreter

    python, note = keras_interpreter()
    if python is None:
        pytest.skip(note)
    x = np.random.default_rng(0).uniform(0, 1, (2, 7, 9, 3)).astype(np.float32)
    done = subprocess.run([python, "-c", KERAS_SCRIPT], input=json.dumps(x.tolist()),
                          capture_output=True, text=True, env=_keras_env(), timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(expected) == 62
    for key, value in expected.items():
        got = _deepgrad_output(key, x)
        if key.startswith("crop_shape"):
            assert [None, *got[1:]] == value, key
        else:
            np.testing.assert_allclose(got, np.asarray(value), rtol=1e-5, atol=1e-5, err_msg=key)
