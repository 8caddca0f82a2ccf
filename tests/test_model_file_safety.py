"""Files no one can abuse (issue 18): strict loading of crafted files whose digest was
recomputed, signed files, linear load time, and no debris from killed saves."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc

import numpy as np
import pytest
from test_saving import config_with, craft, read_parts, refused

import deepgrad as dg
from deepgrad.layers import BatchNormalization, Dense, Input, PReLU, Softmax
from deepgrad.saving import ModelFileError, load_model, load_weights, save_model
from deepgrad.saving.atomic import STALE_AFTER, remove_stale_temporaries

X = np.random.default_rng(0).standard_normal((8, 4)).astype(np.float32)
Y = np.random.default_rng(1).standard_normal((8, 3)).astype(np.float32)


@pytest.fixture
def saved(tmp_path):
    model = dg.Sequential([Input((4,)), Dense(5, "tanh", seed=0), BatchNormalization(), PReLU(),
                           Dense(3, seed=1)])
    model.compile("adam", "mse")
    model.fit(X, Y, batch_size=4, epochs=1, verbose=0, shuffle=False)
    path = tmp_path / "m.safetensors"
    model.save(path)
    return model, str(path)


def set_layer(path, index, **values):
    def edit(config):
        config["layers"][index]["config"].update(values)

    craft(path, meta={"config": config_with(path, edit)})


# ---------------------------------------------------------------- strict configs


@pytest.mark.parametrize("values, words", [
    ({"use_bias": "no"}, ["use_bias must be True or False", "str 'no'"]),
    ({"units": "5"}, ["units must be an int"]),
    ({"seed": "builtins.eval"}, ["seed must be None"]),
    ({"activation": 7}, ["activation"]),
])
def test_config_values_go_through_the_constructors_checks(saved, values, words):
    set_layer(saved[1], 1, **values)
    refused(saved[1], "architecture config cannot be rebuilt", *words)


def test_an_axis_the_input_lacks_is_refused_at_load_not_at_predict(tmp_path):
    path = tmp_path / "m.safetensors"
    dg.Sequential([Input((4,)), Softmax(axis=-1)]).save(path)
    set_layer(path, 1, axis=99)
    refused(path, "architecture config cannot be rebuilt")


@pytest.mark.parametrize("values", [{"units": 10**8}, {"units": 10**6}])
def test_huge_sizes_are_refused_before_anything_is_allocated(saved, values):
    set_layer(saved[1], 1, **values)
    tracemalloc.start()
    begin = time.perf_counter()
    try:
        message = refused(saved[1], "weight 'dense", f"{values['units']})",
                          "the file's tensor 'weights/dense")
    finally:
        elapsed = time.perf_counter() - begin
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert elapsed < 0.5 and peak < 2_000_000, (elapsed, peak, message)


def test_a_huge_input_shape_is_refused_before_shape_inference_runs(tmp_path):
    path = tmp_path / "m.safetensors"
    dg.Sequential([Input((4,)), dg.layers.Activation("tanh")]).save(path)

    def edit(config):
        config["layers"][0]["config"]["shape"] = [10**9]
        config["build_input_shape"] = [None, 10**9]

    craft(path, meta={"config": config_with(path, edit)})
    refused(path, "input sample", "larger than a file of this size may ask for")


def test_a_loss_axis_the_output_lacks_is_refused(tmp_path):
    model = dg.Sequential([Input((4,)), Dense(3, "softmax", seed=0)])
    model.compile("sgd", dg.losses.CategoricalCrossentropy(axis=-1))
    path = tmp_path / "m.safetensors"
    model.save(path)
    settings = json.loads(read_parts(path)[0]["compile_config"])
    settings["loss"]["config"]["axis"] = 10**8
    craft(path, meta={"compile_config": json.dumps(settings)})
    refused(path, "class axis 100000000", "rank 2")


# ---------------------------------------------------------------- optimizer state


def slot(model, index=0, kind="momentum"):
    return f"optimizer/{kind}/{index}"


@pytest.mark.parametrize("change, words", [
    (lambda w: w.astype(np.float64), ["'optimizer/momentum/0' is float64", "float32"]),
    (lambda w: w.reshape(-1), ["'optimizer/momentum/0'", "of shape (20,)", "(4, 5)"]),
    (lambda w: np.full_like(w, np.nan), ["'optimizer/momentum/0' holds NaN"]),
    (None, ["'optimizer/momentum/0'", "is missing", "silently restart"]),
])
def test_optimizer_tensors_are_checked_for_dtype_shape_values_and_presence(saved, change, words):
    tensors = read_parts(saved[1])[1]
    if change is None:
        craft(saved[1], drop=[slot(saved[0])])
    else:
        craft(saved[1], tensors={slot(saved[0]): change(tensors[slot(saved[0])])})
    refused(saved[1], *words)
    load_model(saved[1], compile=False)  # the architecture and weights alone are fine


@pytest.mark.parametrize("entry, words", [
    (["float64", 1e308], ["'iterations' must be an integer in [0, 2**53)", "1e+308"]),
    (["int64", 2**53], ["'iterations' must be an integer"]),
    (["int64", -1], ["'iterations' must be an integer"]),
    (["float64", 3.0], ["'iterations' must be an integer"]),
    (["int64", True], ["not a table of [dtype, number] pairs"]),
])
def test_iterations_are_range_checked(saved, entry, words):
    state = json.loads(read_parts(saved[1])[0]["optimizer_state"])
    state["iterations"] = entry
    craft(saved[1], meta={"optimizer_state": json.dumps(state)})
    refused(saved[1], *words)


def test_a_non_finite_learning_rate_is_refused(saved):
    state = json.loads(read_parts(saved[1])[0]["optimizer_state"])
    state["learning_rate"] = ["float64", float("inf")]
    craft(saved[1], meta={"optimizer_state": json.dumps(state)})
    refused(saved[1], "'learning_rate' must be a finite float")


def test_a_model_saved_before_its_first_step_has_no_optimizer_tensors(tmp_path):
    model = dg.Sequential([Input((4,)), Dense(3, seed=0)])
    model.compile("adam", "mse")
    model.save(tmp_path / "m.safetensors")
    restored = load_model(tmp_path / "m.safetensors")
    restored.fit(X, Y, epochs=1, verbose=0)


# ---------------------------------------------------------------- signatures


@pytest.mark.parametrize("key", [b"\x00secret", "sécret"])
def test_signed_files_load_only_with_their_key(saved, key):
    model, path = saved
    model.save(path, signing_key=key)
    restored = load_model(path, signing_key=key)
    assert restored.predict(X).tobytes() == model.predict(X).tobytes()
    load_model(path)  # without a key, the signature is not asked for
    refused_with = lambda k: pytest.raises(ModelFileError, match="signature does not match")
    with refused_with("other"):
        load_model(path, signing_key="other")
    set_layer(path, 1, activation="relu")  # edited, digest recomputed, signature kept
    with refused_with(key):
        load_model(path, signing_key=key)


def test_an_unsigned_file_is_refused_when_a_key_is_given(saved):
    with pytest.raises(ModelFileError, match="it is not signed"):
        load_model(saved[1], signing_key=b"k")
    with pytest.raises(ModelFileError, match="it is not signed"):
        load_weights(saved[0], saved[1], signing_key=b"k")
    with pytest.raises(TypeError, match="signing_key must be bytes or a str"):
        save_model(saved[0], saved[1], signing_key=3)
    with pytest.raises(ValueError, match="must not be empty"):
        save_model(saved[0], saved[1], signing_key=b"")


def test_signed_weights(saved, tmp_path):
    model, _ = saved
    model.save_weights(tmp_path / "w.safetensors", signing_key="k")
    model.load_weights(tmp_path / "w.safetensors", signing_key="k")
    with pytest.raises(ModelFileError, match="signature"):
        model.load_weights(tmp_path / "w.safetensors", signing_key="other")


# ---------------------------------------------------------------- linear time


def _build_save_load(n, folder):
    """CPU seconds (this process's: robust to other processes on a loaded machine) to build,
    save and load a Sequential model of ``n`` layers."""
    begin = time.process_time()
    model = dg.Sequential([Input((2,))] + [Dense(2, seed=0) for _ in range(n)])
    model.save(folder / "m.safetensors")
    load_model(folder / "m.safetensors")
    return time.process_time() - begin


@pytest.mark.slow
def test_building_saving_and_loading_take_time_linear_in_the_layers(tmp_path):
    small, large = [], []
    for _ in range(3):  # interleaved, the best of three of each
        small.append(_build_save_load(2000, tmp_path))
        large.append(_build_save_load(4000, tmp_path))
    assert min(large) < 3 * min(small), (small, large)  # quadratic would be 4x


# ---------------------------------------------------------------- debris


def _dead_pid():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_save_removes_stale_temporaries_of_its_target_only(tmp_path, saved):
    from deepgrad.saving.atomic import _HOST

    model, _ = saved
    target = tmp_path / "x.safetensors"
    names = {
        "dead": f".x.safetensors.{_HOST}-{_dead_pid()}-{'a' * 16}.tmp",
        "old": f".x.safetensors.{'b' * 16}.tmp",  # a name from before writers were named
        "live": f".x.safetensors.{_HOST}-{os.getpid()}-{'c' * 16}.tmp",
        "young": f".x.safetensors.{'d' * 16}.tmp",
        "other": f".y.safetensors.{_HOST}-{_dead_pid()}-{'e' * 16}.tmp",
    }
    for name in names.values():
        (tmp_path / name).write_bytes(b"partial")
    past = time.time() - 2 * STALE_AFTER
    os.utime(tmp_path / names["old"], (past, past))
    os.utime(tmp_path / names["live"], (past, past))
    model.save(target)
    left = set(os.listdir(tmp_path))
    assert names["dead"] not in left and names["old"] not in left
    assert {names["live"], names["young"], names["other"]} <= left
    assert remove_stale_temporaries(tmp_path) == [str(tmp_path / names["other"])]


_KILLED_MID_SAVE = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    import deepgrad as dg
    from deepgrad.layers import Dense, Input
    x = np.eye(4, dtype=np.float32); y = np.arange(4) % 2
    model = dg.Sequential([Input((4,)), Dense(2, seed=0)])
    model.compile("sgd", "sparse_categorical_crossentropy")
    saves = []
    real_fsync = os.fsync
    def fsync(fd):
        saves.append(fd)
        if len(saves) == 5:  # the third backup: its temporary file is written, not renamed
            os.kill(os.getpid(), signal.SIGKILL)
        real_fsync(fd)
    os.fsync = fsync
    model.fit(x, y, epochs=6, verbose=0, callbacks=[dg.callbacks.BackupAndRestore(sys.argv[1])])
""")


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_backup_and_restore_cleans_up_after_a_killed_run(tmp_path):
    folder = tmp_path / "backup"
    run = subprocess.run([sys.executable, "-c", _KILLED_MID_SAVE, str(folder)],
                         check=False, capture_output=True, text=True, timeout=120)
    assert run.returncode == -signal.SIGKILL, run.stderr
    left = sorted(os.listdir(folder))
    assert any(name.endswith(".tmp") for name in left) and "epoch-000001.safetensors" in left
    model = dg.Sequential([Input((4,)), Dense(2, seed=0)])
    model.compile("sgd", "sparse_categorical_crossentropy")
    backup = dg.callbacks.BackupAndRestore(folder)
    model.fit(np.eye(4, dtype=np.float32), np.arange(4) % 2, epochs=6, verbose=0,
              callbacks=[backup])
    assert backup.restored_epoch == 1 and not folder.exists()
