"""deepgrad.datasets: toy generators, the notes' tables, digits, IDX files, CSV files, splits."""

from __future__ import annotations

import gzip
import struct
import sys

import numpy as np
import pytest

import deepgrad
from deepgrad import datasets
from deepgrad.datasets import toy

# --------------------------------------------------------------------------- toy generators

GENERATORS = [  # (function, keyword arguments, number of classes)
    (datasets.make_moons, {}, 2),
    (datasets.make_circles, {}, 2),
    (datasets.make_spiral, {}, 3),
    (datasets.make_spiral, {"n_classes": 5}, 5),
    (datasets.make_xor, {}, 2),
    (datasets.make_blobs, {}, 2),
    (datasets.make_blobs, {"centers": 4, "cluster_std": 2.0}, 4),
]
GENERATOR_IDS = [f"{fn.__name__}-{kwargs}" for fn, kwargs, _ in GENERATORS]


@pytest.mark.parametrize("make, kwargs, n_classes", GENERATORS, ids=GENERATOR_IDS)
def test_generator_shapes_dtypes_and_balance(make, kwargs, n_classes):
    X, y = make(203, seed=0, **kwargs)
    assert X.shape == (203, 2) and X.dtype == np.float32
    assert y.shape == (203,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=n_classes)
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1
    if make is not datasets.make_xor:  # xor shares samples between 4 clusters, not 2 classes
        assert counts.tolist() == toy._class_sizes(203, n_classes).tolist()
    assert np.all(np.isfinite(X))
    assert not np.all(np.diff(y) >= 0), "samples should be shuffled, not grouped by class"


@pytest.mark.parametrize("make, kwargs, n_classes", GENERATORS, ids=GENERATOR_IDS)
def test_generator_is_deterministic_per_seed_and_differs_across_seeds(make, kwargs, n_classes):
    X1, y1 = make(100, seed=7, **kwargs)
    X2, y2 = make(100, seed=7, **kwargs)
    X3, _ = make(100, seed=8, **kwargs)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    X4, y4 = make(100, seed=np.random.default_rng(7), **kwargs)  # a Generator works too
    np.testing.assert_array_equal(X4, X1)


def test_seed_none_follows_set_seed():
    deepgrad.set_seed(123)
    first = datasets.make_moons(50)
    deepgrad.set_seed(123)
    second = datasets.make_moons(50)
    np.testing.assert_array_equal(first[0], second[0])


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = datasets.make_moons(200, noise=0.0, seed=1)
    upper, lower = X[y == 0].astype(float), X[y == 1].astype(float)
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0, atol=1e-6)
    np.testing.assert_allclose(np.hypot(1 - lower[:, 0], 0.5 - lower[:, 1]), 1.0, atol=1e-6)
    assert upper[:, 1].min() >= -1e-6 and lower[:, 1].max() <= 0.5 + 1e-6


def test_circles_radii_follow_factor():
    X, y = datasets.make_circles(200, noise=0.0, factor=0.3, seed=1)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(radius[y == 1], 0.3, rtol=1e-6)


def test_spiral_arms_follow_the_stated_angle():
    n_classes = 4
    X, y = datasets.make_spiral(400, n_classes=n_classes, noise=0.0, seed=2)
    assert set(y.tolist()) == set(range(n_classes))
    radius = np.hypot(X[:, 0], X[:, 1]).astype(float)
    assert radius.max() <= 1.0 + 1e-6
    expected_angle = 2 * np.pi * (y / n_classes + radius)
    residue = np.angle(np.exp(1j * (np.arctan2(X[:, 1], X[:, 0]) - expected_angle)))
    np.testing.assert_allclose(residue[radius > 1e-3], 0.0, atol=1e-3)


def test_xor_labels_are_the_sign_rule_in_all_four_quadrants():
    X, y = datasets.make_xor(400, noise=2.0, seed=3)  # large noise: folding keeps quadrants
    np.testing.assert_array_equal(y, (X[:, 0] > 0) ^ (X[:, 1] > 0))
    quadrants = {(bool(a > 0), bool(b > 0)) for a, b in X}
    assert len(quadrants) == 4
    assert np.bincount(y).tolist() == [200, 200]


def _perceptron_errors(X, y, epochs=200):
    """Training errors left by a multiclass perceptron (0 iff it separated the data)."""
    features = np.hstack([X.astype(np.float64), np.ones((len(X), 1))])
    weights = np.zeros((features.shape[1], int(y.max()) + 1))
    for _ in range(epochs):
        errors = 0
        for x, label in zip(features, y):
            predicted = int(np.argmax(x @ weights))
            if predicted != label:
                weights[:, label] += x
                weights[:, predicted] -= x
                errors += 1
        if errors == 0:
            return 0
    return errors


@pytest.mark.parametrize("centers, cluster_std", [(2, 1.0), (2, 4.0), (3, 3.0), (5, 2.0)])
def test_blobs_are_linearly_separable(centers, cluster_std):
    X, y = datasets.make_blobs(300, centers=centers, cluster_std=cluster_std, seed=4)
    assert _perceptron_errors(X, y) == 0


def test_blobs_separable_by_linear_svm():
    svm = pytest.importorskip("sklearn.svm")
    X, y = datasets.make_blobs(300, centers=2, cluster_std=4.0, seed=5)
    model = svm.LinearSVC(C=100.0, max_iter=100_000).fit(X, y)
    assert model.score(X, y) == 1.0


def test_blobs_with_given_centers_and_overlap_when_not_separable():
    centers = [[0.0, 0.0], [2.0, 0.0]]
    X, y = datasets.make_blobs(400, centers=centers, cluster_std=2.0, separable=False, seed=6)
    assert np.mean((X[:, 0] > 1.0) == (y == 1)) < 0.9  # overlapping: the bisector misclassifies
    X, y = datasets.make_blobs(400, centers=centers, cluster_std=2.0, seed=6)
    assert np.all((X[:, 0] > 1.0) == (y == 1))
    assert np.min(np.abs(X[:, 0] - 1.0)) >= 0.2 - 1e-6  # the margin: a tenth of the distance


def test_blobs_gives_up_with_a_clear_error(monkeypatch):
    monkeypatch.setattr(toy, "_MAX_REDRAW_ROUNDS", 0)
    with pytest.raises(ValueError, match="could not draw separable blobs"):
        datasets.make_blobs(100, centers=[[0.0, 0.0], [0.1, 0.0]], cluster_std=5.0, seed=0)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: datasets.make_moons(1), ValueError, r"n_samples must be an int >= 2; got 1"),
        (lambda: datasets.make_moons(10.0), TypeError, r"n_samples must be an int.*float"),
        (lambda: datasets.make_moons(True), TypeError, r"n_samples must be an int"),
        (lambda: datasets.make_moons(10, noise=-0.1), ValueError, r"noise must be a finite number >= 0"),
        (lambda: datasets.make_moons(10, noise="a"), TypeError, r"noise must be .*str"),
        (lambda: datasets.make_circles(10, factor=1.0), ValueError, r"factor must be a finite number in \(0, 1\)"),
        (lambda: datasets.make_circles(10, noise=float("nan")), ValueError, r"noise"),
        (lambda: datasets.make_spiral(10, n_classes=1), ValueError, "n_classes must be an int >="),
        (lambda: datasets.make_spiral(2, n_classes=3), ValueError, "n_samples must be an int >= 3"),
        (lambda: datasets.make_xor(3), ValueError, r"n_samples must be an int >= 4"),
        (lambda: datasets.make_blobs(10, centers=1), ValueError, r"centers must be an int >= 2"),
        (lambda: datasets.make_blobs(10, centers=[[0, 0, 0]]), ValueError, r"shape \(1, 3\)"),
        (lambda: datasets.make_blobs(10, centers=[[1, 1], [1, 1]]), ValueError, r"coincide"),
        (lambda: datasets.make_blobs(10, cluster_std=-1), ValueError, r"cluster_std must be"),
        (lambda: datasets.make_blobs(10, separable="yes"), TypeError, r"separable must be"),
        (lambda: datasets.make_moons(10, seed=-1), ValueError, r"seed must be None, an int >= 0 .*; got -1"),
        (lambda: datasets.make_moons(10, seed="0"), TypeError,
         r"seed must be None, an int >= 0 or a numpy.random.Generator; got str '0'"),
        (lambda: datasets.make_circles("10"), TypeError, r"n_samples must be an int >= 2; got str '10'"),
        (lambda: datasets.make_circles(10, factor=None), TypeError, r"factor must be a finite number in \(0, 1\); got NoneType"),
        (lambda: datasets.make_circles(10, seed=1.5), TypeError, r"seed must be None, an int >= 0"),
        (lambda: datasets.make_spiral(10, n_classes=2.0), TypeError, "n_classes must be an int >= 2; got float 2.0"),
        (lambda: datasets.make_spiral(10, noise=None), TypeError, "noise must be a finite number >= 0; got NoneType None"),
        (lambda: datasets.make_spiral(10, seed=[0]), TypeError, "seed must be None, an int >= 0"),
        (lambda: datasets.make_xor(8, noise=float("inf")), ValueError, "noise must be a finite number >= 0; got inf"),
        (lambda: datasets.make_xor(None), TypeError, "n_samples must be an int >= 4; got NoneType None"),
        (lambda: datasets.make_xor(8, seed=object()), TypeError, "seed must be None, an int >= 0"),
        (lambda: datasets.make_blobs(None), TypeError, "n_samples must be an int >= 2; got NoneType None"),
        (lambda: datasets.make_blobs(10, centers="two"), ValueError,
         r"centers must be an int >= 2 or an array of shape \(n_centers, 2\) with n_centers >= 2; got str 'two'"),
        (lambda: datasets.make_blobs(10, centers=2.5), ValueError, "centers must be an int >= 2 or .*; got float 2.5"),
        (lambda: datasets.make_blobs(10, cluster_std="1"), TypeError, "cluster_std must be a finite number >= 0; got str"),
        (lambda: datasets.make_blobs(10, separable=1), TypeError, "separable must be True or False; got int 1"),
        (lambda: datasets.make_blobs(10, seed="s"), TypeError, "seed must be None, an int >= 0"),
    ],
)
def test_generator_arguments_are_validated(call, error, message):
    with pytest.raises(error, match=message):
        call()


# --------------------------------------------------------------------------- the notes' tables

TABLES = [datasets.load_pass_fail, datasets.load_placement, datasets.load_house_prices]


def test_pass_fail_starts_with_the_notes_rows_verbatim():
    dataset = datasets.load_pass_fail()
    notes = [[95, 3, 0], [110, 4, 1], [100, 5, 1], [95, 4, 1], [100, 5, 1], [95, 2, 0]]
    np.testing.assert_array_equal(dataset.data[:6], [row[:2] for row in notes])
    np.testing.assert_array_equal(dataset.target[:6], [row[2] for row in notes])
    assert dataset.feature_names == ("iq", "study_hours")
    assert dataset.target_names == ("fail", "pass")
    assert "lecture 001" in dataset.description and "seed 1" in dataset.description


def test_pass_fail_follows_its_stated_rule_and_is_balanced():
    X, y = datasets.load_pass_fail(return_X_y=True)
    rule = (0.1 * X[:, 0].astype(float) + X[:, 1] >= 12.75).astype(int)
    np.testing.assert_array_equal(rule[:6], y[:6])  # the notes' rows obey the rule exactly
    assert np.mean(rule == y) > 0.85
    assert 0.35 < y.mean() < 0.65


def test_placement_is_binary_and_nearly_linearly_separable():
    dataset = datasets.load_placement()
    assert dataset.target_names == ("not placed", "placed")
    assert set(dataset.target.tolist()) == {0, 1}
    cgpa, iq = dataset.data[:, 0].astype(float), dataset.data[:, 1].astype(float)
    rule = ((cgpa - 7) + (iq - 100) / 15 >= 0).astype(int)
    assert np.mean(rule == dataset.target) > 0.85
    assert "seed 003" in dataset.description and "seed 3" in dataset.description


def test_house_prices_is_a_noisy_line_and_says_no_row_is_from_the_notes():
    dataset = datasets.load_house_prices()
    assert dataset.data.shape == (200, 1) and dataset.target.dtype == np.float32
    assert dataset.target_names is None
    slope, intercept = np.polyfit(dataset.data[:, 0].astype(float), dataset.target, 1)
    assert abs(slope - 0.15) < 0.01 and abs(intercept - 50) < 20
    assert "no row comes from the notes" in dataset.description


def test_generated_rows_are_pinned():
    """The rows come from NumPy's generator streams; a change there must not go unnoticed."""
    pass_fail, placement = datasets.load_pass_fail(), datasets.load_placement()
    np.testing.assert_allclose(pass_fail.data[6:9], [[105, 0.8], [112, 1.3], [105, 3.4]], rtol=1e-6)
    assert pass_fail.target[6:16].tolist() == [0, 1, 1, 0, 1, 1, 1, 1, 1, 0]
    np.testing.assert_allclose(placement.data[3:6], [[6.4, 96], [6.5, 76], [6.8, 111]], rtol=1e-6)
    assert placement.target[3:13].tolist() == [0, 0, 1, 0, 1, 0, 1, 1, 0, 0]
    np.testing.assert_allclose(datasets.load_house_prices().target[:3], [526.4, 337.5, 592.2])


@pytest.mark.parametrize("load", TABLES)
def test_table_loaders_are_deterministic_and_support_return_X_y(load):
    dataset = load()
    X, y = load(return_X_y=True)
    assert X.shape[0] == y.shape[0] == 200 and X.dtype == np.float32
    np.testing.assert_array_equal(X, dataset.data)
    np.testing.assert_array_equal(y, load().target)
    assert len(dataset.feature_names) == X.shape[1]
    if dataset.target_names is not None:
        assert y.dtype == np.int64 and y.max() < len(dataset.target_names)


def test_pass_fail_trains_a_linear_classifier():
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = datasets.load_pass_fail(return_X_y=True)
    assert linear_model.LogisticRegression(max_iter=5000).fit(X, y).score(X, y) > 0.85


def test_dataset_checks_lengths_and_has_a_short_repr():
    with pytest.raises(ValueError, match="3 rows but target has 2"):
        datasets.Dataset(np.zeros((3, 1)), np.zeros(2), ["a"], None, "")
    with pytest.raises(ValueError, match="1 columns but 2 feature names"):
        datasets.Dataset(np.zeros((3, 1)), np.zeros(3), ["a", "b"], None, "")
    with pytest.raises(ValueError, match=r"data must be 2-D.*got shape \(3,\)"):
        datasets.Dataset(np.zeros(3), np.zeros(3), ["a"], None, "")
    assert repr(datasets.load_house_prices()).startswith("Dataset(data=(200, 1) float32")


def test_load_digits_through_scikit_learn():
    pytest.importorskip("sklearn")
    dataset = datasets.load_digits()
    assert dataset.data.shape == (1797, 64) and dataset.data.dtype == np.float32
    assert dataset.data.min() == 0.0 and dataset.data.max() == 1.0
    assert dataset.target.dtype == np.int64 and set(dataset.target.tolist()) == set(range(10))
    assert dataset.target_names == tuple("0123456789")
    X, y = datasets.load_digits(return_X_y=True)
    assert X.shape == (1797, 64) and y.shape == (1797,)


def test_load_digits_without_scikit_learn_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn` fail
    with pytest.raises(ImportError, match=r'pip install "deepgrad\[sklearn\]"'):
        datasets.load_digits()


# --------------------------------------------------------------------------- IDX files

IDX_TYPE_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C,
                  np.float32: 0x0D, np.float64: 0x0E}


def idx_bytes(array: np.ndarray) -> bytes:
    """A minimal IDX writer: magic number, big-endian dimensions, big-endian elements."""
    type_code = IDX_TYPE_CODES[array.dtype.type]
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path, array, compress=False):
    content = idx_bytes(np.asarray(array))
    if compress:
        path = path.with_name(path.name + ".gz")
        content = gzip.compress(content, mtime=0)
    path.write_bytes(content)
    return path


def write_mnist_folder(folder, compress=(False, True, False, True)):
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (5, 4, 3), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, 5, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (2, 4, 3), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, 2, dtype=np.uint8),
    }
    for (name, array), gz in zip(arrays.items(), compress):
        write_idx(folder / name, array, gz)
    return arrays


@pytest.mark.parametrize("compress", [(False,) * 4, (True,) * 4, (False, True, True, False)])
@pytest.mark.parametrize("load", [datasets.load_mnist, datasets.load_fashion_mnist])
def test_mnist_round_trip_plain_and_gzipped(tmp_path, load, compress):
    arrays = write_mnist_folder(tmp_path, compress)
    (x_train, y_train), (x_test, y_test) = load(tmp_path)
    for loaded, name in zip((x_train, y_train, x_test, y_test), arrays):
        np.testing.assert_array_equal(loaded, arrays[name])
        assert loaded.dtype == np.uint8 and loaded.flags.writeable
    assert load(str(tmp_path))[0][0].shape == (5, 4, 3)


@pytest.mark.parametrize("dtype", list(IDX_TYPE_CODES))
def test_read_idx_round_trips_every_element_type(tmp_path, dtype):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    loaded = datasets.read_idx(write_idx(tmp_path / "values", array, compress=True))
    np.testing.assert_array_equal(loaded, array)
    assert loaded.dtype == np.dtype(dtype) and loaded.dtype.isnative


def test_missing_files_are_named_with_the_expected_names(tmp_path):
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((1, 2, 2), np.uint8))
    with pytest.raises(FileNotFoundError) as caught:
        datasets.load_mnist(tmp_path)
    message = str(caught.value)
    assert str(tmp_path) in message and ".gz" in message
    assert "missing in" in message and "train-labels-idx1-ubyte, t10k-images" in message
    for name in ("train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        assert name in message
    with pytest.raises(FileNotFoundError, match="Fashion-MNIST folder .* does not exist"):
        datasets.load_fashion_mnist(tmp_path / "absent")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x00\x00", "fewer than the 4-byte magic number"),
        (b"\x12\x34\x08\x01\x00\x00\x00\x01\x07", "not an IDX file: magic number 0x12340801"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x07", "not an IDX file"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x01", "header needs 16 bytes"),
        (idx_bytes(np.zeros((3, 2, 2), np.uint8))[:-1], r"truncated: .*shape \(3, 2, 2\)"),
        (idx_bytes(np.zeros(4, np.uint8)) + b"\x00", "malformed: .* but 5 follow"),
        (gzip.compress(idx_bytes(np.zeros(4, np.uint8)), mtime=0)[:-6], "damaged or truncated gzip"),
    ],
)
def test_malformed_idx_files_raise_value_error(tmp_path, content, message):
    path = tmp_path / "broken"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        datasets.read_idx(path)


def test_mnist_checks_magic_numbers_counts_and_labels(tmp_path):
    write_mnist_folder(tmp_path, compress=(False,) * 4)
    labels_path = tmp_path / "t10k-labels-idx1-ubyte"
    write_idx(labels_path, np.zeros((2, 1), np.uint8))
    with pytest.raises(ValueError, match="magic number 0x00000802; expected 0x00000801"):
        datasets.load_mnist(tmp_path)
    write_idx(labels_path, np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match="holds 2 images but .* holds 3 labels"):
        datasets.load_mnist(tmp_path)
    write_idx(labels_path, np.array([1, 12], np.uint8))
    with pytest.raises(ValueError, match="labels must be 0-9; label 1 is 12"):
        datasets.load_mnist(tmp_path)


# --------------------------------------------------------------------------- CSV files


def write_csv(tmp_path, text, name="table.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def test_load_csv_one_hot_encodes_text_columns_and_text_targets(tmp_path):
    path = write_csv(
        tmp_path, "size,color,shape,label\n1.5,red,box,b\n2,blue,ball,a\n\n3,red,ball,b\n"
    )
    dataset = datasets.load_csv(path, "label")
    assert dataset.feature_names == (
        "size", "color=blue", "color=red", "shape=ball", "shape=box"
    )
    expected = [[1.5, 0, 1, 0, 1], [2, 1, 0, 1, 0], [3, 0, 1, 1, 0]]
    np.testing.assert_array_equal(dataset.data, expected)
    assert dataset.data.dtype == np.float32
    assert dataset.target_names == ("a", "b") and dataset.target.tolist() == [1, 0, 1]
    assert "one-hot encoded: ['color', 'shape']" in dataset.description
    X, y = datasets.load_csv(path, "label", return_X_y=True, dtype=np.float64)
    assert X.dtype == np.float64 and y.dtype == np.int64


def test_load_csv_keeps_numeric_targets(tmp_path):
    path = write_csv(tmp_path, "a,y,z\n1,0,0.5\n2,1,1.5\n")
    dataset = datasets.load_csv(path, "y")
    assert dataset.target.dtype == np.int64 and dataset.target_names is None
    assert dataset.feature_names == ("a", "z")
    regression = datasets.load_csv(path, "z")
    assert regression.target.dtype == np.float32 and regression.target.tolist() == [0.5, 1.5]


def test_load_csv_delimiter_quotes_bom_and_explicit_categorical(tmp_path):
    path = write_csv(
        tmp_path, '\ufeffzip;"city, state";price\n10115;"Berlin, BE";3\n80331;"Munich, BY";4\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="column 'city, state' holds 'Berlin, BE'"):
        datasets.load_csv(path, "price", delimiter=";", categorical=["zip"])  # exactly those
    dataset = datasets.load_csv(path, "price", delimiter=";", categorical=["zip", "city, state"])
    assert dataset.feature_names == (
        "zip=10115", "zip=80331", "city, state=Berlin, BE", "city, state=Munich, BY"
    )
    assert datasets.load_csv(path, "price", delimiter=";").feature_names[0] == "zip"


@pytest.mark.parametrize(
    "text, kwargs, error, message",
    [
        ("", {}, ValueError, "is empty"),
        ("a,y\n", {}, ValueError, r"has a header \(line 1\) but no data rows"),
        ("a,b\n1,2\n", {}, ValueError, r"no target column 'y'; its columns are \['a', 'b'\]"),
        ("a,y\n1,2\n3\n", {}, ValueError, "line 3: 1 fields, but the header has 2 columns"),
        ("a,y\n1,2\n,4\n", {}, ValueError, "line 3: missing value '' in column 'a'"),
        ("a,y\n1,NA\n", {}, ValueError, "line 2: missing value 'NA' in column 'y'"),
        ("a,y\n1,2\ninf,3\n", {}, ValueError, "line 3: column 'a' holds inf"),
        ("a,a,y\n1,2,3\n", {}, ValueError, "names column 'a' twice"),
        ("a,,y\n1,2,3\n", {}, ValueError, "column 2 of the header has no name"),
        ("a,y\n1,2\nred,3\n", {"categorical": None}, ValueError, "line 3: column 'a' holds 'red'"),
        ("a,y\n1,2\n", {"categorical": ["b"]}, ValueError, r"columns \['b'\] that are not"),
        ("a,y\n1,2\n", {"categorical": ["y"]}, ValueError, "lists the target column"),
        ("a,y\n1,2\n", {"categorical": "all"}, ValueError, 'must be "auto"'),
        ("a,y\n1,2\n", {"dtype": np.int32}, TypeError, "floating-point dtype"),
    ],
)
def test_load_csv_errors_name_the_problem(tmp_path, text, kwargs, error, message):
    with pytest.raises(error, match=message):
        datasets.load_csv(write_csv(tmp_path, text), "y", **kwargs)


# The loaders' own arguments: return_X_y, paths, and load_csv's settings.
LOADER_ARGUMENTS = [
    (lambda path: datasets.load_pass_fail(return_X_y="yes"), TypeError, "return_X_y must be True or False; got str 'yes'"),
    (lambda path: datasets.load_placement(return_X_y=1), TypeError, "return_X_y must be True or False; got int 1"),
    (lambda path: datasets.load_house_prices(return_X_y=None), TypeError, "return_X_y must be True or False"),
    (lambda path: datasets.load_digits(return_X_y="no"), TypeError, "return_X_y must be True or False"),
    (lambda path: datasets.load_mnist(3), TypeError, r"path must be a path \(a str or os.PathLike\); got int 3"),
    (lambda path: datasets.load_fashion_mnist(None), TypeError, "path must be a path .*; got NoneType None"),
    (lambda path: datasets.read_idx(""), ValueError, "path must be a non-empty path"),
    (lambda path: datasets.load_csv(3, "y"), TypeError, "path must be a path .*; got int 3"),
    (lambda path: datasets.load_csv(path, 3), TypeError, "target must be a non-empty string; got int 3"),
    (lambda path: datasets.load_csv(path, "y", delimiter=";;"), ValueError, "delimiter must be a one-character string; got ';;'"),
    (lambda path: datasets.load_csv(path, "y", delimiter=None), TypeError, "delimiter must be a one-character string; got NoneType"),
    (lambda path: datasets.load_csv(path, "y", dtype="text"), TypeError, "dtype must be a floating-point dtype"),
    (lambda path: datasets.load_csv(path, "y", return_X_y="yes"), TypeError, "return_X_y must be True or False"),
    (lambda path: datasets.load_csv(path, "y", categorical=3), TypeError,
     'categorical must be "auto", None or a list of column names; got int 3'),
]


@pytest.mark.parametrize("call, error, message", LOADER_ARGUMENTS, ids=[str(i) for i in range(len(LOADER_ARGUMENTS))])
def test_loader_arguments_are_validated_before_reading(tmp_path, call, error, message):
    with pytest.raises(error, match=message):
        call(write_csv(tmp_path, "a,y\n1,2\n"))


def test_load_csv_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        datasets.load_csv(tmp_path / "absent.csv", "y")


# --------------------------------------------------------------------------- train_test_split


def test_train_test_split_is_a_seeded_partition():
    X, y = np.arange(40).reshape(20, 2), np.arange(20)
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, seed=0)
    assert len(X_test) == 5 and len(X_train) == 15
    np.testing.assert_array_equal(X_train[:, 0] // 2, y_train)  # rows stay paired
    assert sorted(np.concatenate([y_train, y_test]).tolist()) == list(range(20))
    again = datasets.train_test_split(X, y, seed=0)
    np.testing.assert_array_equal(again[3], y_test)
    assert not np.array_equal(datasets.train_test_split(X, y, seed=1)[3], y_test)
    assert len(datasets.train_test_split(X, y, 7, seed=0)[1]) == 7


def test_train_test_split_stratified_keeps_class_proportions():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    _, _, y_train, y_test = datasets.train_test_split(y[:, None], y, 0.2, seed=0, stratify=y)
    assert np.bincount(y_test).tolist() == [12, 6, 2]
    assert np.bincount(y_train).tolist() == [48, 24, 8]
    _, _, _, y_test = datasets.train_test_split(y[:, None], y, 0.15, seed=0, stratify=y)
    assert len(y_test) == 15 and np.bincount(y_test).tolist() == [9, 5, 1]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"test_size": 1.0}, ValueError, "fraction in"),
        ({"test_size": 0}, ValueError, "gives 0 test samples out of 4"),
        ({"test_size": 4}, ValueError, "gives 4 test samples"),
        ({"test_size": "half"}, TypeError, "test_size must be"),
        ({"test_size": float("nan")}, ValueError, "test_size must be a fraction in .*; got nan"),
        ({"test_size": True}, TypeError, "test_size must be a fraction in"),
        ({"seed": "0"}, TypeError, "seed must be None, an int >= 0 or a numpy.random.Generator; got str '0'"),
        ({"stratify": [0, 1]}, ValueError, r"stratify must have shape \(4,\)"),
    ],
)
def test_train_test_split_validates(kwargs, error, message):
    with pytest.raises(error, match=message):
        datasets.train_test_split(np.zeros((4, 1)), np.zeros(4), **kwargs)
    with pytest.raises(ValueError, match="same number of samples"):
        datasets.train_test_split(np.zeros((4, 1)), np.zeros(3))

