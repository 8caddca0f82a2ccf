"""Tests for deepgrad.utils: Keras's utilities (to_categorical, normalize, pad_sequences,
set_random_seed, get_file, model_to_dot, plot_model).

The golden values of to_categorical, normalize and pad_sequences are Keras 3.15's results (JAX
backend, NumPy inputs) for the same calls, printed with ``tolist()`` and compared exactly.
"""

from __future__ import annotations

import hashlib
import io
import random
import shutil
import subprocess
import sys
import tarfile
import zipfile

import numpy as np
import pytest

import deepgrad as dg
from deepgrad import Input, Model, Sequential
from deepgrad.layers import Concatenate, Dense
from deepgrad.utils import (
    get_file,
    model_to_dot,
    normalize,
    pad_sequences,
    plot_model,
    set_random_seed,
    to_categorical,
)
from deepgrad.utils.dot import Digraph, quote

HAS_DOT = shutil.which("dot") is not None


def test_the_package_exports_keras_names_and_is_reachable_from_deepgrad():
    assert sorted(dg.utils.__all__) == ["Tokenizer", "get_file", "model_to_dot", "normalize",
                                        "pad_sequences", "plot_model",
                                        "register_keras_serializable", "set_random_seed",
                                        "timeseries_windows", "to_categorical"]
    assert dg.utils.to_categorical is to_categorical


def test_importing_deepgrad_imports_no_plotting_or_notebook_package():
    code = ("import sys, deepgrad; print([m for m in ('IPython', 'pydot', 'graphviz', 'matplotlib') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ to_categorical


@pytest.mark.parametrize("x, num_classes, shape, expected", [
    ([0, 2, 1, 2], None, (4, 3), [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 1]]),
    (np.array([[1], [0], [3]]), 5, (3, 5), [[0, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 0, 1, 0]]),
    (np.array([[0, 1], [2, 1]]), None, (2, 2, 3),
     [[[1, 0, 0], [0, 1, 0]], [[0, 0, 1], [0, 1, 0]]]),
    (np.array(2), 3, (3,), [0, 0, 1]),
    ([1.0, 0.0], None, (2, 2), [[0, 1], [1, 0]]),
    (np.array([[[1], [0]]]), None, (1, 2, 2), [[[0, 1], [1, 0]]]),
])
def test_to_categorical_gives_keras_results(x, num_classes, shape, expected):
    result = to_categorical(x, num_classes)
    assert result.dtype == np.float64 and result.shape == shape  # Keras's for NumPy inputs
    np.testing.assert_array_equal(result, expected)


def test_to_categorical_names_the_first_label_out_of_range():
    with pytest.raises(ValueError, match=r"^x must lie in \[0, 3\); x\[1\] is -1$"):
        to_categorical([0, -1, 5], 3)  # Keras wraps -1 around to the last class
    with pytest.raises(ValueError, match=r"x\[2, 0\] is 4"):
        to_categorical(np.array([[0], [1], [4]]), num_classes=4)  # Keras: an IndexError
    with pytest.raises(TypeError, match=r"x must be integers; x\[1\] is 0.5"):
        to_categorical([1.0, 0.5])  # Keras truncates to 0
    with pytest.raises(TypeError, match="x must be integers; got strings"):
        to_categorical(["cat", "dog"])
    with pytest.raises(ValueError, match="num_classes must be an int >= 1; got 0"):
        to_categorical([0], 0)
    with pytest.raises(TypeError, match="num_classes must be an int >= 1; got str '3'"):
        to_categorical([0], "3")


def test_to_categorical_computes_its_rows_with_data_one_hot():
    labels = np.array([[2], [0]])
    np.testing.assert_array_equal(to_categorical(labels, 3), dg.data.one_hot(labels, 3))
    with pytest.raises(ValueError, match=r"labels\[1, 0\] is 3"):
        dg.data.one_hot(np.array([[0], [3]]), 3)


# ------------------------------------------------------------------ normalize

_X = np.array([[3.0, 4.0, 0.0], [1.0, -2.0, 2.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("x, kwargs, expected", [
    (_X, {}, [[0.6, 0.8, 0.0], [0.3333333333333333, -0.6666666666666666, 0.6666666666666666],
              [0.0, 0.0, 0.0]]),
    (_X, {"order": 1}, [[0.42857142857142855, 0.5714285714285714, 0.0], [0.2, -0.4, 0.4],
                        [0.0, 0.0, 0.0]]),
    (_X, {"axis": 1, "order": np.inf}, [[0.75, 1.0, 0.0], [0.5, -1.0, 1.0], [0.0, 0.0, 0.0]]),
    (_X, {"order": 3}, [[0.6669717773118556, 0.8892957030824742, 0.0],
                        [0.3889111187328203, -0.7778222374656406, 0.7778222374656406],
                        [0.0, 0.0, 0.0]]),
    (np.array([[1, 2, 2]]), {}, [[0.3333333333333333, 0.6666666666666666, 0.6666666666666666]]),
    (np.arange(24.0).reshape(2, 3, 4) - 5, {"axis": 1},
     [[[-0.8451542547285166, -0.7071067811865475, -0.50709255283711, -0.30151134457776363],
       [-0.1690308509457033, 0.0, 0.1690308509457033, 0.30151134457776363],
       [0.50709255283711, 0.7071067811865475, 0.8451542547285166, 0.9045340337332909]],
      [[0.3522082237986393, 0.3713906763541037, 0.3876574430285532, 0.4016096644512494],
       [0.5534700659692904, 0.5570860145311556, 0.5599496399301324, 0.5622535302317492],
       [0.7547319081399414, 0.7427813527082074, 0.7322418368317116, 0.722897396012249]]]),
])
def test_normalize_gives_keras_results(x, kwargs, expected):
    result = normalize(x, **kwargs)
    assert result.dtype == np.float64
    assert result.tolist() == expected


def test_normalize_keeps_float32_as_keras_does():
    result = normalize(_X.astype(np.float32))
    assert result.dtype == np.float32
    assert result.tolist() == [[0.6000000238418579, 0.800000011920929, 0.0],
                               [0.3333333432674408, -0.6666666865348816, 0.6666666865348816],
                               [0.0, 0.0, 0.0]]


def test_normalize_works_along_every_axis_and_keeps_the_shape():
    # Keras fails with axis=0 and returns shape (1, n) for a 1-D input.
    np.testing.assert_array_equal(normalize(_X, axis=0), normalize(_X.T).T)
    np.testing.assert_array_equal(normalize(np.array([3.0, 4.0])), [0.6, 0.8])
    np.testing.assert_allclose(normalize(_X, axis=None), _X / np.sqrt((_X ** 2).sum()))


@pytest.mark.parametrize("kwargs, error, message", [
    ({"axis": 2}, ValueError, r"axis must be in \[-2, 2\) for x of shape \(3, 3\); got 2"),
    ({"axis": 1.0}, TypeError, "axis must be an int or None; got float 1.0"),
    ({"order": 0}, ValueError, "order must be a number >= 1 or inf; got int 0"),
    ({"order": "fro"}, ValueError, "order must be a number >= 1 or inf; got str 'fro'"),
])
def test_normalize_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        normalize(_X, **kwargs)


def test_normalize_rejects_non_numbers():
    with pytest.raises(TypeError, match="x must be an array of numbers; got dtype <U1"):
        normalize([["a"]])


# ------------------------------------------------------------------ set_random_seed


def test_set_random_seed_is_set_seed_and_leaves_global_random_state_alone():
    numpy_state, python_state = np.random.get_state(), random.getstate()
    set_random_seed(3)
    first = Dense(4)(np.ones((1, 2))).data
    set_random_seed(3)
    again = Dense(4)(np.ones((1, 2))).data
    dg.set_seed(3)
    third = Dense(4)(np.ones((1, 2))).data
    np.testing.assert_array_equal(first, again)
    np.testing.assert_array_equal(first, third)
    after = np.random.get_state()
    assert after[0] == numpy_state[0] and np.array_equal(after[1], numpy_state[1])
    assert random.getstate() == python_state


def test_set_random_seed_rejects_what_is_not_a_seed():
    with pytest.raises(ValueError, match="seed must be a non-negative int; got -1"):
        set_random_seed(-1)
    with pytest.raises(TypeError, match="seed must be an int; got float"):
        set_random_seed(1.5)


# ------------------------------------------------------------------ pad_sequences

_SEQS = [[1], [2, 3], [4, 5, 6]]


@pytest.mark.parametrize("sequences, kwargs, dtype, expected", [
    (_SEQS, {}, "int32", [[0, 0, 1], [0, 2, 3], [4, 5, 6]]),
    (_SEQS, {"padding": "post"}, "int32", [[1, 0, 0], [2, 3, 0], [4, 5, 6]]),
    (_SEQS, {"maxlen": 2}, "int32", [[0, 1], [2, 3], [5, 6]]),
    (_SEQS, {"maxlen": 2, "truncating": "post"}, "int32", [[0, 1], [2, 3], [4, 5]]),
    (_SEQS, {"maxlen": 4, "padding": "post", "value": -1}, "int32",
     [[1, -1, -1, -1], [2, 3, -1, -1], [4, 5, 6, -1]]),
    ([[1.5], [2.5, 3.5]], {"dtype": "float32", "value": 0.5}, "float32", [[0.5, 1.5], [2.5, 3.5]]),
    ([[1.5], [2.7, 3.5]], {}, "int32", [[0, 1], [2, 3]]),
    ([[], [1, 2]], {}, "int32", [[0, 0], [1, 2]]),
    ([[[1, 2]], [[3, 4], [5, 6]]], {}, "int32", [[[0, 0], [1, 2]], [[3, 4], [5, 6]]]),
    ([["a"], ["b", "c"]], {"dtype": object, "value": ""}, "object", [["", "a"], ["b", "c"]]),
    (np.array([[1, 2], [3, 4]]), {"maxlen": 3, "value": 9}, "int32", [[9, 1, 2], [9, 3, 4]]),
])
def test_pad_sequences_gives_keras_results(sequences, kwargs, dtype, expected):
    result = pad_sequences(sequences, **kwargs)
    assert result.dtype == np.dtype(dtype)
    assert result.tolist() == expected


def test_pad_sequences_edge_cases():
    assert pad_sequences([], maxlen=3).shape == (0, 3)  # as Keras
    assert pad_sequences([]).shape == (0, 0)  # Keras fails: the max of no lengths
    assert pad_sequences(_SEQS, maxlen=0).shape == (3, 0)  # Keras fails: s[-0:] is everything
    assert pad_sequences(iter(_SEQS)).tolist() == pad_sequences(_SEQS).tolist()  # Keras refuses


@pytest.mark.parametrize("args, kwargs, error, message", [
    ((_SEQS,), {"padding": "middle"}, ValueError, "padding must be 'pre' or 'post'; got 'middle'"),
    ((_SEQS,), {"truncating": "both"}, ValueError, "truncating must be 'pre' or 'post'; got 'both'"),
    ((_SEQS,), {"maxlen": -1}, ValueError, "maxlen must be an int >= 0; got -1"),
    ((_SEQS,), {"maxlen": 2.0}, TypeError, "maxlen must be an int >= 0; got float 2.0"),
    ((_SEQS,), {"dtype": "no-such-type"}, TypeError, "dtype must be a NumPy dtype"),
    ((_SEQS,), {"value": "x"}, ValueError, "value 'x' is a str, which dtype int32 cannot hold"),
    (([[1], 2],), {}, TypeError, r"sequences\[1\] must be a sequence .*; got int 2"),
    (("abc",), {}, TypeError, "sequences must be a list of sequences"),
    (([[[1, 2]], [[3, 4, 5]]],), {}, ValueError,
     r"the entries of sequences\[1\] have shape \(3,\), those of sequences\[0\] \(2,\)"),
    (([[2 ** 40]],), {}, ValueError, r"sequences\[0\] cannot be stored as int32"),
])
def test_pad_sequences_names_what_is_wrong(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        pad_sequences(*args, **kwargs)


# ------------------------------------------------------------------ get_file

ORIGIN = "https://example.org/data/numbers.csv"
CONTENT = b"1,2,3\n"


@pytest.fixture
def no_network(monkeypatch):
    """Fail any attempt to reach the network."""
    import socket
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("get_file tried to download")

    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    monkeypatch.setattr(urllib.request, "urlretrieve", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _cached(folder, name="numbers.csv", content=CONTENT, subdir="datasets"):
    path = folder / subdir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_get_file_returns_the_cached_file_after_checking_its_hash(tmp_path, no_network):
    path = _cached(tmp_path)
    sha256, md5 = hashlib.sha256(CONTENT).hexdigest(), hashlib.md5(CONTENT).hexdigest()
    assert get_file(origin=ORIGIN, cache_dir=str(tmp_path)) == str(path)
    assert get_file("numbers.csv", ORIGIN, file_hash=sha256, cache_dir=tmp_path) == str(path)
    assert get_file(origin=ORIGIN, file_hash=md5, cache_dir=tmp_path) == str(path)  # "auto"
    assert get_file(origin=ORIGIN, file_hash=sha256.upper(), cache_dir=tmp_path) == str(path)
    assert get_file(origin=ORIGIN, md5_hash=md5, cache_dir=tmp_path) == str(path)


def test_get_file_looks_in_deepgrad_home_then_in_the_home_folder(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv("DEEPGRAD_HOME", str(tmp_path / "custom"))
    path = _cached(tmp_path / "custom", subdir="tables")
    assert get_file(origin=ORIGIN, cache_subdir="tables") == str(path)
    monkeypatch.delenv("DEEPGRAD_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    path = _cached(tmp_path / "home" / ".deepgrad")
    assert get_file(origin=ORIGIN) == str(path)
    absolute = _cached(tmp_path / "elsewhere", subdir="")
    assert get_file(origin=ORIGIN, cache_subdir=str(absolute.parent)) == str(absolute)


def test_get_file_refuses_a_file_whose_hash_differs(tmp_path, no_network):
    path = _cached(tmp_path, content=b"1,2,3,4\n")
    expected = hashlib.sha256(CONTENT).hexdigest()
    actual = hashlib.sha256(b"1,2,3,4\n").hexdigest()
    with pytest.raises(ValueError) as caught:
        get_file(origin=ORIGIN, file_hash=expected, cache_dir=tmp_path)
    message = str(caught.value)
    assert f"the sha256 hash of {path} is {actual}, not the expected {expected}" in message
    assert ORIGIN in message


def test_get_file_never_downloads_and_says_where_to_put_the_file(tmp_path, no_network):
    with pytest.raises(FileNotFoundError) as caught:
        get_file(origin=ORIGIN, cache_dir=tmp_path)
    message = str(caught.value)
    assert message.startswith("deepgrad does not download files, and 'numbers.csv' is not in its cache")
    assert f"Download it from {ORIGIN} and save it as {tmp_path / 'datasets' / 'numbers.csv'};" in message
    assert not (tmp_path / "datasets").exists()  # nothing created either
    with pytest.raises(FileNotFoundError, match=r"save it as .*numbers\.csv_archive \(get_file "
                                                r"extracts it into .*numbers\.csv\)"):
        get_file(origin=ORIGIN, extract=True, cache_dir=tmp_path)
    with pytest.raises(ValueError, match="deepgrad never downloads"):
        get_file(origin=ORIGIN, cache_dir=tmp_path, force_download=True)


@pytest.mark.parametrize("kwargs, error, message", [
    ({}, ValueError, "get_file needs origin="),
    ({"origin": "https://example.org/"}, ValueError, "cannot take a file name from origin"),
    ({"origin": ORIGIN, "fname": "sub/numbers.csv"}, ValueError, "fname must be a file name without folders"),
    ({"origin": ORIGIN, "file_hash": "abc"}, ValueError, "file_hash must be a md5 digest: 32 hexadecimal digits"),
    ({"origin": ORIGIN, "file_hash": "z" * 64}, ValueError, "file_hash must be a sha256 digest"),
    ({"origin": ORIGIN, "hash_algorithm": "sha1"}, ValueError, "hash_algorithm must be 'auto', 'sha256' or 'md5'"),
    ({"origin": ORIGIN, "archive_format": "rar"}, ValueError, "archive_format must be 'auto', 'tar', 'zip'"),
    ({"origin": ORIGIN, "extract": "yes"}, TypeError, "extract must be True or False; got str 'yes'"),
    ({"origin": 42}, TypeError, "origin must be a str; got int 42"),
])
def test_get_file_checks_its_arguments_first(tmp_path, kwargs, error, message):
    with pytest.raises(error, match=message):
        get_file(cache_dir=tmp_path, **kwargs)


def _tar(path, members, mode="w:gz"):
    """A tar archive of ``(TarInfo, bytes)`` members."""
    with tarfile.open(path, mode) as archive:
        for info, data in members:
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def _file(name):
    return tarfile.TarInfo(name)


def test_get_file_extracts_archives_where_keras_does(tmp_path, no_network):
    folder = tmp_path / "datasets"
    folder.mkdir()
    _tar(folder / "digits.tar.gz", [(_file("digits/train.csv"), b"0,1\n")])
    extracted = get_file("digits.tar.gz", ORIGIN, extract=True, cache_dir=tmp_path)
    assert extracted == str(folder / "digits_extracted")
    assert (folder / "digits_extracted" / "digits" / "train.csv").read_bytes() == b"0,1\n"

    with zipfile.ZipFile(folder / "letters_archive", "w") as archive:
        archive.writestr("letters/a.txt", "a")
    extracted = get_file("letters", ORIGIN, extract=True, archive_format="zip", cache_dir=tmp_path)
    assert extracted == str(folder / "letters")
    assert (folder / "letters" / "letters" / "a.txt").read_text() == "a"

    _tar(folder / "numbers.csv_archive", [(_file("n.csv"), b"1\n")], mode="w")
    assert get_file(origin=ORIGIN, untar=True, cache_dir=tmp_path) == str(folder / "numbers.csv")
    assert (folder / "numbers.csv" / "n.csv").read_bytes() == b"1\n"

    (folder / "plain.txt").write_text("not an archive")
    with pytest.raises(ValueError, match="it is not a tar or zip archive"):
        get_file("plain.txt", ORIGIN, extract=True, cache_dir=tmp_path)


def _link(name, target, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


@pytest.mark.parametrize("member, why", [
    (_file("../escaped.txt"), "has a '..' component"),
    (_file("data/../../escaped.txt"), "has a '..' component"),
    (_file("/tmp/escaped.txt"), "has an absolute path"),
    (_link("data/link", "../../escaped.txt"), "is a link to '../../escaped.txt', outside the archive"),
    (_link("data/link", "/etc/passwd"), "is a link to '/etc/passwd', outside the archive"),
    (_link("data/hard", "../escaped.txt", tarfile.LNKTYPE),
     "is a link to '../escaped.txt', outside the archive"),
])
def test_get_file_refuses_a_hostile_tar_and_extracts_nothing(tmp_path, member, why, no_network):
    folder = tmp_path / "cache" / "datasets"
    folder.mkdir(parents=True)
    _tar(folder / "evil.tar.gz", [(_file("data/fine.txt"), b"fine"), (member, b"" if member.issym()
                                                                       or member.islnk() else b"x")])
    with pytest.raises(ValueError, match="refusing to extract") as caught:
        get_file("evil.tar.gz", ORIGIN, extract=True, cache_dir=tmp_path / "cache")
    assert f"its member {member.name!r} {why}" in str(caught.value)
    assert not (folder / "evil_extracted").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]


def test_get_file_refuses_a_hostile_zip(tmp_path, no_network):
    folder = tmp_path / "datasets"
    folder.mkdir()
    with zipfile.ZipFile(folder / "evil.zip", "w") as archive:
        archive.writestr("fine.txt", "fine")
        archive.writestr("../escaped.txt", "x")
    with pytest.raises(ValueError, match="its member '../escaped.txt' has a '..' component"):
        get_file("evil.zip", ORIGIN, extract=True, cache_dir=tmp_path)
    assert not (folder / "evil_extracted").exists() and not (tmp_path / "escaped.txt").exists()


# ------------------------------------------------------------------ quoting DOT text


def test_dot_quotes_escape_quotes_backslashes_and_line_breaks():
    assert quote('say "hi"') == '"say \\"hi\\""'
    assert quote("a\\b") == '"a\\\\b"'
    assert quote("two\nlines\r\nend") == '"two\\nlines\\nend"'
    graph = Digraph("g")
    graph.edge("a", "b")
    graph.edge("a", "b")  # once only
    assert graph.source() == 'digraph "g" {\n  "a" -> "b";\n}\n'


# ------------------------------------------------------------------ model_to_dot and plot_model

HEAD = ('  graph [rankdir="TB", concentrate="true", dpi="200", splines="ortho"];\n'
        '  node [shape="box", fontname="Helvetica"];\n')


def _sequential():
    return Sequential([Input((4,)), Dense(8, activation="relu", name="hidden"),
                       Dense(1, activation="sigmoid", name="out")], name="mlp")


def _two_inputs():
    left, right = Input((3,), name="left"), Input((3,), name="right")
    shared = Dense(4, activation="relu", name="shared")
    merged = Concatenate(name="merged")([shared(left), shared(right)])
    return Model([left, right], Dense(1, name="score")(merged), name="siamese")


def _nested():
    inner_input = Input((3,), name="inner_input")
    inner = Model(inner_input, Dense(2, name="inner_dense")(inner_input), name="inner")
    outer_input = Input((3,), name="outer_input")
    return Model(outer_input, Dense(1, name="head")(inner(outer_input)), name="outer")


def test_model_to_dot_draws_a_sequential_model_as_a_chain():
    text = model_to_dot(_sequential(), show_shapes=True, show_layer_activations=True)
    assert text == (
        'digraph "mlp" {\n' + HEAD +
        '  "hidden" [label="hidden (Dense)\\nActivation: relu\\nInput shape: (None, 4)\\n'
        'Output shape: (None, 8)"];\n'
        '  "out" [label="out (Dense)\\nActivation: sigmoid\\nInput shape: (None, 8)\\n'
        'Output shape: (None, 1)"];\n'
        '  "hidden" -> "out";\n'
        '}\n')


def test_model_to_dot_draws_a_shared_layer_once_with_an_arrow_per_call():
    text = model_to_dot(_two_inputs(), show_shapes=True, show_dtype=True)
    assert text == (
        'digraph "siamese" {\n' + HEAD +
        '  "left" [label="left (InputLayer)\\nOutput shape: (None, 3)\\nOutput dtype: float32"];\n'
        '  "right" [label="right (InputLayer)\\nOutput shape: (None, 3)\\nOutput dtype: float32"];\n'
        '  "shared" [label="shared (Dense)\\nInput shape: (None, 3)\\nOutput shape: (None, 4)\\n'
        'Output dtype: float32"];\n'
        '  "merged" [label="merged (Concatenate)\\nInput shape: [(None, 4), (None, 4)]\\n'
        'Output shape: (None, 8)\\nOutput dtype: float32"];\n'
        '  "score" [label="score (Dense)\\nInput shape: (None, 8)\\nOutput shape: (None, 1)\\n'
        'Output dtype: float32"];\n'
        '  "left" -> "shared";\n'
        '  "right" -> "shared";\n'
        '  "shared" -> "merged";\n'
        '  "merged" -> "score";\n'
        '}\n')


def test_a_nested_model_is_one_box_or_with_expand_nested_a_cluster():
    model = _nested()
    assert model_to_dot(model) == (
        'digraph "outer" {\n' + HEAD +
        '  "outer_input" [label="outer_input (InputLayer)"];\n'
        '  "inner" [label="inner (Functional)"];\n'
        '  "head" [label="head (Dense)"];\n'
        '  "outer_input" -> "inner";\n'
        '  "inner" -> "head";\n'
        '}\n')
    assert model_to_dot(model, expand_nested=True) == (
        'digraph "outer" {\n' + HEAD +
        '  "outer_input" [label="outer_input (InputLayer)"];\n'
        '  subgraph "cluster_inner" {\n'
        '    graph [label="inner", style="dashed", labeljust="l", fontname="Helvetica"];\n'
        '    "inner/inner_input" [label="inner_input (InputLayer)"];\n'
        '    "inner/inner_dense" [label="inner_dense (Dense)"];\n'
        '  }\n'
        '  "head" [label="head (Dense)"];\n'
        '  "inner/inner_input" -> "inner/inner_dense";\n'
        '  "outer_input" -> "inner/inner_input";\n'
        '  "inner/inner_dense" -> "head";\n'
        '}\n')


def test_a_nested_sequential_is_entered_at_its_first_layer():
    inner = Sequential([Input((3,)), Dense(2, name="a"), Dense(2, name="b")], name="block")
    x = Input((3,), name="x")
    model = Model(x, Dense(1, name="y")(inner(x)), name="wrapper")
    text = model_to_dot(model, expand_nested=True)
    edges = [line.strip() for line in text.splitlines() if "->" in line]
    assert edges == ['"block/a" -> "block/b";', '"x" -> "block/a";', '"block/b" -> "y";']


def test_a_subclassed_model_is_drawn_as_a_dashed_chain_in_attribute_order():
    class TwoLayers(Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.first = Dense(3, name="first")
            self.second = Dense(1, name="second")

        def call(self, inputs):
            return self.second(self.first(inputs))

    model = TwoLayers(name="custom")
    model(np.ones((2, 4), dtype=np.float32))
    text = model_to_dot(model, show_shapes=True, show_trainable=True)
    assert '"first" -> "second" [style="dashed"];' in text
    assert '"first" [label="first (Dense)\\nInput shape: ?\\nOutput shape: ?\\nTrainable"' in text


def test_names_and_labels_are_escaped():
    model = Sequential([Input((2,)), Dense(1, name='say "hi"\\now')], name='my "model"')
    text = model_to_dot(model, subgraph=True)
    assert text == ('subgraph "cluster_my \\"model\\"" {\n'
                    '  graph [label="my \\"model\\"", style="dashed", labeljust="l", '
                    'fontname="Helvetica"];\n'
                    '  "say \\"hi\\"\\\\now" [label="say \\"hi\\"\\\\now (Dense)"];\n'
                    '}\n')


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")
def test_graphviz_reads_the_text_back_with_the_same_names():
    model = Sequential([Input((2,)), Dense(1, name='say "hi"\\now')], name='my "model"')
    text = model_to_dot(model, show_shapes=True)
    done = subprocess.run(["dot", "-Tcanon"], input=text, capture_output=True, text=True, check=True)
    assert '"say \\"hi\\"\\\\now"' in done.stdout and done.stderr == ""
    for model in (_two_inputs(), _nested()):
        subprocess.run(["dot", "-Tcanon"], input=model_to_dot(model, expand_nested=True),
                       capture_output=True, text=True, check=True)


def test_plot_model_writes_dot_text_without_graphviz(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    model = _two_inputs()
    assert plot_model(model, to_file=tmp_path / "model.dot", show_shapes=True) is None
    assert (tmp_path / "model.dot").read_text() == model_to_dot(model, show_shapes=True,
                                                                show_layer_names=False)
    with pytest.raises(RuntimeError, match=r"needs Graphviz's `dot` program.*apt-get install "
                                           r"graphviz.*to_file='model.dot'"):
        plot_model(model, to_file=tmp_path / "model.png")
    assert not (tmp_path / "model.png").exists()


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")
@pytest.mark.parametrize("name, magic", [("model.png", b"\x89PNG"), ("model.svg", b"<?xml"),
                                         ("model.pdf", b"%PDF"), ("model", b"\x89PNG")])
def test_plot_model_renders_images_with_graphviz(tmp_path, name, magic):
    plot_model(_nested(), to_file=tmp_path / name, show_shapes=True, expand_nested=True)
    assert (tmp_path / name).read_bytes().startswith(magic)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"to_file": "model.bmp"}, ValueError, "to_file must end in one of .dot, .gv, .png"),
    ({"to_file": 3}, TypeError, "to_file must be a file name"),
    ({"rankdir": "up"}, ValueError, "rankdir must be one of 'TB', 'LR', 'BT', 'RL'; got 'up'"),
    ({"dpi": 0}, ValueError, "dpi must be a number > 0; got int 0"),
    ({"splines": "wavy"}, ValueError, "splines must be one of"),
    ({"show_shapes": 1}, TypeError, "show_shapes must be True or False; got int 1"),
])
def test_plot_model_checks_its_arguments_first(tmp_path, kwargs, error, message):
    kwargs = {"to_file": tmp_path / "model.dot", **kwargs}
    with pytest.raises(error, match=message):
        plot_model(_sequential(), **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_model_to_dot_needs_a_built_deepgrad_model():
    with pytest.raises(ValueError, match="model 'unbuilt' is not built yet"):
        model_to_dot(Sequential([Dense(2)], name="unbuilt"))
    with pytest.raises(TypeError, match="model must be a deepgrad model"):
        model_to_dot(Dense(2))


# ---------------------------------------------------------------------- sequences and text
def test_timeseries_windows_align_windows_and_targets():
    from deepgrad.utils import timeseries_windows

    series = np.arange(20.0).reshape(10, 2)
    x, y = timeseries_windows(series, length=3, horizon=2, stride=2)
    assert x.shape == (3, 3, 2) and y.shape == (3, 2)
    np.testing.assert_array_equal(x[1], series[2:5])
    np.testing.assert_array_equal(y[1], series[6])
    x, y = timeseries_windows(np.arange(6.0), 2, targets=np.arange(6) * 10)
    np.testing.assert_array_equal(y.ravel(), [20, 30, 40, 50])
    with pytest.raises(ValueError, match="too short"):
        timeseries_windows(np.arange(3.0), length=3)
    with pytest.raises(ValueError, match="length must be an int >= 1"):
        timeseries_windows(np.arange(9.0), length=0)
    with pytest.raises(TypeError, match="series must be numbers"):
        timeseries_windows(["a", "b"], length=1)
    with pytest.raises(ValueError, match="one row per step"):
        timeseries_windows(np.arange(9.0), 2, targets=np.arange(8.0))


def test_tokenizer_indexes_words_by_frequency():
    from deepgrad.utils import Tokenizer, pad_sequences

    tokenizer = Tokenizer().fit(["Good movie, good plot", "bad plot", "GOOD"])
    assert list(tokenizer.word_index) == ["good", "plot", "movie", "bad"]
    sequences = tokenizer.texts_to_sequences(["good unseen plot"])
    assert sequences == [[2, 1, 3]]
    assert pad_sequences(sequences, maxlen=5).tolist() == [[0, 0, 2, 1, 3]]
    assert tokenizer.sequences_to_texts([[0, 2, 1, 3]]) == ["good ? plot"]
    assert len(tokenizer) == 6
    small = Tokenizer(num_words=3).fit(["a a b"])
    assert small.texts_to_sequences(["a b"]) == [[2, 1]]
    with pytest.raises(TypeError, match="texts must be a list of strings"):
        Tokenizer().fit("one string")
    with pytest.raises(RuntimeError, match="call fit"):
        Tokenizer().texts_to_sequences(["x"])
