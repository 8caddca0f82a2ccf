"""MNIST and Fashion-MNIST from IDX files that the user has downloaded; deepgrad never downloads.

An IDX file is a 4-byte big-endian magic number ``0x0000TTDD`` (``TT`` the element type,
``0x08`` for unsigned bytes; ``DD`` the number of dimensions), then one big-endian uint32 per
dimension, then the elements in C order. MNIST images are ``0x00000803`` (uint8, 3 dimensions:
count, rows, columns) and labels ``0x00000801`` (uint8, 1 dimension). A file may be gzipped;
that is recognised from its first bytes, whatever its name.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path

import numpy as np

from ..common.checks import check_bool, check_path

__all__ = ["FASHION_MNIST_CLASSES", "load_fashion_mnist", "load_mnist", "read_idx"]

#: The file names of both MNIST and Fashion-MNIST; each may also end in ``.gz``.
IDX_FILE_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

#: Where each data set's IDX files can be had (deepgrad never downloads them itself).
IDX_SOURCES = {
    "MNIST": "https://ossci-datasets.s3.amazonaws.com/mnist/ (a mirror of "
             "http://yann.lecun.com/exdb/mnist/)",
    "Fashion-MNIST": "https://github.com/zalandoresearch/fashion-mnist (folder data/fashion)",
}

#: Names of the Fashion-MNIST classes: label ``k`` is ``FASHION_MNIST_CLASSES[k]``.
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)

_IMAGES_MAGIC = 0x00000803
_LABELS_MAGIC = 0x00000801
_GZIP_MAGIC = b"\x1f\x8b"
_ELEMENT_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _file_bytes(path: Path) -> bytes:
    """The content of ``path``, decompressed when it starts with the gzip magic bytes."""
    raw = path.read_bytes()
    if not raw.startswith(_GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise ValueError(f"{path} is a damaged or truncated gzip file: {error}") from None


def _parse_idx(content: bytes, source) -> tuple[int, np.ndarray]:
    """``(magic number, array)`` from the bytes of an IDX file; ValueError if malformed."""
    if len(content) < 4:
        raise ValueError(
            f"{source} is not an IDX file: it has {len(content)} bytes, fewer than the 4-byte "
            "magic number"
        )
    magic = int.from_bytes(content[:4], "big")
    type_code, n_dims = content[2], content[3]
    if content[:2] != b"\x00\x00" or type_code not in _ELEMENT_TYPES or n_dims == 0:
        raise ValueError(
            f"{source} is not an IDX file: magic number 0x{magic:08X}; expected 0x0000TTDD with "
            "element type TT in (08, 09, 0B, 0C, 0D, 0E) and DD >= 1 dimensions, such as "
            "0x00000803 for images or 0x00000801 for labels"
        )
    header_size = 4 + 4 * n_dims
    if len(content) < header_size:
        raise ValueError(
            f"{source} is truncated: its magic number declares {n_dims} dimensions, so the "
            f"header needs {header_size} bytes, but the file has {len(content)}"
        )
    shape = struct.unpack(f">{n_dims}I", content[4:header_size])
    element_type = _ELEMENT_TYPES[type_code]
    n_elements = math.prod(shape)
    expected_bytes = n_elements * element_type.itemsize
    found_bytes = len(content) - header_size
    if found_bytes < expected_bytes:
        raise ValueError(
            f"{source} is truncated: its header declares shape {shape}, i.e. {expected_bytes} "
            f"bytes of data, but only {found_bytes} follow"
        )
    if found_bytes > expected_bytes:
        raise ValueError(
            f"{source} is malformed: its header declares shape {shape}, i.e. {expected_bytes} "
            f"bytes of data, but {found_bytes} follow"
        )
    elements = np.frombuffer(content, dtype=element_type, count=n_elements, offset=header_size)
    return magic, elements.reshape(shape).astype(element_type.newbyteorder("="))


def read_idx(path) -> np.ndarray:
    """Read one IDX file (plain or gzipped) into a NumPy array.

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    ndarray
        Of the shape and element type that the header declares, in native byte order and
        writable.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    ValueError
        If the magic number is wrong or the data is shorter or longer than the header says.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder, "labels-idx1-ubyte")
    ...     _ = path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
    ...     read_idx(path)
    array([7, 2, 1], dtype=uint8)
    """
    path = Path(check_path(path, "path"))
    return _parse_idx(_file_bytes(path), path)[1]


def _find_idx_files(folder: Path, dataset_name: str) -> list[Path]:
    """The four IDX files in ``folder``, each plain or ``.gz``; FileNotFoundError naming all."""
    expected = ", ".join(IDX_FILE_NAMES)
    download_hint = (
        f"download the four {dataset_name} files into it, e.g. from "
        f"{IDX_SOURCES[dataset_name]} (deepgrad never downloads); each may be gzipped with a "
        ".gz suffix"
    )
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{dataset_name} folder {str(folder)!r} does not exist or is not a folder; it should "
            f"hold {expected}: " + download_hint
        )
    found, missing = [], []
    for name in IDX_FILE_NAMES:
        candidates = [folder / name, folder / f"{name}.gz"]
        existing = [candidate for candidate in candidates if candidate.is_file()]
        if existing:
            found.append(existing[0])
        else:
            missing.append(name)
    if missing:
        raise FileNotFoundError(
            f"{dataset_name} files missing in {str(folder)!r}: {', '.join(missing)}. The folder "
            f"should hold {expected}: " + download_hint
        )
    return found


def _read_split(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images_magic, images = _parse_idx(_file_bytes(images_path), images_path)
    labels_magic, labels = _parse_idx(_file_bytes(labels_path), labels_path)
    for path, magic, expected, what in (
        (images_path, images_magic, _IMAGES_MAGIC, "uint8 images, 3 dimensions"),
        (labels_path, labels_magic, _LABELS_MAGIC, "uint8 labels, 1 dimension"),
    ):
        if magic != expected:
            raise ValueError(
                f"{path} has magic number 0x{magic:08X}; expected 0x{expected:08X} ({what})"
            )
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(labels)} labels"
        )
    if labels.size and labels.max() > 9:
        position = int(np.argmax(labels > 9))
        raise ValueError(
            f"{labels_path}: labels must be 0-9; label {position} is {int(labels[position])}"
        )
    return images, labels


def _load_idx_folder(path, dataset_name: str, as_images):
    folder = Path(check_path(path, "path")).expanduser()
    as_images = check_bool(as_images, "as_images")
    train_images, train_labels, test_images, test_labels = _find_idx_files(folder, dataset_name)
    splits = [_read_split(train_images, train_labels), _read_split(test_images, test_labels)]
    if as_images:  # one channel last: (n, rows, columns) -> (n, rows, columns, 1), a view
        splits = [(images[..., None], labels) for images, labels in splits]
    return tuple(splits)


def load_mnist(path, *, as_images: bool = False):
    """Load MNIST from the four IDX files in a folder you downloaded them to.

    Nothing is downloaded. ``path`` must hold ``train-images-idx3-ubyte``,
    ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``;
    each may instead be gzipped with a ``.gz`` suffix, as MNIST is distributed.

    Parameters
    ----------
    path : str or os.PathLike
        The folder holding the files (``~`` is expanded).
    as_images : bool, default False
        Give the images a channel axis, ``(n_samples, 28, 28, 1)``: the channels-last layout
        that ``Conv2D`` and the augmentation layers take (as :func:`load_digits` does with
        the same argument). Values and dtype are unchanged.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of ndarray
        As ``keras.datasets.mnist.load_data()``: images uint8 of shape ``(n_samples, 28, 28)``
        with values 0–255 (60000 training and 10000 test images of handwritten digits) and
        labels uint8 of shape ``(n_samples,)`` with values 0–9; with ``as_images=True`` the
        images are ``(n_samples, 28, 28, 1)``. To train a dense network, flatten and scale the
        images and widen the labels::

            x_train = x_train.reshape(len(x_train), -1).astype("float32") / 255.0
            y_train = y_train.astype("int64")

    Raises
    ------
    FileNotFoundError
        If the folder or a file is missing; the message names the expected files.
    ValueError
        If a file is malformed or truncated, has the wrong magic number, or the image and
        label counts differ.

    Examples
    --------
    >>> (x_train, y_train), (x_test, y_test) = load_mnist("~/data/mnist")  # doctest: +SKIP
    >>> x_train.shape, x_train.dtype, y_test.shape  # doctest: +SKIP
    ((60000, 28, 28), dtype('uint8'), (10000,))
    >>> (x_train, _), _ = load_mnist("~/data/mnist", as_images=True)  # doctest: +SKIP
    >>> x_train.shape  # doctest: +SKIP
    (60000, 28, 28, 1)

    A folder without the files gives a message that says what to put there:

    >>> load_mnist("no-such-folder")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    FileNotFoundError: MNIST folder 'no-such-folder' does not exist or is not a folder; ...
    """
    return _load_idx_folder(path, "MNIST", as_images)


def load_fashion_mnist(path, *, as_images: bool = False):
    """Load Fashion-MNIST from the four IDX files in a folder you downloaded them to.

    Fashion-MNIST uses the same file names and format as MNIST (see :func:`load_mnist`):
    ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and
    ``t10k-labels-idx1-ubyte``, each optionally gzipped with a ``.gz`` suffix. Nothing is
    downloaded.

    Parameters
    ----------
    path : str or os.PathLike
        The folder holding the files (``~`` is expanded).
    as_images : bool, default False
        Give the images a channel axis, ``(n_samples, 28, 28, 1)``: the channels-last layout
        that ``Conv2D`` and the augmentation layers take (as :func:`load_digits` does with
        the same argument). Values and dtype are unchanged.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of ndarray
        As ``keras.datasets.fashion_mnist.load_data()``: 60000 training and 10000 test images,
        uint8 of shape ``(n_samples, 28, 28)`` with values 0–255, and uint8 labels 0–9 whose
        names are in :data:`FASHION_MNIST_CLASSES`; with ``as_images=True`` the images are
        ``(n_samples, 28, 28, 1)``. Scale with ``.astype("float32") / 255.0``.

    Raises
    ------
    FileNotFoundError
        If the folder or a file is missing; the message names the expected files.
    ValueError
        If a file is malformed or truncated, has the wrong magic number, or the image and
        label counts differ.

    Examples
    --------
    >>> (x_train, y_train), _ = load_fashion_mnist("~/data/fashion")  # doctest: +SKIP
    >>> FASHION_MNIST_CLASSES[y_train[0]]  # doctest: +SKIP
    'Ankle boot'
    >>> load_fashion_mnist("no-such-folder")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    FileNotFoundError: Fashion-MNIST folder 'no-such-folder' does not exist or is not a folder; ...
    """
    return _load_idx_folder(path, "Fashion-MNIST", as_images)
