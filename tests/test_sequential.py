import numpy as np
import pytest

import deepgrad as dg
from deepgrad import Sequential
from deepgrad.layers import Dense, Dropout, Input
from deepgrad.optimizers import SGD, Adam


def _blobs(n=200, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(np.float32)
    return x, y


def _binary_model(seed=0):
    return Sequential([Input((4,)), Dense(8, activation="relu", seed=seed), Dense(1, activation="sigmoid", seed=seed + 1)])


# ---------------------------------------------------------------- structure and summary


def test_seed_003_network_has_26_trainable_parameters(capsys):
    model = Sequential()
    model.add(Dense(3, activation="sigmoid", input_shape=(4,)))
    model.add(Dense(2, activation="sigmoid"))
    model.add(Dense(1, activation="sigmoid"))
    assert model.count_params() == 26 == len(np.concatenate([w.ravel() for w in model.get_weights()]))
    model.summary()
    out = capsys.readouterr().out
    assert "dense" in out and "(None, 3)" in out and "(None, 1)" in out
    assert "Total params: 26" in out and "Trainable params: 26" in out and "Non-trainable params: 0" in out


def test_summary_counts_match_keras_with_batch_normalization(capsys):
    from deepgrad.layers import BatchNormalization

    model = Sequential([Input((10,)), Dense(32, activation="relu"), BatchNormalization(), Dense(3)])
    model.summary()
    out = capsys.readouterr().out
    # Keras: Dense 10→32: 352; BatchNormalization(32): 128 (64 non-trainable); Dense 32→3: 99.
    assert "352" in out and "128" in out and "99" in out
    assert "Total params: 579" in out and "Trainable params: 515" in out and "Non-trainable params: 64" in out
    assert "input" not in out.lower().split("layer (type)")[1].split("total")[0]


def test_model_builds_lazily_from_the_first_batch():
    model = Sequential([Dense(5, activation="relu"), Dense(2)])
    assert not model.built
    out = model(np.ones((3, 7), dtype=np.float32))
    assert out.shape == (3, 2) and model.built and model.count_params() == 7 * 5 + 5 + 5 * 2 + 2


def test_add_rejects_non_layers():
    with pytest.raises(TypeError, match="expects a Layer"):
        Sequential().add("dense")


def test_config_round_trip_gives_the_same_outputs():
    model = _binary_model()
    clone = Sequential.from_config(model.get_config())
    clone.set_weights(model.get_weights())
    x, _ = _blobs(10)
    np.testing.assert_array_equal(model.predict(x), clone.predict(x))


# ---------------------------------------------------------------- training


def test_hand_written_loop_equals_fit():
    x, y = _blobs(64)
    fitted, manual = _binary_model(), _binary_model()
    manual.set_weights(fitted.get_weights())
    fitted.compile(optimizer=SGD(learning_rate=0.1), loss="binary_crossentropy")
    fitted.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)

    optimizer = SGD(learning_rate=0.1)
    loss_fn = dg.losses.get("binary_crossentropy")
    params = manual.parameters()
    for _ in range(2):
        for start in range(0, 64, 16):
            optimizer.zero_grad(params)
            out = manual(dg.Tensor(x[start : start + 16]), training=True)
            loss = loss_fn(y[start : start + 16], out)
            loss.backward()
            optimizer.step(params)
    for a, b in zip(fitted.get_weights(), manual.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_same_seed_gives_bitwise_identical_weights_and_different_seeds_differ():
    from threadpoolctl import threadpool_limits

    x, y = _blobs(120)

    def train(seed):
        dg.set_seed(seed)
        model = Sequential([Input((4,)), Dense(16, activation="relu"), Dropout(0.2), Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="bce")
        model.fit(x, y, epochs=3, batch_size=16, verbose=0)
        return model.get_weights()

    with threadpool_limits(1):
        first, again, other = train(3), train(3), train(4)
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other))


def test_history_validation_split_and_metrics():
    x, y = _blobs(100)
    model = _binary_model()
    model.compile(optimizer=Adam(learning_rate=0.01), loss="bce", metrics=["accuracy", "auc"])
    history = model.fit(x, y, epochs=3, batch_size=20, validation_split=0.2, verbose=0, seed=0)
    assert set(history.history) == {"loss", "accuracy", "auc", "val_loss", "val_accuracy", "val_auc"}
    assert all(len(v) == 3 for v in history.history.values())
    assert model.history is history
    # validation is the last 20% before shuffling: evaluating on it reproduces val_loss
    logs = model.evaluate(x[80:], y[80:], return_dict=True)
    assert logs["loss"] == pytest.approx(history.history["val_loss"][-1], rel=1e-6)


def test_validation_data_and_sample_weight_and_class_weight():
    x, y = _blobs(80)
    model = _binary_model()
    model.compile(optimizer="sgd", loss="bce", metrics=["accuracy"])
    weights = np.linspace(0.5, 1.5, 80)
    history = model.fit(x, y, epochs=2, verbose=0, validation_data=(x[:20], y[:20]),
                        sample_weight=weights, class_weight={0: 1.0, 1: 2.0}, seed=1)
    assert "val_accuracy" in history.history


def test_evaluate_is_exact_over_uneven_batches():
    x, y = _blobs(50)
    model = _binary_model()
    model.compile(optimizer="sgd", loss="mse")
    whole = model.evaluate(x, y, batch_size=50)
    uneven = model.evaluate(x, y, batch_size=7)
    assert whole == pytest.approx(uneven, rel=1e-6)
    p = model.predict(x)[:, 0]
    assert whole == pytest.approx(np.mean((p - y) ** 2), rel=1e-5)


def test_predict_is_inference_mode_and_batched():
    model = Sequential([Input((4,)), Dense(4), Dropout(0.9)])
    x, _ = _blobs(10)
    np.testing.assert_array_equal(model.predict(x, batch_size=3), model.predict(x, batch_size=10))


def test_regularization_is_added_to_the_loss():
    x, y = _blobs(40)
    plain = Sequential([Input((4,)), Dense(1, seed=0)])
    penalised = Sequential([Input((4,)), Dense(1, seed=0, kernel_regularizer=dg.regularizers.L2(1.0))])
    for model in (plain, penalised):
        model.compile(optimizer="sgd", loss="mse")
    kernel = penalised.layers[0].kernel.data
    assert penalised.evaluate(x, y) == pytest.approx(plain.evaluate(x, y) + float(np.sum(kernel**2)), rel=1e-5)


# ---------------------------------------------------------------- bad input fails before the first batch


def _compiled(loss="bce", units=1, activation="sigmoid"):
    model = Sequential([Input((4,)), Dense(units, activation=activation)])
    model.compile(optimizer="sgd", loss=loss)
    return model


@pytest.mark.parametrize(
    "kwargs, error, pattern",
    [
        (dict(x=np.full((5, 4), np.nan)), ValueError, r"x must be finite; x\[0, 0\] is nan"),
        (dict(y=np.array([0, 1, np.inf, 0, 1])), ValueError, r"y must be finite; y\[2\] is inf"),
        (dict(x=np.ones((5, 3))), ValueError, r"x must have shape \(n_samples, 4\).*got shape \(5, 3\)"),
        (dict(x=np.ones((5, 4, 1))), ValueError, r"x must have shape \(n_samples, 4\)"),
        (dict(y=np.ones(4)), ValueError, r"len\(x\) = 5 and len\(y\) = 4"),
        (dict(x=np.ones((0, 4)), y=np.ones(0)), ValueError, "empty"),
        (dict(y=np.array(["a", "b", "a", "b", "a"])), TypeError, r"y must be numeric.*strings.*'a' at index 0"),
        (dict(y=np.array([0, 1, 2, 0, 1])), ValueError, r"0/1 labels.*y\[2\] is 2"),
        (dict(batch_size=0), ValueError, "batch_size must be an int >= 1; got 0"),
        (dict(epochs=-1), ValueError, "epochs must be an int >= 1; got -1"),
        (dict(batch_size=2.5), TypeError, "batch_size must be an int >= 1; got float 2.5"),
        (dict(validation_split=1.0), ValueError, r"validation_split must be a finite number in \[0, 1\)"),
        (dict(sample_weight=np.ones(3)), ValueError, r"sample_weight must have shape \(5,\)"),
    ],
)
def test_bad_input_is_refused_before_training(kwargs, error, pattern):
    model = _compiled()
    before = model.get_weights()
    args = dict(x=np.ones((5, 4), dtype=np.float32), y=np.array([0, 1, 0, 1, 0]), verbose=0)
    args.update(kwargs)
    with pytest.raises(error, match=pattern):
        model.fit(**args)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_sparse_labels_out_of_range():
    model = _compiled("sparse_categorical_crossentropy", units=3, activation="softmax")
    with pytest.raises(ValueError, match=r"\[0, 3\) for a model with 3 output units; y\[3\] is 3"):
        model.fit(np.ones((5, 4)), np.array([0, 1, 2, 3, 0]), verbose=0)


def test_one_hot_width_must_match_output_units():
    model = _compiled("categorical_crossentropy", units=3, activation="softmax")
    with pytest.raises(ValueError, match=r"one-hot with 3 columns.*width 4"):
        model.fit(np.ones((5, 4)), np.eye(4)[[0, 1, 2, 3, 0]], verbose=0)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy"):
        model.fit(np.ones((5, 4)), np.array([0, 1, 2, 1, 0]), verbose=0)


def test_fit_needs_compile():
    with pytest.raises(RuntimeError, match="compile"):
        _binary_model().fit(np.ones((2, 4)), np.ones(2), verbose=0)


# ---------------------------------------------------------------- learning for real


def test_xor_is_learned_by_a_2_2_1_sigmoid_network():
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([0, 1, 1, 0], dtype=np.float32)
    dg.set_seed(1)
    model = Sequential([Input((2,)), Dense(2, activation="sigmoid"), Dense(1, activation="sigmoid")])
    model.compile(optimizer=Adam(learning_rate=0.1), loss="bce", metrics=["accuracy"])
    model.fit(x, y, epochs=600, batch_size=4, verbose=0, seed=0)
    np.testing.assert_array_equal(model.predict(x)[:, 0] > 0.5, y.astype(bool))


def test_house_price_style_regression():
    rng = np.random.default_rng(0)
    size = rng.uniform(500, 3500, 300)
    price = 50_000 + 120 * size + rng.normal(0, 20_000, 300)
    x = ((size - size.mean()) / size.std()).reshape(-1, 1).astype(np.float32)
    y = ((price - price.mean()) / price.std()).astype(np.float32)
    dg.set_seed(0)
    model = Sequential([Input((1,)), Dense(16, activation="relu"), Dense(1)])
    model.compile(optimizer=Adam(learning_rate=0.01), loss="mse", metrics=["r2"])
    model.fit(x, y, epochs=40, batch_size=32, verbose=0, seed=0)
    assert model.evaluate(x, y, return_dict=True)["r2"] > 0.9


# ---------------------------------------------------------------- predict: checked input, cached plan


def _graph_outputs(model, x):
    """The general path: the model called on a Tensor, recording no graph."""
    with dg.no_grad():
        return model(dg.Tensor(x, dtype=model.weights_dtype)).data


def _assert_predict_is_the_graph_path(model, x):
    for batch in (x[:1], x):
        expected = _graph_outputs(model, batch)
        got = model.predict(batch, batch_size=len(batch))
        assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()
        assert model.infer((batch,))[0].tobytes() == expected.tobytes()


def _mlp(dtype, activation="relu", seed=0):
    return Sequential([Input((6,)), Dense(16, activation=activation, seed=seed, dtype=dtype),
                       Dense(8, activation=activation, seed=seed + 1, dtype=dtype),
                       Dense(3, seed=seed + 2, dtype=dtype)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ["relu", None, "sigmoid", "tanh", "elu"])
def test_predict_equals_the_graph_path_bitwise(dtype, activation):
    model = _mlp(dtype, activation)
    x = np.random.default_rng(0).standard_normal((9, 6)).astype(dtype)
    _assert_predict_is_the_graph_path(model, x)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_predict_follows_set_weights_training_and_load_weights(dtype, tmp_path):
    model = _mlp(dtype)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((12, 6)).astype(dtype)
    before = model.predict(x[:1], batch_size=1)  # the plan exists from here on

    model.set_weights([rng.standard_normal(w.shape).astype(dtype) for w in model.get_weights()])
    assert not np.array_equal(model.predict(x[:1], batch_size=1), before)
    _assert_predict_is_the_graph_path(model, x)

    trained = model.predict(x)
    model.compile(optimizer=Adam(learning_rate=0.05), loss="sparse_categorical_crossentropy")
    model.fit(x, np.arange(12) % 3, epochs=1, batch_size=4, verbose=0, seed=0)  # re-points .data
    assert not np.array_equal(model.predict(x), trained)
    _assert_predict_is_the_graph_path(model, x)

    model.save_weights(tmp_path / "w.safetensors")
    saved = model.predict(x)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    model.load_weights(tmp_path / "w.safetensors")
    np.testing.assert_array_equal(model.predict(x), saved)
    _assert_predict_is_the_graph_path(model, x)

    model.layers[-1].kernel.assign(np.ones((8, 3)))
    model.layers[-1].bias = None  # a replaced parameter is read when predict runs
    _assert_predict_is_the_graph_path(model, x)


def test_predict_follows_changes_to_the_layers():
    model = Sequential([Input((4,)), Dense(5, activation="relu", seed=0)])
    x = np.ones((2, 4), dtype=np.float32)
    assert model.predict(x).shape == (2, 5)
    model.add(Dense(2, seed=1))
    assert model.predict(x).shape == (2, 2)
    model._layers.append(Dense(1, seed=2))  # behind add(): the recording is still made again
    _assert_predict_is_the_graph_path(model, x)
    assert model.predict(x).shape == (2, 1)


def test_predict_on_unbuilt_and_mixed_dtype_models():
    x = np.random.default_rng(2).standard_normal((5, 3)).astype(np.float32)
    lazy = Sequential([Dense(4, activation="relu", seed=0), Dense(2, seed=1)])
    assert lazy.predict(x).dtype == np.float32
    _assert_predict_is_the_graph_path(lazy, x)
    mixed = Sequential([Input((3,)), Dense(4, activation="relu", seed=0),
                        Dense(4, activation="relu", seed=1, dtype="float64"), Dense(2, seed=2)])
    _assert_predict_is_the_graph_path(mixed, x)
    wide = Sequential([Input((2, 3)), Dense(4, activation="relu", seed=0), dg.layers.Flatten(), Dense(2)])
    _assert_predict_is_the_graph_path(wide, x.reshape(5, 1, 3).repeat(2, axis=1))


def test_copies_and_pickles_predict_with_their_own_weights():
    import copy
    import pickle

    model = _mlp(np.float32)
    x = np.random.default_rng(3).standard_normal((4, 6)).astype(np.float32)
    expected = model.predict(x)
    for make_copy in (copy.deepcopy, lambda m: pickle.loads(pickle.dumps(m))):
        clone = make_copy(model)
        clone.set_weights([w * 2 for w in clone.get_weights()])
        _assert_predict_is_the_graph_path(clone, x)
        assert not np.array_equal(clone.predict(x), expected)
    np.testing.assert_array_equal(model.predict(x), expected)


@pytest.mark.parametrize(
    "x, error, pattern",
    [
        (np.array([[1.0, np.nan, 0, 0]], dtype=np.float32), ValueError, r"x must be finite; x\[0, 1\] is nan"),
        (np.array([[0, 0, 0, -np.inf]]), ValueError, r"x must be finite; x\[0, 3\] is -inf"),
        (np.ones((1, 3), dtype=np.float32), ValueError, r"x must have shape \(n_samples, 4\).*got shape \(1, 3\)"),
        (np.ones((2, 4, 1), dtype=np.float32), ValueError, r"x must have shape \(n_samples, 4\)"),
        (np.ones(4, dtype=np.float32), ValueError, r"x must have shape \(n_samples, 4\).*got shape \(4,\)"),
        (np.float32(1.0), ValueError, "x must have shape .* got a scalar"),
        (np.ones((0, 4), dtype=np.float32), ValueError, "x is empty"),
        (np.array([["a", "b", "c", "d"]]), TypeError, r"x must be numeric; got strings"),
        ([[1, 2, 3, None]], TypeError, r"x must be numeric; got Python objects"),
    ],
)
def test_bad_input_to_predict_is_refused_clearly(x, error, pattern):
    model = _binary_model()
    with pytest.raises(error, match=pattern):
        model.predict(x)
    with pytest.raises(ValueError, match="batch_size must be an int >= 1; got 0"):
        model.predict(np.ones((1, 4), dtype=np.float32), batch_size=0)


def test_predict_converts_other_numeric_input():
    model = _binary_model()
    x = np.arange(8).reshape(2, 4)
    expected = model.predict(x.astype(np.float32))
    for other in (x, x.astype(np.float64), x.tolist(), dg.Tensor(x), np.asfortranarray(x, dtype=np.float32)):
        np.testing.assert_array_equal(model.predict(other), expected)
    with pytest.raises(ValueError, match=r"Input 'input.*' expects samples of shape \(4,\)"):
        model.infer((np.ones((1, 3), dtype=np.float32),))  # infer itself still checks the shape


def test_a_frozen_layer_keeps_its_weights_through_fit():
    x, y = _blobs()
    frozen = Dense(8, activation="relu", trainable=False)
    model = Sequential([Input((4,)), frozen, Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    assert model.parameters() == model.layers[1].weights
    assert model.non_trainable_weights == frozen.weights
    before = [w.copy() for w in frozen.get_weights()]
    model.fit(x, y, epochs=2, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, frozen.get_weights()))


def test_a_model_without_input_layer_trains_from_a_stream():
    x, y = _blobs(64)
    model = Sequential([Dense(8, activation="relu"), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")

    def batches():
        for start in range(0, 64, 16):
            yield x[start:start + 16], y[start:start + 16]

    history = model.fit(batches, epochs=2, verbose=0)
    assert model.built and model.optimizer.iterations == 8 and len(history.history["loss"]) == 2


def test_predict_refuses_bad_input_after_a_first_prediction():
    """The ready-batch shortcut keeps every check: a scalar, an empty batch, NaN, a wrong shape."""
    model = Sequential([Input((3,)), Dense(2)])
    model.predict(np.ones((1, 3), np.float32))  # the inference plan now exists
    for bad, message in [(np.array(1.0, np.float32), "got a scalar"), (np.zeros((0, 3), np.float32), "0 samples"),
                         (np.array([[np.nan, 1, 2]], np.float32), r"x\[0, 0\] is nan"),
                         (np.ones((1, 4), np.float32), r"shape \(n_samples, 3\)")]:
        with pytest.raises(ValueError, match=message):
            model.predict(bad)


class HookLog(dg.callbacks.Callback):
    """Every hook called, in order, with its step where it has one."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        if name.startswith("on_"):
            calls = object.__getattribute__(self, "calls")
            return lambda *args: calls.append(name if len(args) < 2 else (name, args[0]))
        return object.__getattribute__(self, name)


def test_evaluate_and_predict_call_the_test_and_predict_hooks_as_keras_does():
    x = np.random.default_rng(0).standard_normal((10, 4)).astype(np.float32)
    y = np.random.default_rng(1).standard_normal((10, 1)).astype(np.float32)
    model = Sequential([Input((4,)), Dense(1, seed=0)])
    model.compile("sgd", "mse")
    log = HookLog()
    model.evaluate(x, y, batch_size=4, callbacks=[log])
    assert log.calls == ["on_test_begin", ("on_test_batch_begin", 0), ("on_test_batch_end", 0),
                         ("on_test_batch_begin", 1), ("on_test_batch_end", 1),
                         ("on_test_batch_begin", 2), ("on_test_batch_end", 2), "on_test_end"]
    log.calls.clear()
    out = model.predict(x, batch_size=8, callbacks=[log])
    assert out.shape == (10, 1)
    assert log.calls == ["on_predict_begin", ("on_predict_batch_begin", 0),
                         ("on_predict_batch_end", 0), ("on_predict_batch_begin", 1),
                         ("on_predict_batch_end", 1), "on_predict_end"]


def test_fit_runs_the_test_hooks_for_its_validation_pass():
    x = np.random.default_rng(0).standard_normal((12, 4)).astype(np.float32)
    y = np.random.default_rng(1).standard_normal((12, 1)).astype(np.float32)
    model = Sequential([Input((4,)), Dense(1, seed=0)])
    model.compile("sgd", "mse")
    log = HookLog()
    model.fit(x, y, batch_size=8, epochs=1, validation_split=0.25, callbacks=[log], verbose=0)
    names = [c if isinstance(c, str) else c[0] for c in log.calls]
    assert names.index("on_test_begin") > names.index("on_train_batch_end")
    assert names.index("on_test_end") < names.index("on_epoch_end")
    assert names.count("on_test_batch_end") == 1  # 3 validation samples, one batch
