import numpy as np
import pytest

import deepgrad as dg
from deepgrad import data
from deepgrad.layers import Dense, Input


def _model(seed=0):
    dg.set_seed(seed)
    model = dg.Sequential([Input((4,)), Dense(8, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="bce")
    return model


def _xy(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    return x, (x[:, 0] > 0).astype(np.float32)


def test_check_finite_names_the_first_bad_index():
    array = np.zeros((3, 4))
    array[2, 1] = np.inf
    array[2, 3] = np.nan
    with pytest.raises(ValueError, match=r"x\[2, 1\] is inf \(2 non-finite values in all\)"):
        data.check_finite(array, "x")
    data.check_finite(np.full(3, 3e38, dtype=np.float32), "x")  # its sum overflows, it is finite


def test_as_features_returns_a_ready_batch_as_it_is_and_still_checks_it():
    x = np.ones((2, 3), dtype=np.float32)
    assert data.as_features(x, dtype=np.dtype(np.float32), sample_shape=(3,)) is x
    converted = data.as_features(x, dtype=np.dtype(np.float64), sample_shape=(3,))
    assert converted.dtype == np.float64 and converted is not x
    x[1, 2] = np.inf
    with pytest.raises(ValueError, match=r"x must be finite; x\[1, 2\] is inf"):
        data.as_features(x, dtype=np.dtype(np.float32), sample_shape=(3,))
    with pytest.raises(ValueError, match=r"x must have shape \(n_samples, 4\) for this model"):
        data.as_features(x, dtype=np.dtype(np.float32), sample_shape=(4,))
    with pytest.raises(ValueError, match="x is empty"):
        data.as_features(x[:0], dtype=np.dtype(np.float32), sample_shape=(3,))


def test_one_hot_and_its_errors():
    np.testing.assert_array_equal(data.one_hot([1, 0], 3), [[0, 1, 0], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"labels\[1\] is 3"):
        data.one_hot([0, 3], 3)
    with pytest.raises(TypeError, match="integers"):
        data.one_hot([0.5])
    with pytest.raises(TypeError, match="integers"):
        data.one_hot([0.0, np.inf])


def test_class_weights_become_sample_weights():
    np.testing.assert_array_equal(data.class_weights_to_sample_weights({1: 3.0}, np.array([0, 1, 1])), [1, 3, 3])
    one_hot = np.eye(3)[[2, 0]]
    np.testing.assert_array_equal(data.class_weights_to_sample_weights({2: 0.5}, one_hot), [0.5, 1])
    with pytest.raises(TypeError, match="integer class indices"):
        data.class_weights_to_sample_weights({"a": 1.0}, np.array([0]))


def test_fit_on_a_function_returning_fresh_batches_each_epoch():
    x, y = _xy()
    reference = _model()
    reference.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)

    def batches():
        for start in range(0, len(x), 16):
            yield x[start : start + 16], y[start : start + 16]

    streamed = _model()
    history = streamed.fit(batches, epochs=3, verbose=0)
    assert len(history.history["loss"]) == 3
    for a, b in zip(reference.get_weights(), streamed.get_weights()):
        np.testing.assert_array_equal(a, b)  # the same batches give the same weights


def test_fit_on_an_endless_generator_with_steps_per_epoch():
    x, y = _xy()

    def endless():
        while True:
            for start in range(0, len(x), 16):
                yield x[start : start + 16], y[start : start + 16], np.ones(16)

    history = _model().fit(endless(), steps_per_epoch=4, epochs=2, verbose=0, validation_data=(x, y))
    assert set(history.history) == {"loss", "val_loss"}


def test_a_single_use_generator_needs_steps_per_epoch():
    x, y = _xy()
    with pytest.raises(ValueError, match="steps_per_epoch"):
        _model().fit(iter([(x, y)]), epochs=2, verbose=0)


def test_each_streamed_batch_is_checked():
    x, y = _xy()
    bad = x.copy()
    bad[3, 2] = np.nan
    batches = [(x[:16], y[:16]), (bad[:16], y[:16])]
    model = _model()
    with pytest.raises(ValueError, match=r"x \(batch 1\) must be finite; x \(batch 1\)\[3, 2\] is nan"):
        model.fit(lambda: batches, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="tuple"):
        model.fit(lambda: [x[:16]], epochs=1, verbose=0)
    with pytest.raises(ValueError, match="validation_data"):
        model.fit(lambda: batches, validation_split=0.2, verbose=0)


def test_fit_reads_a_memmap_batch_by_batch(tmp_path):
    x, y = _xy(96)
    stored = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype=np.float32, shape=x.shape)
    stored[:] = x
    stored.flush()
    on_disk = np.load(tmp_path / "x.npy", mmap_mode="r")
    assert data.as_features(on_disk, "x") is on_disk  # validated in place, never copied whole
    in_memory, mapped = _model(), _model()
    in_memory.fit(x, y, epochs=2, batch_size=32, verbose=0, seed=1)
    mapped.fit(on_disk, y, epochs=2, batch_size=32, verbose=0, seed=1)
    for a, b in zip(in_memory.get_weights(), mapped.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_uint8_memmap_is_cast_per_batch(tmp_path):
    images = np.random.default_rng(0).integers(0, 256, (40, 4), dtype=np.uint8)
    np.save(tmp_path / "u8.npy", images)
    mapped = np.load(tmp_path / "u8.npy", mmap_mode="r")
    model = _model()
    model.fit(mapped, (images[:, 0] > 127).astype(np.float32), epochs=1, verbose=0)
    assert model.predict(mapped).dtype == np.float32
