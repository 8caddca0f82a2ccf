"""Tests for deepgrad.callbacks, driven by a fake model and a tiny fake training loop.

The fake model implements exactly the contract callbacks rely on: ``stop_training``,
``get_weights``, ``set_weights``, ``save``, ``save_weights`` and ``optimizer.learning_rate``.
After epoch ``e`` of :func:`fake_fit` (with the default batch losses) every weight equals ``e + 1``,
so restored weights tell which epoch they came from.
"""

from __future__ import annotations

import csv
import io
import math
import warnings

import numpy as np
import pytest

from deepgrad.callbacks import (
    HOOKS,
    BackupAndRestore,
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgbarLogger,
    ReduceLROnPlateau,
    TerminateOnNaN,
)


class FakeOptimizer:
    def __init__(self, learning_rate=0.1):
        self.learning_rate = learning_rate


class FakeModel:
    def __init__(self):
        self.stop_training = False
        self.weights = [np.zeros(3), np.zeros((2, 2))]
        self.optimizer = FakeOptimizer()
        self.saved: list[tuple[str, str]] = []

    def get_weights(self):
        return self.weights  # live arrays, as a careless model might return

    def set_weights(self, weights):
        self.weights = [np.array(w, dtype=float) for w in weights]

    def save(self, path):
        self.saved.append(("model", path))
        with open(path, "w") as file:
            file.write("model")

    def save_weights(self, path):
        self.saved.append(("weights", path))
        with open(path, "w") as file:
            file.write("weights")

    def apply_update(self, step):
        for weight in self.weights:
            weight += step  # in place, so a callback that kept references would see the change


def fake_fit(model, callbacks, val_losses, *, steps=1, batch_loss=None, extra_logs=None,
             verbose=0):
    """A training loop calling the hooks in the order ``Sequential.fit`` will.

    ``batch_loss(epoch, batch)`` is the loss of each batch (default 1.0); the update adds it to
    every weight, so a non-finite loss that got through would poison the weights.
    """
    batch_loss = batch_loss or (lambda epoch, batch: 1.0)
    callback_list = CallbackList(callbacks, add_history=True, model=model,
                                 epochs=len(val_losses), steps=steps, verbose=verbose)
    model.stop_training = False
    callback_list.on_train_begin()
    for epoch, val_loss in enumerate(val_losses):
        callback_list.on_epoch_begin(epoch)
        total = 0.0
        for batch in range(steps):
            callback_list.on_train_batch_begin(batch)
            loss = batch_loss(epoch, batch)
            callback_list.on_before_optimizer_step(batch, {"loss": loss})
            if model.stop_training:
                break
            model.apply_update(loss / steps)
            total += loss
            callback_list.on_train_batch_end(batch, {"loss": total / (batch + 1)})
        logs = {"loss": total / steps, "val_loss": val_loss}
        if extra_logs is not None:
            logs.update(extra_logs(epoch))
        callback_list.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    callback_list.on_train_end()
    return callback_list.history


def weight_value(model):
    values = np.unique(np.concatenate([w.ravel() for w in model.weights]))
    assert len(values) == 1
    return float(values[0])


# ------------------------------------------------------------------ Callback, CallbackList, History


def test_callback_list_calls_every_hook_in_order_with_shared_logs():
    calls = []
    recorder = LambdaCallback(**{
        hook: (lambda *args, hook=hook: calls.append((hook, args[:-1]))) for hook in HOOKS
    })

    class AddKey(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["extra"] = 1.0

    model = FakeModel()
    history = fake_fit(model, [recorder, AddKey()], [0.5, 0.4], steps=2)
    names = [name for name, _ in calls]
    assert names[:3] == ["on_train_begin", "on_epoch_begin", "on_train_batch_begin"]
    assert names[3:5] == ["on_before_optimizer_step", "on_train_batch_end"]
    assert names.count("on_epoch_end") == 2 and names[-1] == "on_train_end"
    assert ("on_train_batch_end", (1,)) in calls
    assert history.history["extra"] == [1.0, 1.0]


def test_callback_list_sets_model_and_params_and_finds_history():
    model, first = FakeModel(), Callback()
    own_history = History()
    callback_list = CallbackList([first, own_history], add_history=True, model=model,
                                 epochs=3, steps=5, verbose=0)
    assert callback_list.history is own_history and len(callback_list) == 2
    assert first.model is model and first.params == {"epochs": 3, "steps": 5, "verbose": 0}
    late = Callback()
    callback_list.append(late)
    assert late.model is model and late.params["epochs"] == 3


def test_callback_list_rejects_classes_and_other_objects():
    with pytest.raises(TypeError, match=r"EarlyStopping\(\)"):
        CallbackList([EarlyStopping])
    with pytest.raises(TypeError, match=r"callbacks\[1\] must be a Callback instance; got str"):
        CallbackList([Callback(), "early_stopping"])


def test_history_records_floats_per_epoch_and_sets_model_history():
    model = FakeModel()
    history = fake_fit(model, [], [np.float32(0.5), 0.25],
                       extra_logs=lambda epoch: {"accuracy": np.float64(0.5 + epoch / 4)})
    assert history.history == {"loss": [1.0, 1.0], "val_loss": [0.5, 0.25], "accuracy": [0.5, 0.75]}
    assert all(type(v) is float for values in history.history.values() for v in values)
    assert history.epoch == [0, 1]
    assert model.history is history
    fake_fit(model, [history], [0.1])
    assert history.history["val_loss"] == [pytest.approx(0.1)] and history.epoch == [0]


# ------------------------------------------------------------------ EarlyStopping


@pytest.mark.parametrize(
    ("val_losses", "kwargs", "stopped_epoch", "best_epoch"),
    [
        ([5, 4, 3, 3.5, 3.6, 3.7, 1], {"patience": 2}, 4, 2),
        ([5, 4, 3, 3.5, 3.6, 3.7, 1], {"patience": 0}, 3, 2),
        ([5, 4, 3, 3.5, 2.9, 3.7, 3.8, 3.9], {"patience": 2}, 6, 4),
        ([5, 4.95, 4.9, 4.85, 1], {"patience": 2, "min_delta": 0.1}, 2, 0),
        ([5, 4, 3, 2, 1], {"patience": 1}, None, 4),
        ([5, 4, 3, 2, 1], {"patience": 2, "baseline": 1.5}, 1, 1),
        ([5, 4, 1, 2, 3, 4, 0.5], {"patience": 3, "baseline": 1.5}, 5, 2),
        ([1, 9, 9, 9, 2, 8, 7], {"patience": 1, "start_from_epoch": 3}, 5, 4),
    ],
)
def test_early_stopping_stops_at_the_right_epoch(val_losses, kwargs, stopped_epoch, best_epoch):
    model = FakeModel()
    stopper = EarlyStopping(**kwargs)
    history = fake_fit(model, [stopper], val_losses)
    assert stopper.stopped_epoch == stopped_epoch
    assert stopper.best_epoch == best_epoch
    expected_epochs = len(val_losses) if stopped_epoch is None else stopped_epoch + 1
    assert history.epoch == list(range(expected_epochs))


def test_early_stopping_max_mode_for_accuracy():
    accuracies = [0.5, 0.6, 0.7, 0.65, 0.69, 0.9]
    stopper = EarlyStopping(monitor="val_accuracy", patience=2)
    assert stopper.mode == "max"
    fake_fit(FakeModel(), [stopper], [0.0] * 6,
             extra_logs=lambda epoch: {"val_accuracy": accuracies[epoch]})
    assert (stopper.stopped_epoch, stopper.best_epoch, stopper.best) == (4, 2, 0.7)
    explicit = EarlyStopping(monitor="val_loss", mode="max", patience=0)
    fake_fit(FakeModel(), [explicit], [1.0, 2.0, 1.5])
    assert explicit.stopped_epoch == 2


@pytest.mark.parametrize("monitor", ["acc", "val_auc", "precision", "val_recall", "r2", "val_r2"])
def test_auto_mode_is_max_for_scores(monitor):
    assert EarlyStopping(monitor=monitor).mode == "max"
    assert ReduceLROnPlateau(monitor=monitor).mode == "max"
    assert ModelCheckpoint("x", monitor=monitor).mode == "max"
    assert EarlyStopping(monitor="val_mae").mode == "min"


def test_early_stopping_restores_best_weights_when_it_fires(capsys):
    model = FakeModel()
    stopper = EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    fake_fit(model, [stopper], [5, 4, 3, 3.5, 3.6, 3.7])
    assert stopper.stopped_epoch == 4
    assert weight_value(model) == 3.0  # weights after epoch 2 (0-based), the best one
    out = capsys.readouterr().out
    assert "Epoch 5: early stopping" in out and "best epoch: 3" in out


def test_early_stopping_restores_best_weights_when_training_ends_normally():
    model = FakeModel()
    stopper = EarlyStopping(patience=10, restore_best_weights=True)
    fake_fit(model, [stopper], [5, 2, 3, 4])
    assert stopper.stopped_epoch is None
    assert weight_value(model) == 2.0


def test_early_stopping_without_restore_keeps_last_weights():
    model = FakeModel()
    fake_fit(model, [EarlyStopping(patience=1)], [5, 2, 3, 4])
    assert weight_value(model) == 3.0


def test_early_stopping_warns_once_about_a_missing_key_and_keeps_training():
    model = FakeModel()
    stopper = EarlyStopping(monitor="val_accuracy", patience=0)
    with pytest.warns(UserWarning, match=r"'val_accuracy'.*available: loss, val_loss") as record:
        history = fake_fit(model, [stopper], [3, 4, 5])
    assert len(record) == 1
    assert history.epoch == [0, 1, 2] and stopper.stopped_epoch is None


def test_nan_monitor_value_is_never_an_improvement():
    stopper = EarlyStopping(patience=2)
    fake_fit(FakeModel(), [stopper], [1.0, math.nan, math.nan, 0.5])
    assert (stopper.stopped_epoch, stopper.best) == (2, 1.0)


# ------------------------------------------------------------------ ModelCheckpoint


def test_checkpoint_saves_every_epoch_with_formatted_names(tmp_path):
    model = FakeModel()
    template = str(tmp_path / "run" / "model-{epoch:02d}-{val_loss:.4f}.dgm")
    checkpoint = ModelCheckpoint(template)
    fake_fit(model, [checkpoint], [0.5, 0.75, 0.25])
    names = [path for _, path in model.saved]
    assert names == [str(tmp_path / "run" / n) for n in
                     ("model-01-0.5000.dgm", "model-02-0.7500.dgm", "model-03-0.2500.dgm")]
    assert all(kind == "model" for kind, _ in model.saved)
    assert checkpoint.last_path == names[-1]
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == sorted(n.split("/")[-1] for n in names)


def test_checkpoint_save_best_only_saves_only_on_improvement(tmp_path, capsys):
    model = FakeModel()
    checkpoint = ModelCheckpoint(tmp_path / "w-{epoch}.dgw", save_best_only=True,
                                 save_weights_only=True, verbose=1)
    fake_fit(model, [checkpoint], [0.5, 0.6, 0.4, 0.4, 0.45, 0.1])
    assert model.saved == [("weights", str(tmp_path / f"w-{e}.dgw")) for e in (1, 3, 6)]
    assert checkpoint.best == 0.1
    out = capsys.readouterr().out
    assert "val_loss improved from inf to 0.50000" in out
    assert "Epoch 2: val_loss did not improve from 0.50000" in out


def test_checkpoint_best_only_in_max_mode_and_with_a_fixed_path(tmp_path):
    model = FakeModel()
    path = tmp_path / "best.dgm"
    accuracies = [0.6, 0.8, 0.7, 0.9]
    checkpoint = ModelCheckpoint(path, monitor="val_accuracy", save_best_only=True)
    fake_fit(model, [checkpoint], [0.0] * 4, extra_logs=lambda e: {"val_accuracy": accuracies[e]})
    assert len(model.saved) == 3 and checkpoint.best == 0.9
    assert path.read_text() == "model"


def test_checkpoint_missing_monitor_warns_and_saves_nothing(tmp_path):
    model = FakeModel()
    checkpoint = ModelCheckpoint(tmp_path / "m.dgm", monitor="val_auc", save_best_only=True)
    with pytest.warns(UserWarning, match="ModelCheckpoint monitors 'val_auc'.*available"):
        fake_fit(model, [checkpoint], [0.5, 0.4])
    assert model.saved == []


def test_checkpoint_reports_an_unknown_filename_field(tmp_path):
    checkpoint = ModelCheckpoint(tmp_path / "m-{val_acc:.2f}.dgm")
    with pytest.raises(KeyError, match="'val_acc'.*available fields: epoch, loss, val_loss"):
        fake_fit(FakeModel(), [checkpoint], [0.5])


@pytest.mark.parametrize("name", ["model-{epoch}.keras", "model-{epoch}.h5", "MODEL-{epoch}.HDF5"])
def test_checkpoint_with_a_keras_name_warns_once_naming_the_format_written(tmp_path, name):
    model = FakeModel()
    checkpoint = ModelCheckpoint(tmp_path / name)
    with pytest.warns(UserWarning) as caught:
        fake_fit(model, [checkpoint], [0.5, 0.4, 0.3])
    assert [kind for kind, _ in model.saved] == ["model"] * 3  # at the path given, every epoch
    assert [path for _, path in model.saved] == [str(tmp_path / name.format(epoch=e)) for e in (1, 2, 3)]
    messages = [str(w.message) for w in caught if "ModelCheckpoint wrote" in str(w.message)]
    assert len(messages) == 1
    first = str(tmp_path / name.format(epoch=1))
    assert messages[0].startswith(f"ModelCheckpoint wrote {first!r} as a deepgrad safetensors "
                                  f"model file, not in Keras's ")
    assert "deepgrad.load_model(path) reads it from this path" in messages[0]


def test_checkpoint_with_a_deepgrad_name_does_not_warn(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fake_fit(FakeModel(), [ModelCheckpoint(tmp_path / "m-{epoch}.safetensors")], [0.5, 0.4])


def test_a_keras_named_checkpoint_loads_back_from_the_same_path(tmp_path):
    import deepgrad as dg
    from deepgrad.layers import Dense, Input

    x = np.random.default_rng(0).standard_normal((16, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    model = dg.Sequential([Input((3,)), Dense(4, activation="relu", seed=0), Dense(1, seed=1)])
    model.compile(optimizer="adam", loss="mse")
    path = tmp_path / "best.keras"
    weights_path = tmp_path / "best.weights.h5"
    with pytest.warns(UserWarning, match=r"best\.keras' as a deepgrad safetensors model file, not "
                                         r"in Keras's \.keras format"):
        model.fit(x, y, epochs=2, verbose=0, callbacks=[ModelCheckpoint(path)])
    assert path.read_bytes()[8:9] == b"{"  # a safetensors header, not a zip or HDF5 file
    restored = dg.load_model(path)  # the last epoch's model, optimizer state included
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert restored.optimizer.iterations == model.optimizer.iterations
    with pytest.warns(UserWarning, match=r"safetensors weights file, not in Keras's \.h5 format.*"
                                         r"model\.load_weights\(path\) reads it"):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[ModelCheckpoint(weights_path, save_weights_only=True)])
    other = dg.Sequential([Input((3,)), Dense(4, activation="relu", seed=5), Dense(1, seed=6)])
    other.load_weights(weights_path)
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))


# ------------------------------------------------------------------ TerminateOnNaN


@pytest.mark.parametrize("bad_loss", [math.nan, math.inf, -math.inf])
def test_terminate_on_nan_stops_before_the_weights_change(bad_loss, capsys):
    model = FakeModel()
    guard = TerminateOnNaN()
    losses = {(0, 0): 1.0, (0, 1): 1.0, (0, 2): 1.0, (1, 0): 1.0, (1, 1): bad_loss, (1, 2): 1.0}
    history = fake_fit(model, [guard], [0.5, 0.4, 0.3], steps=3,
                       batch_loss=lambda epoch, batch: losses[epoch, batch])
    assert (guard.stopped_epoch, guard.stopped_batch) == (1, 1)
    assert model.stop_training is True
    assert weight_value(model) == pytest.approx(4 / 3)  # 3 updates of 1/3, then 1 more, then stop
    assert history.epoch == [0, 1]
    assert capsys.readouterr().out.strip() == f"Batch 1: invalid loss {float(bad_loss)}, terminating training"


def test_terminate_on_nan_ignores_finite_losses():
    guard = TerminateOnNaN()
    fake_fit(FakeModel(), [guard], [0.5, 0.4], steps=2)
    assert guard.stopped_batch is None


# ------------------------------------------------------------------ learning-rate callbacks


def test_learning_rate_scheduler_sets_rate_at_epoch_begin_and_logs_it(capsys):
    model = FakeModel()
    seen = []
    scheduler = LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5**epoch, verbose=1)
    probe = LambdaCallback(on_epoch_begin=lambda epoch, logs: seen.append(model.optimizer.learning_rate))
    history = fake_fit(model, [scheduler, probe], [1.0, 1.0, 1.0])
    assert seen == [0.1, 0.05, 0.025]
    assert history.history["learning_rate"] == [0.1, 0.05, 0.025]
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.05." in capsys.readouterr().out


def test_learning_rate_scheduler_accepts_one_argument_schedules_and_checks_output():
    model = FakeModel()
    fake_fit(model, [LearningRateScheduler(lambda epoch: 1.0 / (epoch + 1))], [1.0, 1.0])
    assert model.optimizer.learning_rate == 0.5
    for bad in (lambda epoch, lr: "0.1", lambda epoch, lr: math.nan, lambda epoch, lr: -1.0):
        with pytest.raises(ValueError, match="finite learning rate"):
            fake_fit(FakeModel(), [LearningRateScheduler(bad)], [1.0])
    with pytest.raises(TypeError):
        LearningRateScheduler(0.1)


def test_reduce_lr_on_plateau_after_patience():
    model = FakeModel()
    model.optimizer.learning_rate = 1.0
    reducer = ReduceLROnPlateau(factor=0.5, patience=2)
    history = fake_fit(model, [reducer], [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5, 0.5])
    # reductions at the ends of epochs 3 and 5; the log shows the rate used during each epoch
    assert history.history["learning_rate"] == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert model.optimizer.learning_rate == 0.25


def test_reduce_lr_on_plateau_cooldown_epochs_do_not_count():
    model = FakeModel()
    model.optimizer.learning_rate = 1.0
    reducer = ReduceLROnPlateau(factor=0.5, patience=1, cooldown=2)
    history = fake_fit(model, [reducer], [1.0] * 9)
    # epoch 1 reduces; 2 and 3 are cooldown; 4 reduces; 5, 6 cooldown; 7 reduces
    assert history.history["learning_rate"] == [1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]


def test_reduce_lr_on_plateau_respects_min_lr_and_min_delta():
    model = FakeModel()
    model.optimizer.learning_rate = 1.0
    reducer = ReduceLROnPlateau(factor=0.1, patience=0, min_lr=0.05, min_delta=0.01)
    fake_fit(model, [reducer], [1.0, 0.995, 0.99, 0.98])
    assert model.optimizer.learning_rate == 0.05
    with pytest.raises(ValueError, match="factor"):
        ReduceLROnPlateau(factor=1.0)


def test_reduce_lr_on_plateau_warns_on_missing_monitor():
    model = FakeModel()
    with pytest.warns(UserWarning, match="ReduceLROnPlateau monitors 'val_mae'"):
        fake_fit(model, [ReduceLROnPlateau(monitor="val_mae", patience=0)], [1.0, 1.0])
    assert model.optimizer.learning_rate == 0.1


# ------------------------------------------------------------------ CSVLogger and LambdaCallback


def test_csv_logger_writes_one_flushed_row_per_epoch(tmp_path):
    path = tmp_path / "log.csv"
    rows_seen_during_training = []
    reader = LambdaCallback(on_epoch_end=lambda e, logs: rows_seen_during_training.append(
        path.read_text().count("\n")))
    fake_fit(FakeModel(), [CSVLogger(path), reader], [0.5, 0.25],
             extra_logs=lambda e: {"accuracy": 0.5 + e / 4} if e == 0 else {})
    with open(path, newline="") as file:
        rows = list(csv.reader(file))
    assert rows == [["epoch", "accuracy", "loss", "val_loss"], ["0", "0.5", "1.0", "0.5"],
                    ["1", "NA", "1.0", "0.25"]]
    assert rows_seen_during_training == [2, 3]


def test_csv_logger_appends_under_the_existing_header(tmp_path):
    path = tmp_path / "log.tsv"
    fake_fit(FakeModel(), [CSVLogger(path, separator="\t")], [0.5])
    fake_fit(FakeModel(), [CSVLogger(path, separator="\t", append=True)], [0.25, 0.125])
    lines = path.read_text().splitlines()
    assert lines == ["epoch\tloss\tval_loss", "0\t1.0\t0.5", "0\t1.0\t0.25", "1\t1.0\t0.125"]
    fake_fit(FakeModel(), [CSVLogger(path, separator="\t")], [0.75])
    assert path.read_text().splitlines() == ["epoch\tloss\tval_loss", "0\t1.0\t0.75"]


def test_lambda_callback_calls_the_given_functions():
    events = []
    callback = LambdaCallback(
        on_train_begin=lambda logs: events.append("begin"),
        on_epoch_begin=lambda epoch, logs: events.append(f"epoch {epoch}"),
        on_train_batch_begin=lambda batch, logs: events.append(f"batch {batch}"),
        on_train_batch_end=lambda batch, logs: events.append(f"loss {logs['loss']}"),
        on_epoch_end=lambda epoch, logs: events.append(f"val {logs['val_loss']}"),
        on_train_end=lambda logs: events.append("end"),
        on_before_optimizer_step=lambda batch, logs: events.append("step"),
    )
    fake_fit(FakeModel(), [callback], [0.5])
    assert events == ["begin", "epoch 0", "batch 0", "step", "loss 1.0", "val 0.5", "end"]
    with pytest.raises(TypeError, match="unknown hook 'on_epoch_ending'"):
        LambdaCallback(on_epoch_ending=print)


# ------------------------------------------------------------------ ProgbarLogger


def test_progbar_verbose_1_shows_a_bar_per_epoch_with_metrics():
    out = io.StringIO()
    fake_fit(FakeModel(), [ProgbarLogger(file=out)], [0.5, 0.25], steps=4, verbose=1,
             extra_logs=lambda e: {"val_accuracy": 0.75})
    text = out.getvalue()
    assert "Epoch 1/2" in text and "Epoch 2/2" in text
    assert "4/4" in text and "loss=1.0000" in text
    assert "val_loss=0.2500" in text and "val_accuracy=0.7500" in text


def test_progbar_verbose_2_prints_one_line_per_epoch():
    out = io.StringIO()
    fake_fit(FakeModel(), [ProgbarLogger(file=out)], [0.5, 0.000125], steps=3, verbose=2)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Epoch 1/2 - ") and lines[0].endswith("loss: 1.0000 - val_loss: 0.5000")
    assert lines[1].endswith("val_loss: 1.2500e-04")


def test_progbar_verbose_0_prints_nothing_and_defaults_to_stdout(capsys):
    fake_fit(FakeModel(), [ProgbarLogger()], [0.5], verbose=0)
    assert capsys.readouterr() == ("", "")
    fake_fit(FakeModel(), [ProgbarLogger(verbose=2)], [0.5], verbose=0)
    captured = capsys.readouterr()
    assert captured.out.startswith("Epoch 1/1") and captured.err == ""


def test_no_runtime_warnings_anywhere():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = FakeModel()
        callbacks = [EarlyStopping(restore_best_weights=True), ReduceLROnPlateau(),
                     TerminateOnNaN(), ProgbarLogger(file=io.StringIO())]
        fake_fit(model, callbacks, [1.0, 0.5, 0.25], steps=2, verbose=1)


def test_terminate_on_nan_also_checks_batch_end_logs(capsys):
    model = FakeModel()
    guard = TerminateOnNaN()
    guard.set_model(model)
    guard.on_train_begin()
    guard.on_train_batch_end(0, {"loss": 1.0})
    guard.on_train_batch_end(1, {"loss": math.inf})
    guard.on_train_batch_end(2, {"loss": math.nan})
    assert guard.stopped_batch == 1 and model.stop_training
    assert capsys.readouterr().out.count("terminating training") == 1


# --------------------------------------------------------------------------- BackupAndRestore


def _backup_model(seed):
    import deepgrad as dg
    from deepgrad.layers import Dense, Input

    model = dg.Sequential([Input((5,)), Dense(8, activation="relu", seed=seed), Dense(3, seed=seed + 1)])
    model.compile(optimizer=dg.optimizers.Adam(learning_rate=0.05), loss="sparse_categorical_crossentropy")
    return model


def _backup_data():
    rng = np.random.default_rng(7)
    return rng.standard_normal((40, 5)).astype(np.float32), rng.integers(0, 3, 40)


class _CrashAfter(Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt("the process dies here")


def test_backup_and_restore_resumes_bitwise_where_an_uninterrupted_run_would_be(tmp_path):
    from deepgrad.callbacks import BackupAndRestore

    x, y = _backup_data()
    reference = _backup_model(0)
    reference.fit(x, y, epochs=6, batch_size=8, shuffle=False, verbose=0)

    crashed = _backup_model(0)
    with pytest.raises(KeyboardInterrupt):
        crashed.fit(x, y, epochs=6, batch_size=8, shuffle=False, verbose=0,
                    callbacks=[BackupAndRestore(tmp_path / "run"), _CrashAfter(2)])
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["epoch-000002.safetensors"]

    resumed = _backup_model(123)  # a new process: same architecture, other initial weights
    backup = BackupAndRestore(tmp_path / "run")
    history = resumed.fit(x, y, epochs=6, batch_size=8, shuffle=False, verbose=0, callbacks=[backup])
    assert backup.restored_epoch == 2 and history.epoch == [3, 4, 5]
    assert resumed.optimizer.iterations == reference.optimizer.iterations == 30
    for a, b in zip(resumed.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not (tmp_path / "run").exists()  # a normal end deletes the backup (and its folder)


def test_backup_is_kept_on_request_and_only_the_latest_one(tmp_path):
    from deepgrad.callbacks import BackupAndRestore

    x, y = _backup_data()
    model = _backup_model(0)
    model.fit(x, y, epochs=3, verbose=0, callbacks=[BackupAndRestore(tmp_path, delete_checkpoint=False)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-000002.safetensors"]
    again = BackupAndRestore(tmp_path, delete_checkpoint=False)
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[again])
    assert again.restored_epoch == 2 and history.epoch == []  # nothing left to do


def test_a_damaged_backup_is_refused_not_trained_on(tmp_path):
    from deepgrad import ModelFileError
    from deepgrad.callbacks import BackupAndRestore

    x, y = _backup_data()
    model = _backup_model(0)
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=3, verbose=0, callbacks=[BackupAndRestore(tmp_path), _CrashAfter(0)])
    path = tmp_path / "epoch-000000.safetensors"
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    before = model.get_weights()
    with pytest.raises(ModelFileError):
        model.fit(x, y, epochs=3, verbose=0, callbacks=[BackupAndRestore(tmp_path)])
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
    assert path.exists()  # the backup is left for the user to inspect


def test_a_weights_only_file_cannot_resume_training(tmp_path):
    from deepgrad import ModelFileError
    from deepgrad.saving.save_load import restore_training_state

    model = _backup_model(0)
    model.save_weights(tmp_path / "w.safetensors")
    with pytest.raises(ModelFileError, match="not the optimizer state"):
        restore_training_state(model, tmp_path / "w.safetensors")


# ------------------------------------------------------------------ argument checks
# Every argument of every callback, checked in the constructor with its name, what was expected
# and what came (deepgrad.common.checks); Keras's arguments deepgrad does not implement say what
# to do instead.

ARGUMENTS = [
    # EarlyStopping
    (lambda: EarlyStopping(monitor=3), TypeError, "monitor must be a non-empty string; got int 3"),
    (lambda: EarlyStopping(monitor=""), ValueError, "monitor must be a non-empty string"),
    (lambda: EarlyStopping(min_delta="0.1"), TypeError, "min_delta must be a finite number; got str '0.1'"),
    (lambda: EarlyStopping(min_delta=math.nan), ValueError, "min_delta must be a finite number; got nan"),
    (lambda: EarlyStopping(patience=-1), ValueError, "patience must be an int >= 0; got -1"),
    (lambda: EarlyStopping(patience=2.5), TypeError, "patience must be an int >= 0; got float 2.5"),
    (lambda: EarlyStopping(verbose="yes"), TypeError, "verbose must be an int >= 0; got str 'yes'"),
    (lambda: EarlyStopping(mode="minimum"), ValueError, "mode must be 'auto', 'min' or 'max'; got 'minimum'"),
    (lambda: EarlyStopping(mode=None), TypeError, "mode must be 'auto', 'min' or 'max'; got NoneType None"),
    (lambda: EarlyStopping(baseline="0.5"), TypeError, "baseline must be a finite number; got str '0.5'"),
    (lambda: EarlyStopping(restore_best_weights="no"), TypeError,
     "restore_best_weights must be True or False; got str 'no'"),
    (lambda: EarlyStopping(start_from_epoch=-2), ValueError, "start_from_epoch must be an int >= 0; got -2"),
    # ModelCheckpoint
    (lambda: ModelCheckpoint(filepath=3), TypeError,
     r"filepath must be a path \(a str or os.PathLike\); got int 3"),
    (lambda: ModelCheckpoint(""), ValueError, "filepath must be a non-empty path"),
    (lambda: ModelCheckpoint("m.dgm", monitor=["loss"]), TypeError, "monitor must be a non-empty string"),
    (lambda: ModelCheckpoint("m.dgm", verbose=-1), ValueError, "verbose must be an int >= 0; got -1"),
    (lambda: ModelCheckpoint("m.dgm", save_best_only="no"), TypeError,
     "save_best_only must be True or False; got str 'no'"),
    (lambda: ModelCheckpoint("m.dgm", save_weights_only=1), TypeError,
     "save_weights_only must be True or False; got int 1"),
    (lambda: ModelCheckpoint("m.dgm", mode="best"), ValueError, "mode must be 'auto', 'min' or 'max'"),
    (lambda: ModelCheckpoint("m.dgm", save_freq=100), ValueError,
     r"save_freq must be 'epoch' .*got int 100. To save every N batches, call model.save\(path\) from"),
    (lambda: ModelCheckpoint("m.dgm", save_freq=[1]), TypeError, "save_freq must be 'epoch'"),
    (lambda: ModelCheckpoint("m.dgm", initial_value_threshold="low"), TypeError,
     "initial_value_threshold must be a finite number; got str 'low'"),
    # BackupAndRestore
    (lambda: BackupAndRestore(None), TypeError, "backup_dir must be a path .*; got NoneType None"),
    (lambda: BackupAndRestore(""), ValueError, "backup_dir must be a non-empty path"),
    (lambda: BackupAndRestore("backup", save_freq=10), ValueError, "save_freq must be 'epoch'"),
    (lambda: BackupAndRestore("backup", double_checkpoint="yes"), TypeError,
     "double_checkpoint must be True or False"),
    (lambda: BackupAndRestore("backup", delete_checkpoint=0), TypeError,
     "delete_checkpoint must be True or False; got int 0"),
    # TerminateOnNaN
    (lambda: TerminateOnNaN(raise_error="yes"), TypeError, "raise_error must be True or False"),
    # LearningRateScheduler
    (lambda: LearningRateScheduler(0.1), TypeError, r"schedule must be callable \(a function\); got float 0.1"),
    (lambda: LearningRateScheduler(lambda e: 0.1, verbose=None), TypeError, "verbose must be an int >= 0"),
    # ReduceLROnPlateau
    (lambda: ReduceLROnPlateau(monitor=None), TypeError, "monitor must be a non-empty string; got NoneType None"),
    (lambda: ReduceLROnPlateau(factor=2), ValueError, r"factor must be a finite number in \(0, 1\); got 2.0"),
    (lambda: ReduceLROnPlateau(factor="0.5"), TypeError, r"factor must be a finite number in \(0, 1\); got str"),
    (lambda: ReduceLROnPlateau(patience=-1), ValueError, "patience must be an int >= 0; got -1"),
    (lambda: ReduceLROnPlateau(patience=1.5), TypeError, "patience must be an int >= 0; got float 1.5"),
    (lambda: ReduceLROnPlateau(verbose=1.0), TypeError, "verbose must be an int >= 0; got float 1.0"),
    (lambda: ReduceLROnPlateau(mode="down"), ValueError, "mode must be 'auto', 'min' or 'max'; got 'down'"),
    (lambda: ReduceLROnPlateau(min_delta=math.inf), ValueError, "min_delta must be a finite number; got inf"),
    (lambda: ReduceLROnPlateau(cooldown=-3), ValueError, "cooldown must be an int >= 0; got -3"),
    (lambda: ReduceLROnPlateau(cooldown=True), TypeError, "cooldown must be an int >= 0; got bool True"),
    (lambda: ReduceLROnPlateau(min_lr=-0.1), ValueError, "min_lr must be a finite number >= 0; got -0.1"),
    (lambda: ReduceLROnPlateau(min_lr=math.nan), ValueError, "min_lr must be a finite number >= 0; got nan"),
    # CSVLogger
    (lambda: CSVLogger(3), TypeError, r"filename must be a path \(a str or os.PathLike\); got int 3"),
    (lambda: CSVLogger("log.csv", separator=";;"), ValueError,
     "separator must be a one-character string; got ';;'"),
    (lambda: CSVLogger("log.csv", separator=9), TypeError, "separator must be a one-character string; got int 9"),
    (lambda: CSVLogger("log.csv", append="yes"), TypeError, "append must be True or False; got str 'yes'"),
    # LambdaCallback
    (lambda: LambdaCallback(on_epoch_end=3), TypeError, r"on_epoch_end must be callable \(a function\); got int 3"),
    (lambda: LambdaCallback(on_test_end="print"), TypeError, "on_test_end must be callable"),
    (lambda: LambdaCallback(on_step_end=print), TypeError, "unknown hook 'on_step_end'; hooks are: on_train_begin"),
    # ProgbarLogger
    (lambda: ProgbarLogger(verbose=3), ValueError, r"verbose must be an int in \[0, 2\]; got 3"),
    (lambda: ProgbarLogger(verbose=True), TypeError, r"verbose must be an int in \[0, 2\]; got bool True"),
    (lambda: ProgbarLogger(file="log.txt"), TypeError,
     "file must be None or a text stream with a write method .*; got str 'log.txt'"),
    # CallbackList
    (lambda: CallbackList(EarlyStopping()), TypeError,
     "callbacks must be a list of Callback instances .*; got EarlyStopping"),
    (lambda: CallbackList([EarlyStopping, History()]), TypeError,
     r"callbacks\[0\] is the class EarlyStopping; pass an instance such as EarlyStopping\(\)"),
    (lambda: CallbackList([], add_history="yes"), TypeError, "add_history must be True or False"),
    (lambda: CallbackList([], add_progbar=1), TypeError, "add_progbar must be True or False; got int 1"),
]


@pytest.mark.parametrize("make, error, message", ARGUMENTS, ids=[str(i) for i in range(len(ARGUMENTS))])
def test_bad_callback_arguments_are_named_in_the_constructor(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_keras_callback_arguments_with_nothing_to_do_are_accepted(tmp_path):
    checkpoint = ModelCheckpoint(tmp_path / "m.dgm", save_freq="epoch")
    backup = BackupAndRestore(tmp_path / "backup", save_freq="epoch", double_checkpoint=True)
    assert checkpoint.save_freq == backup.save_freq == "epoch" and backup.double_checkpoint
    # Keras takes |min_delta|; numbers arrive as plain Python numbers
    stopper = EarlyStopping(min_delta=np.float32(-0.5), patience=np.int64(2), baseline=1)
    assert (stopper.min_delta, stopper.patience, stopper.baseline) == (0.5, 2, 1.0)
    assert type(stopper.patience) is int


def test_lambda_callback_takes_keras_older_batch_hook_names():
    """Keras's Callback forwards on_train_batch_* to on_batch_*, so LambdaCallback(on_batch_end=f)
    runs f after each training batch there; here too."""
    seen = []
    callback = LambdaCallback(on_batch_begin=lambda batch, logs: seen.append(("begin", batch)),
                              on_batch_end=lambda batch, logs: seen.append(("end", batch)))
    fake_fit(FakeModel(), [callback], [1.0], steps=2)
    assert seen == [("begin", 0), ("end", 0), ("begin", 1), ("end", 1)]


def test_model_checkpoint_initial_value_threshold_is_the_first_best(tmp_path):
    """As in Keras: with save_best_only the first save needs to beat the threshold."""
    model = FakeModel()
    checkpoint = ModelCheckpoint(tmp_path / "m-{epoch}.dgm", save_best_only=True,
                                 initial_value_threshold=0.4)
    fake_fit(model, [checkpoint], [0.5, 0.45, 0.3, 0.35])
    assert model.saved == [("model", str(tmp_path / "m-3.dgm"))]


def test_terminate_on_nan_can_raise_instead(capsys):
    """Keras 3's raise_error=True: a RuntimeError at the bad batch, before its update."""
    model = FakeModel()
    guard = TerminateOnNaN(raise_error=True)
    with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 1. Loss value: nan"):
        fake_fit(model, [guard], [0.5], steps=3, batch_loss=lambda epoch, batch: [1.0, math.nan, 1.0][batch])
    assert weight_value(model) == pytest.approx(1 / 3)  # only batch 0 updated the weights
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("raise_error", [False, True])
def test_terminate_on_nan_leaves_batch_norm_statistics_as_before_the_bad_batch(raise_error):
    """The forward pass of the bad batch updates the moving statistics before the loss is
    seen; TerminateOnNaN puts every weight back as that batch began."""
    import deepgrad as dg
    from deepgrad.layers import BatchNormalization, Dense, Input

    x = np.random.default_rng(0).standard_normal((12, 3)).astype(np.float32)
    x[9] = 3e38  # the third batch of four overflows float32 in the forward pass
    y = np.zeros((12, 1), np.float32)
    model = dg.Sequential([Input((3,)), Dense(4, seed=0), BatchNormalization(), Dense(1, seed=1)])
    model.compile("sgd", "mse")
    seen = []

    class Probe(dg.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append([w.data.copy() for w in model.weights])

    guard = TerminateOnNaN(raise_error=raise_error)
    with np.errstate(all="ignore"):
        if raise_error:
            with pytest.raises(RuntimeError, match="NaN or Inf loss encountered at batch 2"):
                model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0,
                          callbacks=[Probe(), guard])
        else:
            model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0,
                      callbacks=[Probe(), guard])
            assert guard.stopped_batch == 2
    assert all(np.isfinite(w.data).all() for w in model.weights)
    assert all(np.array_equal(w.data, before) for w, before in zip(model.weights, seen[2]))
