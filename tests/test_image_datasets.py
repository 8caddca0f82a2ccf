"""Image data sets: CIFAR-10's binary files, and digits and MNIST as (n, height, width, 1) images."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from deepgrad import datasets
from deepgrad.datasets import cifar

RECORD = 3073


def cifar_records(labels, images) -> bytes:
    """The binary version's records: a label byte, then the red, green and blue 32x32 planes."""
    out = bytearray()
    for label, image in zip(labels, images):  # image: (32, 32, 3), channels last
        out.append(int(label))
        out += np.ascontiguousarray(image.transpose(2, 0, 1)).tobytes()
    return bytes(out)


def write_cifar(folder, sizes=(2, 1, 3, 1, 2), test_size=2, meta=True, seed=0):
    """A tiny CIFAR-10 binary folder; the images and labels it holds, per file."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    names = [*cifar.TRAIN_FILES, cifar.TEST_FILE]
    for name, n in zip(names, (*sizes, test_size)):
        images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        (folder / name).write_bytes(cifar_records(labels, images))
        written[name] = (images, labels)
    if meta:
        (folder / cifar.META_FILE).write_text("\n".join(datasets.CIFAR10_CLASSES) + "\n\n")
    return written


def test_cifar10_decodes_records_channel_major_to_channels_last(tmp_path):
    """One record spelled out byte by byte: the label, then all red, all green, all blue."""
    folder = tmp_path / "cifar-10-batches-bin"
    write_cifar(folder)
    red = np.arange(1024, dtype=np.uint32) % 256
    green = (red * 7 + 3) % 256
    blue = 255 - red
    record = bytes([7]) + bytes(red.tolist()) + bytes(green.tolist()) + bytes(blue.tolist())
    (folder / "test_batch.bin").write_bytes(record)
    _, (x_test, y_test) = datasets.load_cifar10(folder)
    assert x_test.shape == (1, 32, 32, 3) and x_test.dtype == np.uint8
    assert y_test.shape == (1, 1) and y_test.dtype == np.uint8 and y_test[0, 0] == 7
    # pixel (row r, column c) is byte 1 + 32 r + c of each plane
    assert x_test[0, 0, 0].tolist() == [0, 3, 255]
    assert x_test[0, 0, 1].tolist() == [1, 10, 254]
    assert x_test[0, 1, 0].tolist() == [32, (32 * 7 + 3) % 256, 255 - 32]
    np.testing.assert_array_equal(x_test[0, :, :, 0], red.reshape(32, 32))
    np.testing.assert_array_equal(x_test[0, :, :, 1], green.reshape(32, 32))
    np.testing.assert_array_equal(x_test[0, :, :, 2], blue.reshape(32, 32))
    assert x_test.flags.c_contiguous


def test_cifar10_round_trip_concatenates_the_training_batches_in_order(tmp_path):
    written = write_cifar(tmp_path / "cifar-10-batches-bin")
    for path in (tmp_path, tmp_path / "cifar-10-batches-bin", str(tmp_path)):  # folder or parent
        (x_train, y_train), (x_test, y_test) = datasets.load_cifar10(path)
        expected = [written[name] for name in cifar.TRAIN_FILES]
        np.testing.assert_array_equal(x_train, np.concatenate([images for images, _ in expected]))
        np.testing.assert_array_equal(y_train[:, 0], np.concatenate([labels for _, labels in expected]))
        np.testing.assert_array_equal(x_test, written["test_batch.bin"][0])
        assert x_train.shape == (9, 32, 32, 3) and y_train.shape == (9, 1)
        assert y_test.tolist() == [[v] for v in written["test_batch.bin"][1].tolist()]
    assert datasets.load_cifar10_class_names(tmp_path) == datasets.CIFAR10_CLASSES


def test_cifar10_missing_files_are_named_with_where_to_get_the_binary_version(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    write_cifar(folder, meta=False)
    (folder / "data_batch_3.bin").unlink()
    (folder / "test_batch.bin").unlink()
    with pytest.raises(FileNotFoundError) as caught:
        datasets.load_cifar10(tmp_path)
    message = str(caught.value)
    assert "missing in" in message and "data_batch_3.bin, test_batch.bin." in message
    for name in ("data_batch_1.bin", "data_batch_5.bin", "batches.meta.txt"):
        assert name in message
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz" in message
    assert "binary version" in message and "never unpickles" in message
    with pytest.raises(FileNotFoundError, match=r"missing in .*: batches\.meta\.txt\."):
        datasets.load_cifar10_class_names(folder)
    with pytest.raises(FileNotFoundError, match="does not exist or is not a folder.*binary"):
        datasets.load_cifar10(tmp_path / "absent")


def test_cifar10_names_the_pickled_python_version_and_does_not_read_it(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in ("data_batch_1", "test_batch", "batches.meta"):
        (folder / name).write_bytes(b"\x80\x04not read")
    with pytest.raises(FileNotFoundError, match="Python \\(pickled\\) version, which is not read"):
        datasets.load_cifar10(folder)


@pytest.mark.parametrize("size", [0, 1, RECORD - 1, 2 * RECORD + 5])
def test_cifar10_damaged_file_sizes_are_refused(tmp_path, size):
    folder = tmp_path / "cifar-10-batches-bin"
    write_cifar(folder)
    (folder / "data_batch_2.bin").write_bytes(bytes(size))
    with pytest.raises(ValueError, match=rf"data_batch_2\.bin is damaged or truncated: it has "
                                         rf"{size} bytes, .*multiple of 3073"):
        datasets.load_cifar10(folder)


def test_cifar10_labels_and_meta_file_are_checked(tmp_path):
    folder = tmp_path / "cifar-10-batches-bin"
    write_cifar(folder)
    records = bytearray((folder / "test_batch.bin").read_bytes())
    records[RECORD] = 12  # the label of record 1
    (folder / "test_batch.bin").write_bytes(bytes(records))
    with pytest.raises(ValueError, match="labels must be 0-9; the label of record 1 is 12"):
        datasets.load_cifar10(folder)
    (folder / "batches.meta.txt").write_text("cat\ndog\n")
    with pytest.raises(ValueError, match="should list the 10 class names .* it lists 2"):
        datasets.load_cifar10_class_names(folder)
    with pytest.raises(TypeError, match=r"path must be a path \(a str or os.PathLike\); got int 3"):
        datasets.load_cifar10(3)


def test_cifar10_module_never_unpickles():
    with open(cifar.__file__, encoding="utf-8") as file:
        source = file.read()
    assert "import pickle" not in source and "allow_pickle" not in source
    assert "np.load(" not in source


# --------------------------------------------------------------------------- as_images


def write_idx(path, array):
    header = bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    path.write_bytes(gzip.compress(header + array.tobytes(), mtime=0))


@pytest.mark.parametrize("load", [datasets.load_mnist, datasets.load_fashion_mnist])
def test_mnist_as_images_adds_the_channel_axis(tmp_path, load):
    rng = np.random.default_rng(1)
    arrays = {"train-images-idx3-ubyte": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
              "train-labels-idx1-ubyte": rng.integers(0, 10, 3, dtype=np.uint8),
              "t10k-images-idx3-ubyte": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
              "t10k-labels-idx1-ubyte": rng.integers(0, 10, 2, dtype=np.uint8)}
    for name, array in arrays.items():
        write_idx(tmp_path / f"{name}.gz", array)
    (x_train, y_train), (x_test, _) = load(tmp_path, as_images=True)
    assert x_train.shape == (3, 28, 28, 1) and x_test.shape == (2, 28, 28, 1)
    assert x_train.dtype == np.uint8 and y_train.shape == (3,)
    np.testing.assert_array_equal(x_train[..., 0], arrays["train-images-idx3-ubyte"])
    (flat_train, _), _ = load(tmp_path)  # the default is unchanged
    assert flat_train.shape == (3, 28, 28)
    with pytest.raises(TypeError, match="as_images must be True or False"):
        load(tmp_path, as_images="yes")


def test_mnist_missing_files_say_where_to_get_them(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.*ossci-datasets"):
        datasets.load_mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match="zalandoresearch/fashion-mnist"):
        datasets.load_fashion_mnist(tmp_path)


def test_load_digits_as_images():
    pytest.importorskip("sklearn")
    flat = datasets.load_digits()
    images = datasets.load_digits(as_images=True)
    assert images.data.shape == (1797, 8, 8, 1) and images.data.dtype == np.float32
    np.testing.assert_array_equal(images.data.reshape(1797, 64), flat.data)
    assert images.data.max() == 1.0 and images.feature_names == flat.feature_names
    np.testing.assert_array_equal(images.target, flat.target)
    X, y = datasets.load_digits(return_X_y=True, as_images=True)
    assert X.shape == (1797, 8, 8, 1) and y.shape == (1797,)
    with pytest.raises(TypeError, match="as_images must be True or False"):
        datasets.load_digits(as_images=1)


def test_dataset_holds_images_with_one_name_per_value():
    data = np.zeros((3, 2, 2, 1))
    dataset = datasets.Dataset(data, np.zeros(3), [f"p{k}" for k in range(4)], None, "")
    assert dataset.data.shape == (3, 2, 2, 1)
    with pytest.raises(ValueError, match="4 values per image but 3 feature names"):
        datasets.Dataset(data, np.zeros(3), ["a", "b", "c"], None, "")
    with pytest.raises(ValueError, match=r"data must be 2-D.*or 4-D images.*got shape \(3, 2, 2\)"):
        datasets.Dataset(np.zeros((3, 2, 2)), np.zeros(3), ["a"] * 4, None, "")
