"""CIFAR-10 from the files of its *binary version*, which the user has downloaded.

deepgrad never downloads, and never unpickles: the Python version of CIFAR-10
(``cifar-10-python.tar.gz``, folder ``cifar-10-batches-py``) is a set of pickles, which can run
code when loaded, so it is not read. The binary version (``cifar-10-binary.tar.gz`` from
https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz, folder ``cifar-10-batches-bin``) holds
the same images as plain bytes:

* ``data_batch_1.bin`` … ``data_batch_5.bin`` (training, 10000 images each) and
  ``test_batch.bin`` (10000 test images), each a run of 3073-byte records: one label byte
  (0–9), then the 32×32 image as 3072 bytes, channel-major: the 1024 red values row by row,
  then the 1024 green, then the 1024 blue;
* ``batches.meta.txt``: the ten class names, one per line, label ``k`` on line ``k + 1``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..common.checks import check_path

__all__ = ["CIFAR10_CLASSES", "load_cifar10", "load_cifar10_class_names"]

#: The names of the CIFAR-10 classes, as ``batches.meta.txt`` lists them: label ``k`` is
#: ``CIFAR10_CLASSES[k]``.
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)

CIFAR10_BINARY_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
#: The folder that unpacking the binary version's archive makes.
CIFAR10_FOLDER = "cifar-10-batches-bin"
TRAIN_FILES = tuple(f"data_batch_{k}.bin" for k in range(1, 6))
TEST_FILE = "test_batch.bin"
META_FILE = "batches.meta.txt"

IMAGE_SHAPE = (3, 32, 32)  # as stored: channels, rows, columns
RECORD_BYTES = 1 + 3 * 32 * 32


def _how_to_get_it() -> str:
    return (
        f"deepgrad reads the binary version of CIFAR-10: download {CIFAR10_BINARY_URL} "
        f"(deepgrad never downloads), unpack it (tar xzf cifar-10-binary.tar.gz) and pass "
        f"the folder {CIFAR10_FOLDER} or the folder holding it. The Python version "
        "(cifar-10-python.tar.gz, folder cifar-10-batches-py) is not read: its files are "
        "pickles, and deepgrad never unpickles"
    )


def _folder(path) -> Path:
    """The ``cifar-10-batches-bin`` folder: ``path`` itself, or that folder inside it."""
    folder = Path(check_path(path, "path")).expanduser()
    inner = folder / CIFAR10_FOLDER
    if inner.is_dir():
        return inner
    if not folder.is_dir():
        raise FileNotFoundError(
            f"CIFAR-10 folder {str(folder)!r} does not exist or is not a folder. "
            + _how_to_get_it()
        )
    return folder


def _files(folder: Path, names) -> list[Path]:
    """The files ``names`` in ``folder``; FileNotFoundError naming each missing one."""
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        pickled = [name for name in ("data_batch_1", "test_batch") if (folder / name).is_file()]
        found_pickles = (
            f" {str(folder)!r} holds {', '.join(pickled)} without .bin: that is the Python "
            "(pickled) version, which is not read." if pickled else ""
        )
        raise FileNotFoundError(
            f"CIFAR-10 files missing in {str(folder)!r}: {', '.join(missing)}. The folder "
            f"should hold {', '.join(TRAIN_FILES)}, {TEST_FILE} and {META_FILE}."
            f"{found_pickles} " + _how_to_get_it()
        )
    return [folder / name for name in names]


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """``(images, labels)`` of one ``.bin`` file: uint8 ``(n, 32, 32, 3)`` and ``(n, 1)``."""
    content = np.fromfile(path, dtype=np.uint8)
    if content.size == 0 or content.size % RECORD_BYTES:
        raise ValueError(
            f"{path} is damaged or truncated: it has {content.size} bytes, which is not a "
            f"positive multiple of {RECORD_BYTES} (one label byte and 3072 pixel bytes per "
            f"image; a complete batch has 10000 images, {10000 * RECORD_BYTES} bytes). "
            f"Download {CIFAR10_BINARY_URL} again"
        )
    records = content.reshape(-1, RECORD_BYTES)
    labels = records[:, :1].copy()
    if labels.max() > 9:
        position = int(np.argmax(labels[:, 0] > 9))
        raise ValueError(
            f"{path} is damaged: labels must be 0-9; the label of record {position} is "
            f"{int(labels[position, 0])}"
        )
    # channel-major (n, 3, 32, 32) as stored -> channels last (n, 32, 32, 3), as Keras gives
    images = records[:, 1:].reshape((-1, *IMAGE_SHAPE)).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def load_cifar10(path):
    """Load CIFAR-10 from the files of its binary version in a folder you downloaded it to.

    Nothing is downloaded and nothing is unpickled. Download
    https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (the *binary version*, 163 MB),
    unpack it, and pass the folder ``cifar-10-batches-bin`` it makes, or the folder that holds
    it. That folder must hold ``data_batch_1.bin`` … ``data_batch_5.bin`` and
    ``test_batch.bin``; each is a run of 3073-byte records, one label byte and then the image's
    red, green and blue 32×32 planes, row by row. The Python version (``cifar-10-python.tar.gz``)
    holds pickles, which can run code when loaded, and is not read.

    Parameters
    ----------
    path : str or os.PathLike
        The folder ``cifar-10-batches-bin``, or the folder holding it (``~`` is expanded).

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of ndarray
        As ``keras.datasets.cifar10.load_data()`` gives them: images uint8 of shape
        ``(n_samples, 32, 32, 3)``, channels last (red, green, blue), values 0–255 — 50000
        training images (the five batches in order) and 10000 test images — and labels uint8 of
        shape ``(n_samples, 1)`` with values 0–9, whose names are in :data:`CIFAR10_CLASSES`
        (or :func:`load_cifar10_class_names`). Scale the images with
        ``.astype("float32") / 255.0``; ``y.ravel()`` gives labels of shape ``(n_samples,)``.

    Raises
    ------
    FileNotFoundError
        If the folder or a file is missing; the message names the expected files and says
        where to download the binary version.
    ValueError
        If a file's size is not a positive multiple of 3073 bytes (a damaged or truncated
        download), or a label is not 0–9.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_cifar10("~/data")  # doctest: +SKIP
    >>> x_train.shape, x_train.dtype, y_train.shape  # doctest: +SKIP
    ((50000, 32, 32, 3), dtype('uint8'), (50000, 1))
    >>> CIFAR10_CLASSES[y_train[0, 0]]  # doctest: +SKIP
    'frog'

    A folder without the files gives a message that says what to put there:

    >>> load_cifar10("no-such-folder")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    FileNotFoundError: CIFAR-10 folder 'no-such-folder' does not exist or is not a folder. ...
    """
    folder = _folder(path)
    paths = _files(folder, (*TRAIN_FILES, TEST_FILE))
    batches = [_read_batch(file) for file in paths]
    x_train = np.concatenate([images for images, _ in batches[:-1]])
    y_train = np.concatenate([labels for _, labels in batches[:-1]])
    x_test, y_test = batches[-1]
    return (x_train, y_train), (x_test, y_test)


def load_cifar10_class_names(path) -> tuple[str, ...]:
    """The class names listed in ``batches.meta.txt`` of the binary version of CIFAR-10.

    Parameters
    ----------
    path : str or os.PathLike
        The folder ``cifar-10-batches-bin``, or the folder holding it, as for
        :func:`load_cifar10`.

    Returns
    -------
    tuple of str
        The ten names, label ``k`` first at ``k``: the same as :data:`CIFAR10_CLASSES` for the
        original files. Blank lines (the file ends with some) are skipped.

    Raises
    ------
    FileNotFoundError
        If the folder or ``batches.meta.txt`` is missing.
    ValueError
        If the file does not list ten names.

    Examples
    --------
    >>> load_cifar10_class_names("~/data")[:3]  # doctest: +SKIP
    ('airplane', 'automobile', 'bird')
    """
    (meta,) = _files(_folder(path), (META_FILE,))
    names = tuple(line.strip() for line in meta.read_text(encoding="utf-8").splitlines()
                  if line.strip())
    if len(names) != len(CIFAR10_CLASSES):
        raise ValueError(
            f"{meta} should list the {len(CIFAR10_CLASSES)} class names of CIFAR-10, one per "
            f"line; it lists {len(names)}"
        )
    return names
