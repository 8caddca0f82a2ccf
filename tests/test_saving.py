"""Model files: round trips, atomic writes, and refusal of every malformed or hostile file."""

import copy
import hashlib
import json
import os
import stat
import struct
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import deepgrad as dg
from deepgrad import Sequential
from deepgrad.saving import save_load as io
from deepgrad.saving.save_load import (
    ModelFileError,
    load_model,
    load_weights,
    save_model,
    save_weights,
)
from deepgrad.layers import (
    ELU,
    Activation,
    BatchNormalization,
    Dense,
    Dropout,
    Flatten,
    Input,
    InputLayer,
    LeakyReLU,
    PReLU,
    Residual,
)
from deepgrad.metrics import BinaryAccuracy

X = np.random.default_rng(0).standard_normal((24, 4)).astype(np.float32)
Y = np.random.default_rng(1).standard_normal((24, 3)).astype(np.float32)


def make_model(optimizer="adam", dtype=None, metrics=("mae",)):
    model = Sequential([Input((4,)), Dense(5, activation="tanh", seed=0), BatchNormalization(),
                        PReLU(), Dense(3, seed=1)], dtype=dtype)
    model.compile(optimizer=optimizer, loss="mse", metrics=list(metrics))
    return model


def train(model, epochs=2):
    model.fit(X, Y, batch_size=8, epochs=epochs, shuffle=False, verbose=0)
    return model


def assert_same_weights(a, b, names=True):
    assert len(a.weights) == len(b.weights)
    for u, v in zip(a.weights, b.weights):
        assert u.dtype == v.dtype and (u.name == v.name or not names)
        assert u.data.tobytes() == v.data.tobytes()


def assert_same_state(a, b):
    sa, sb = a.optimizer.state_dict(), b.optimizer.state_dict()
    assert sorted(sa) == sorted(sb)
    for key in sa:
        assert sa[key].dtype == sb[key].dtype and sa[key].tobytes() == sb[key].tobytes(), key


def read_parts(path):
    """(metadata, tensors) of a file, read with safetensors alone."""
    with safetensors.safe_open(path, framework="np") as f:
        return dict(f.metadata()), {k: f.get_tensor(k) for k in f.keys()}


def reference_digest(meta, tensors):
    """The digest as documented, written independently of deepgrad.saving.save_load."""
    codes = {"float32": "F32", "float64": "F64", "int64": "I64", "int32": "I32"}
    h = hashlib.sha256()

    def put(blob):
        h.update(struct.pack("<Q", len(blob)) + blob)

    entries = sorted((k, v) for k, v in meta.items() if k != "digest")
    h.update(struct.pack("<Q", len(entries)))
    for key, value in entries:
        put(key.encode())
        put(value.encode())
    h.update(struct.pack("<Q", len(tensors)))
    for name in sorted(tensors):
        array = tensors[name]
        put(name.encode())
        put(codes[array.dtype.name].encode())
        h.update(struct.pack(f"<{array.ndim + 1}Q", array.ndim, *array.shape))
        put(array.astype(array.dtype.newbyteorder("<")).tobytes())
    return h.hexdigest()


def craft(path, meta=None, tensors=None, drop=(), fix_digest=True):
    """Rewrite a valid file with changed metadata/tensors and (by default) a matching digest."""
    old_meta, old_tensors = read_parts(path)
    old_meta.update(meta or {})
    old_tensors.update(tensors or {})
    for key in drop:
        old_meta.pop(key, None)
        old_tensors.pop(key, None)
    if fix_digest:
        old_meta["digest"] = reference_digest(old_meta, old_tensors)
    with open(path, "wb") as f:
        f.write(safetensors.numpy.save(old_tensors, metadata=old_meta))
    return path


def config_with(path, edit):
    config = json.loads(read_parts(path)[0]["config"])
    edit(config)
    return json.dumps(config)


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "model.safetensors"
    model = train(make_model())
    save_model(model, path)
    return model, str(path)


def refused(path, *words, compile=True):
    with pytest.raises(ModelFileError) as info:
        load_model(path, compile=compile)
    message = str(info.value)
    assert message.startswith(f"cannot load {str(path)!r}: ") and message.endswith(".")
    assert "\n" not in message
    for word in words:
        assert word in message, message
    return message


# ---------------------------------------------------------------- round trips


def test_round_trip_is_bitwise(saved):
    model, path = saved
    restored = load_model(path)
    assert type(restored) is Sequential and restored.compiled
    assert restored.get_config() == model.get_config()
    assert restored.compile_config == model.compile_config
    assert_same_weights(model, restored)
    assert_same_state(model, restored)
    assert restored.predict(X).tobytes() == model.predict(X).tobytes()


def test_the_digest_follows_the_documented_algorithm(saved):
    meta, tensors = read_parts(saved[1])
    assert meta["format"] == "deepgrad.model" and meta["format_version"] == io.FORMAT_VERSION
    assert meta["digest"] == reference_digest(meta, tensors)
    assert sorted(k for k in tensors if k.startswith("weights/")) == sorted(
        f"weights/{w.path}" for w in saved[0].weights)  # saved under their paths
    assert json.loads(meta["weight_names"]) == [w.path for w in saved[0].weights]


@pytest.mark.parametrize("optimizer", [
    "adam", "nadam", "rmsprop", "adagrad", "adadelta",
    {"class_name": "SGD", "config": {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}},
    {"class_name": "AdamW", "config": {"learning_rate": {
        "class_name": "ExponentialDecay",
        "config": {"initial_learning_rate": 0.01, "decay_steps": 2, "decay_rate": 0.5}}}},
])
def test_training_continues_bitwise_identically(tmp_path, optimizer):
    model = train(make_model(optimizer))
    save_model(model, tmp_path / "m.safetensors")
    restored = load_model(tmp_path / "m.safetensors")
    assert_same_state(model, restored)
    train(model)
    train(restored)
    assert_same_weights(model, restored)
    assert_same_state(model, restored)


@pytest.mark.parametrize("layers", [
    lambda: [Input((2, 2)), Flatten(), Dense(6, "relu", seed=0), Dropout(0.5, seed=1),
             LeakyReLU(0.2), Dense(3, seed=2)],
    lambda: [Residual([Dense(4, "tanh", seed=3), BatchNormalization()]), ELU(),
             Residual(Dense(5, seed=4), seed=5), Activation("softmax"), Dense(3, seed=6)],
], ids=["flatten_dropout", "residual"])
def test_every_layer_kind_round_trips(tmp_path, layers):
    model = Sequential(layers())
    model.compile(optimizer="rmsprop", loss="mse", metrics=["mae", BinaryAccuracy(threshold=0.3)])
    x = X.reshape(24, 2, 2) if isinstance(model._layers[0], InputLayer) else X
    model.fit(x, Y, batch_size=8, epochs=2, verbose=0, seed=0)
    save_model(model, tmp_path / "m.safetensors")
    restored = load_model(tmp_path / "m.safetensors")
    assert restored.compile_config == model.compile_config
    assert_same_weights(model, restored)
    assert_same_state(model, restored)
    assert restored.predict(x).tobytes() == model.predict(x).tobytes()
    assert [type(m) for m in restored.metrics] == [type(m) for m in model.metrics]


def test_float64_model_round_trip(tmp_path):
    model = train(make_model(dtype="float64"))
    save_model(model, tmp_path / "m.safetensors")
    restored = load_model(tmp_path / "m.safetensors")
    assert restored.weights[0].dtype == np.float64
    assert_same_weights(model, restored)


def test_compile_false_and_uncompiled_models(tmp_path):
    path = tmp_path / "m.safetensors"
    save_model(train(make_model()), path)
    assert not load_model(path, compile=False).compiled
    plain = Sequential([Input((4,)), Dense(2, seed=0)])
    save_model(plain, path)
    restored = load_model(path)
    assert not restored.compiled and restored.optimizer is None
    assert_same_weights(plain, restored)


def test_unbuilt_model_round_trip(tmp_path):
    model = Sequential([Dense(2, seed=0)])
    save_model(model, tmp_path / "m.safetensors")
    restored = load_model(tmp_path / "m.safetensors")
    assert not restored.built and restored.weights == []
    assert restored.predict(X).shape == (24, 2)


def test_saving_over_the_file_loaded_from(saved):
    _, path = saved
    restored = train(load_model(path))
    save_model(restored, path)
    again = load_model(path)
    assert_same_weights(restored, again)
    assert_same_state(restored, again)


def test_a_model_subclass_saves_while_it_is_registered(tmp_path):
    class MySequential(Sequential):
        pass

    model = MySequential([Input((2,)), Dense(1, seed=0)])
    save_model(model, tmp_path / "m.safetensors")
    restored = load_model(tmp_path / "m.safetensors")
    assert type(restored) is MySequential and restored.get_weights()[0].tolist() == model.get_weights()[0].tolist()
    dg.layers.LAYERS.unregister("MySequential")  # as in a process that never defined it
    refused(tmp_path / "m.safetensors", "'MySequential' is not one of deepgrad's models")
    with pytest.raises(TypeError, match="MySequential"):
        save_model(model, tmp_path / "other.safetensors")
    assert not (tmp_path / "other.safetensors").exists()


# ---------------------------------------------------------------- weights only


def test_weights_round_trip_from_weights_and_model_files(tmp_path, saved):
    model, model_path = saved
    save_weights(model, tmp_path / "w.safetensors")
    for path in (tmp_path / "w.safetensors", model_path):
        other = make_model()
        load_weights(other, path)
        assert_same_weights(model, other, names=False)
    refused(tmp_path / "w.safetensors", "only weights", "load_weights")


@pytest.mark.parametrize("other, words", [
    (lambda: Sequential([Input((4,)), Dense(5, seed=0), BatchNormalization(), PReLU(), Dense(2)]),
     ["weight 7", "'dense_", "(5, 3)", "(5, 2)"]),
    (lambda: Sequential([Input((4,)), Dense(5, seed=0), BatchNormalization(), PReLU()]),
     ["the file's weight 7", "file has 9 weights and the model 7"]),
    (lambda: Sequential([Input((4,)), Dense(5, seed=0), BatchNormalization(), PReLU(), Dense(3),
                         Dense(1)]),
     ["the model's weight 9", "file has 9 weights and the model 11"]),
    (lambda: make_model(dtype="float64"), ["weight 0", "float32", "float64"]),
])
def test_load_weights_names_the_first_mismatch_and_changes_nothing(saved, other, words):
    model = other()
    before = [w.data.copy() for w in model.weights]
    with pytest.raises(ModelFileError) as info:
        load_weights(model, saved[1])
    for word in words:
        assert word in str(info.value), str(info.value)
    assert all(np.array_equal(a, w.data) for a, w in zip(before, model.weights))


# ---------------------------------------------------------------- atomic writes


def _boom(*args, **kwargs):
    raise OSError("disk on fire")


@pytest.mark.parametrize("where", ["get_config", "state_dict", "safetensors", "write", "fsync",
                                   "chmod", "replace", "interrupt"])
def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, where):
    path = tmp_path / "m.safetensors"
    old = make_model()
    save_model(old, path)
    before = path.read_bytes()
    model = train(make_model())
    if where == "get_config":
        monkeypatch.setattr(model, "get_config", _boom)
    elif where == "state_dict":
        monkeypatch.setattr(model.optimizer, "state_dict", _boom)
    elif where == "safetensors":
        monkeypatch.setattr(safetensors.numpy, "save", _boom)
    elif where == "write":  # half the bytes reach the temporary file, then the disk fills up
        real_fdopen = os.fdopen

        class HalfWriter:
            def __init__(self, file):
                self.file = file

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.file.close()

            def write(self, data):
                self.file.write(data[: len(data) // 2])
                self.file.flush()
                assert len(os.listdir(tmp_path)) == 2  # the temporary exists beside the target
                raise OSError("no space left on device")

        monkeypatch.setattr(os, "fdopen", lambda *a, **k: HalfWriter(real_fdopen(*a, **k)))
    elif where == "interrupt":
        def interrupt(fd):
            raise KeyboardInterrupt

        monkeypatch.setattr(os, "fsync", interrupt)
    else:
        monkeypatch.setattr(os, where, _boom)
    with pytest.raises((OSError, KeyboardInterrupt)):
        save_model(model, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["m.safetensors"]
    assert path.read_bytes() == before
    assert_same_weights(old, load_model(path))


def test_saving_onto_a_folder_or_into_a_missing_one_fails_cleanly(tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(OSError):
        save_model(make_model(), tmp_path / "folder")
    with pytest.raises(FileNotFoundError):
        save_model(make_model(), tmp_path / "missing" / "m.safetensors")
    assert os.listdir(tmp_path) == ["folder"] and os.listdir(tmp_path / "folder") == []


def test_save_syncs_the_file_and_its_folder(tmp_path, monkeypatch):
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(os.fstat(fd).st_mode) or
                        real_fsync(fd))
    save_weights(make_model(), tmp_path / "w.safetensors")
    kinds = [("dir" if stat.S_ISDIR(m) else "file") for m in synced]
    assert kinds == (["file", "dir"] if os.name == "posix" else ["file"])


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_permissions_follow_umask_or_the_replaced_file(tmp_path):
    old_mask = os.umask(0o027)
    try:
        save_weights(make_model(), tmp_path / "new.safetensors")
    finally:
        os.umask(old_mask)
    assert (tmp_path / "new.safetensors").stat().st_mode & 0o777 == 0o640
    os.chmod(tmp_path / "new.safetensors", 0o604)
    save_weights(make_model(), tmp_path / "new.safetensors")
    assert (tmp_path / "new.safetensors").stat().st_mode & 0o777 == 0o604


# ---------------------------------------------------------------- hostile and broken files


@pytest.mark.parametrize("class_name", ["os.system", "builtins.eval", "__import__", "Tensor"])
def test_a_layer_class_outside_the_registry_is_refused(saved, class_name):
    def edit(config):
        config["layers"][1]["class_name"] = class_name
        config["layers"][1]["config"] = {"command": "touch pwned"}

    craft(saved[1], meta={"config": config_with(saved[1], edit)})
    refused(saved[1], "architecture config", f"unknown layer {class_name!r}. Valid names: ")


def test_a_model_class_outside_the_registry_is_refused(saved):
    craft(saved[1], meta={"model_class": "builtins.eval"})
    refused(saved[1], "model class 'builtins.eval'")


@pytest.mark.parametrize("part, value", [
    ("optimizer", {"class_name": "os.system", "config": {}}),
    ("optimizer", "builtins.eval"),
    ("loss", {"class_name": "subprocess.Popen", "config": {}}),
    ("loss", "os.system"),
    ("metrics", ["builtins.exec"]),
    ("metrics", [{"class_name": "os.system", "config": {}}]),
])
def test_compile_classes_outside_the_registries_are_refused(saved, part, value):
    settings = json.loads(read_parts(saved[1])[0]["compile_config"])
    settings[part] = value
    craft(saved[1], meta={"compile_config": json.dumps(settings)})
    refused(saved[1], "compile config cannot be restored")
    load_model(saved[1], compile=False)  # the architecture alone is still fine


def test_code_like_strings_are_never_evaluated(saved, tmp_path):
    marker = tmp_path / "pwned"
    code = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    craft(saved[1], meta={"extra": code, "__init__": code, "model_class ": code})
    load_model(saved[1])  # unknown metadata entries are ignored, never evaluated

    original = read_parts(saved[1])[0]["config"]
    for key, words in (("name", "name must be"), ("activation", "unknown activation")):
        def edit(config):
            config["layers"][1]["config"][key] = code

        craft(saved[1], meta={"config": config_with(saved[1], edit)})
        refused(saved[1], words)
        craft(saved[1], meta={"config": original})
    assert not marker.exists()


def test_loading_never_unpickles(saved, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("pickle was called")

    for name in ("loads", "load", "Unpickler"):
        monkeypatch.setattr(f"pickle.{name}", forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    load_model(saved[1])
    load_weights(make_model(), saved[1])


@pytest.mark.parametrize("payload, words", [
    (b"\x80\x04K\x01.", ["pickle file", "never unpickles"]),  # pickle.dumps(1)
    (b"\x80\x02cposix\nsystem\nX\x0b\x00\x00\x00touch pwnedq\x00\x85q\x01Rq\x02.", ["pickle"]),
    (b"PK\x03\x04" + bytes(40), ["zip archive"]),
    (b"\x93NUMPY\x01\x00", ["NumPy"]),
    (b"", ["the file is empty"]),
    (b"{}", ["too short"]),
    (b"hello, I am a text file with some words", ["truncated or not a safetensors"]),
    (struct.pack("<Q", 4) + b"[1] ", ["not a valid JSON object"]),
    (struct.pack("<Q", 8) + b"{\"a\":1} ", ["not a deepgrad model file"]),
    (struct.pack("<Q", 2) + b"\xff\xfe", ["not a valid JSON object"]),
    (struct.pack("<Q", 2) + b"{}", ["not a deepgrad model file"]),
])
def test_files_that_are_not_deepgrad_files(tmp_path, payload, words):
    path = tmp_path / "m.safetensors"
    path.write_bytes(payload)
    refused(path, *words)
    assert not (tmp_path / "pwned").exists()


def test_a_plain_safetensors_file_is_refused(tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(safetensors.numpy.save({"w": np.ones(3)}, metadata={"author": "me"}))
    refused(path, "not a deepgrad model file")


def test_directory_and_missing_file(tmp_path):
    refused(tmp_path, "directory")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "nothing.safetensors")


def test_one_flipped_byte_in_tensor_data_fails_the_digest(saved):
    data = bytearray(open(saved[1], "rb").read())
    data[-3] ^= 0x01
    open(saved[1], "wb").write(bytes(data))
    refused(saved[1], "SHA-256 digest does not match")
    with pytest.raises(ModelFileError, match="digest"):
        load_weights(make_model(), saved[1])


def test_altered_metadata_fails_the_digest(saved):
    settings = json.loads(read_parts(saved[1])[0]["compile_config"])
    settings["optimizer"]["config"]["learning_rate"] = 0.5
    craft(saved[1], meta={"compile_config": json.dumps(settings)}, fix_digest=False)
    refused(saved[1], "digest")


def test_truncation_at_every_kind_of_point(saved):
    data = open(saved[1], "rb").read()
    header_end = 8 + struct.unpack("<Q", data[:8])[0]
    for size in sorted({0, 1, 7, 8, 9, 40, header_end - 1, header_end, header_end + 1,
                        (header_end + len(data)) // 2, len(data) - 1}):
        with open(saved[1], "wb") as f:
            f.write(data[:size])
        refused(saved[1])


@pytest.mark.parametrize("change, words", [
    (dict(meta={"format_version": "3"}), ["format version '3'", "versions 1 and 2"]),
    (dict(drop=["format_version"]), ["format version None"]),
    (dict(meta={"format": "keras"}), ["not a deepgrad model file"]),
    (dict(meta={"config": "{not json"}), ["'config' metadata is not valid JSON"]),
    (dict(meta={"config": "[" * 100000 + "]" * 100000}), ["not valid JSON"]),
    (dict(meta={"config": "[1, 2]"}), ["not a JSON object"]),
    (dict(drop=["config"]), ["no 'config' entry"]),
    (dict(meta={"weight_names": "{\"a\": 1}"}), ["not a list of strings"]),
    (dict(drop=["{w3}"]), ["tensor '{w3}'", "is missing"]),
    (dict(tensors={"{w1}": np.zeros(7, np.float32)}), ["weight 1", "(7,)"]),
    (dict(tensors={"{w0}": np.zeros((4, 5), np.float64)}),
     ["weight '{p0}' would be float32", "tensor '{w0}' is float64"]),
    (dict(tensors={"{w0}": np.zeros((4, 5), np.int32)}), ["tensor '{w0}' is int32"]),
    (dict(tensors={"weights/dense_99/kernel": np.zeros(1, np.float32)}), ["unexpected tensor"]),
    (dict(tensors={"extra": np.zeros(1, np.float32)}), ["unexpected tensor 'extra'"]),
    (dict(meta={"optimizer_state": "{\"iterations\": [\"object\", 1]}"}), ["optimizer state"]),
    (dict(meta={"optimizer_state": "{\"iterations\": [\"int64\", 1e400]}"}), ["optimizer state"]),
    (dict(meta={"optimizer_state": "{\"iterations\": [\"int64\", 99999999999999999999999]}"}),
     ["optimizer state"]),
    (dict(meta={"optimizer_state": "{\"iterations\": [\"float16\", 1e300]}"}),
     ["optimizer state"]),
    (dict(meta={"optimizer_state": "{\"iterations\": [\"int64\", -1]}"}), ["optimizer state"]),
    (dict(tensors={"optimizer/m/0": np.zeros(3, np.float32)}),
     ["optimizer tensor 'optimizer/m/0'", "Adam has no use for"]),
    (dict(tensors={"optimizer/os.system": np.zeros(3, np.float32)}),
     ["optimizer tensor 'optimizer/os.system'"]),
    (dict(meta={"compile_config": "{\"optimizer\": \"adam\", \"loss\": \"mse\", \"x\": 1}"}),
     ["compile config"]),
    (dict(meta={"model_class": "Residual"}), ["model class 'Residual'"]),
])
def test_malformed_content_is_refused(saved, change, words):
    keys = {f"{{w{i}}}": f"weights/{w.path}" for i, w in enumerate(saved[0].weights)}
    keys.update({f"{{p{i}}}": w.path for i, w in enumerate(saved[0].weights)})

    def named(text):  # "{w3}": the key of the model's weight 3
        for placeholder, key in keys.items():
            text = text.replace(placeholder, key)
        return text

    change = {kind: [named(k) for k in value] if kind == "drop" else
              {named(k): v for k, v in value.items()} for kind, value in change.items()}
    craft(saved[1], **change)
    refused(saved[1], *[named(w) for w in words])


def test_a_header_size_whose_first_byte_is_a_pickles_is_not_called_a_pickle(saved):
    """0x80 starts a pickle, and also the size of a 128-byte (or 384-, 640-...) header."""
    header = b'{"__metadata__":{"format":"x",}}'
    header += b" " * (0x80 - len(header))
    path = saved[1]
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header)
    refused(path, "not a valid JSON object")


def test_duplicate_json_keys_are_refused(saved):
    data = open(saved[1], "rb").read()
    size = struct.unpack("<Q", data[:8])[0]
    header = data[8:8 + size].replace(b'"__metadata__":{', b'"__metadata__":{"format":"x",', 1)
    header += b" " * (-len(header) % 8)
    with open(saved[1], "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + data[8 + size:])
    refused(saved[1], "not a valid JSON object")


def test_whitespace_in_the_header_padding_is_harmless(saved):
    data = open(saved[1], "rb").read()
    end = 8 + struct.unpack("<Q", data[:8])[0]
    for blank in (b" ", b"\t", b"\n", b"\r"):  # safetensors pads its header with spaces
        header = data[8:end] + b" " * 7 + blank
        with open(saved[1], "wb") as f:
            f.write(struct.pack("<Q", len(header)) + header + data[end:])
        assert_same_weights(saved[0], load_model(saved[1]))


@pytest.mark.parametrize("low_byte", [0x80, 0x50, 0x93])  # pickle, zip and npy first bytes
def test_a_header_size_that_starts_like_another_format_still_loads(saved, low_byte):
    data = open(saved[1], "rb").read()
    end = 8 + struct.unpack("<Q", data[:8])[0]
    header = data[8:end]
    header += b" " * ((low_byte - len(header)) % 256)
    with open(saved[1], "wb") as f:
        f.write(struct.pack("<Q", len(header)) + header + data[end:])
    assert open(saved[1], "rb").read(1)[0] == low_byte
    assert_same_weights(saved[0], load_model(saved[1]))


def test_messages_are_one_line(saved):
    def edit(config):
        config["layers"][1]["class_name"] = "Evil\nClass\r\n"

    craft(saved[1], meta={"config": config_with(saved[1], edit)})
    refused(saved[1], "unknown layer 'Evil\\nClass\\r\\n'. Valid names: ")


def test_long_values_from_a_file_are_cut_in_messages(saved):
    craft(saved[1], meta={"format_version": "9" * 10000})
    assert len(refused(saved[1], "format version '999")) < 300


# ---------------------------------------------------------------- fuzzing


def _reference_file():
    if not hasattr(_reference_file, "cache"):
        model = train(make_model("nadam"))
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "m.safetensors")
            save_model(model, path)
            _reference_file.cache = (model, open(path, "rb").read())
    return _reference_file.cache


def _header_size():
    return 8 + struct.unpack("<Q", _reference_file()[1][:8])[0]


corruptions = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1, exclude_max=True)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1, exclude_max=True),
                                                  st.integers(1, 255)), min_size=1, max_size=4)),
    st.tuples(st.just("flip header"), st.lists(st.tuples(st.floats(0, 1, exclude_max=True),
                                                         st.integers(1, 255)), min_size=1,
                                               max_size=3)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corruptions)
def test_corruption_gives_model_file_error_or_the_same_model(corruption):
    model, data = _reference_file()
    kind, how = corruption
    if kind == "truncate":
        data = data[: int(how * len(data))]
    else:
        span = _header_size() if kind == "flip header" else len(data)
        data = bytearray(data)
        for where, mask in how:
            data[int(where * span)] ^= mask
        data = bytes(data)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.safetensors")
        with open(path, "wb") as f:
            f.write(data)
        try:
            restored = load_model(path)
        except ModelFileError:
            return
    assert restored.get_config() == model.get_config()
    assert restored.compile_config == model.compile_config
    assert_same_weights(model, restored)
    assert_same_state(model, restored)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 8) | st.floats(allow_nan=True)
    | st.sampled_from(["", "relu", "Dense", "os.system", "float64", "sgd", "mse", "m/0"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["class_name", "config", "units", "name", "x"]), inner, max_size=3),
    max_leaves=6,
)


def _json_paths(value, prefix=()):
    yield prefix
    if isinstance(value, (dict, list)):
        for key, item in value.items() if isinstance(value, dict) else enumerate(value):
            yield from _json_paths(item, prefix + (key,))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry=st.sampled_from(["config", "compile_config", "optimizer_state", "weight_names"]),
       where=st.floats(0, 1, exclude_max=True), delete=st.booleans(), value=json_values)
def test_edited_json_with_a_valid_digest_never_escapes_as_another_error(entry, where, delete,
                                                                          value):
    """What an attacker who recomputes the digest can do: only ModelFileError or a model."""
    data = _reference_file()[1]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "m.safetensors")
        with open(path, "wb") as f:
            f.write(data)
        document = json.loads(read_parts(path)[0][entry])
        paths = list(_json_paths(document))
        *parents, last = paths[int(where * len(paths))] or (None,)
        if last is None:
            document = value
        else:
            parent = document
            for key in parents:
                parent = parent[key]
            if delete:
                del parent[last]
            else:
                parent[last] = value
        craft(path, meta={entry: json.dumps(document)})
        try:
            load_model(path)
        except ModelFileError:
            pass


def test_model_file_error_is_a_value_error_exported_at_top_level():
    assert issubclass(ModelFileError, ValueError)
    error = copy.copy(ModelFileError("m.safetensors", "the file is empty"))
    assert (error.path, error.problem) == ("m.safetensors", "the file is empty")
    assert dg.ModelFileError is ModelFileError and dg.load_model is io.load_model


def test_a_model_file_of_format_version_1_still_loads():
    """tests/data/model_format_1.safetensors was written by deepgrad before weights were keyed
    by name: Flatten, Dense + L2, BatchNormalization, Dropout, Residual, PReLU, LeakyReLU, ELU
    and a softmax output, trained two epochs with Adam."""
    path = Path(__file__).parent / "data" / "model_format_1.safetensors"
    model = dg.load_model(path)
    x = np.random.default_rng(0).normal(size=(64, 2, 3)).astype(np.float32)
    expected = np.array([[0.26483497, 0.4070398, 0.32812524],
                         [0.36754563, 0.3421363, 0.29031804],
                         [0.31360233, 0.40733063, 0.27906698],
                         [0.35694867, 0.3386672, 0.30438414]], dtype=np.float32)
    # to rounding: NumPy's float32 exp and tanh differ in the last place between CPUs
    np.testing.assert_allclose(model.predict(x[:4]), expected, rtol=1e-6)
    assert model.optimizer.iterations == 8
    assert [w.path for w in model.weights][:2] == ["dense/kernel", "dense/bias"]
    y = np.random.default_rng(0).integers(0, 3, size=64)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0, seed=0)
    assert model.optimizer.iterations == 12


def test_weights_are_matched_by_name_whatever_their_order(tmp_path):
    model = train(make_model())
    path = tmp_path / "w.safetensors"
    save_weights(model, path)
    meta, tensors = read_parts(path)
    names = json.loads(meta["weight_names"])
    craft(path, meta={"weight_names": json.dumps(names[::-1])})  # the same weights, listed backwards
    other = make_model()
    other(np.zeros((1, 4), np.float32))
    for mine, theirs in zip(other.weights, model.weights):
        mine.path = theirs.path
    load_weights(other, path)
    assert all(np.array_equal(a.data, b.data) for a, b in zip(other.weights, model.weights))


def test_a_model_whose_weights_share_a_name_is_not_saved(tmp_path):
    model = Sequential([Input((2,)), Dense(2, name="twin"), dg.layers.Residual(Dense(2, name="twin"))])
    with pytest.raises(ValueError, match="two of its weights have the path 'twin/kernel'"):
        save_model(model, tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def test_a_sequential_model_refuses_a_second_layer_of_the_same_name():
    model = Sequential([Dense(2, name="hidden")])
    with pytest.raises(ValueError, match="unique names: 'hidden'"):
        model.add(Dense(3, name="hidden"))


def test_a_layer_registered_the_keras_way_saves_and_loads(tmp_path):
    @dg.saving.register_keras_serializable(package="tests")
    class TimesTwo(dg.layers.Layer):
        def call(self, inputs):
            return inputs * 2.0

    model = Sequential([Input((2,)), TimesTwo(), Dense(1, seed=0)])
    model.save(tmp_path / "m.safetensors")
    restored = load_model(tmp_path / "m.safetensors")
    assert type(restored.layers[0]) is TimesTwo
    x = np.ones((3, 2), np.float32)
    assert restored.predict(x).tobytes() == model.predict(x).tobytes()
    with pytest.raises(TypeError, match="package must be a string"):
        dg.saving.register_keras_serializable(package=1)


def test_a_keras_file_name_gets_deepgrads_file_and_a_warning_once(tmp_path):
    from deepgrad.saving.keras_names import KerasFileNameWarning

    model = make_model()
    with pytest.warns(KerasFileNameWarning, match="holds a deepgrad safetensors model file, not Keras's .keras format"):
        model.save(tmp_path / "model.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.save(tmp_path / "model.keras")  # said once per path
    restored = load_model(tmp_path / "model.keras")
    assert restored.get_weights()[0].tobytes() == model.get_weights()[0].tobytes()
    with pytest.warns(KerasFileNameWarning, match="model.load_weights"):
        model.save_weights(tmp_path / "model.weights.h5")
