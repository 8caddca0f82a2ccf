"""Data sets: seeded 2-D toys, the lecture notes' tables, digits, MNIST, CIFAR-10, CSV files.

* Toy problems, each ``make_*(n_samples, *, ..., seed=None) -> (X, y)`` with ``X`` float32 of
  shape ``(n_samples, 2)`` and ``y`` int64: :func:`make_moons`, :func:`make_circles`,
  :func:`make_spiral`, :func:`make_xor`, :func:`make_blobs`.
* The notes' tables, extended to 200 rows by a stated rule and a fixed seed, as a
  :class:`Dataset` (or ``(X, y)`` with ``return_X_y=True``): :func:`load_pass_fail`,
  :func:`load_placement`, :func:`load_house_prices`; and :func:`load_digits` through
  scikit-learn (``as_images=True`` gives ``(n, 8, 8, 1)`` images).
* Files you already have (nothing is ever downloaded, nothing is unpickled):
  :func:`load_mnist` and :func:`load_fashion_mnist` read IDX files (``as_images=True`` gives
  ``(n, 28, 28, 1)``), :func:`read_idx` one IDX file, :func:`load_cifar10` the binary version
  of CIFAR-10 (``(n, 32, 32, 3)`` images, channels last), :func:`load_csv` a CSV file.
* A seeded, optionally stratified :func:`train_test_split`.

>>> from deepgrad import datasets
>>> X, y = datasets.make_moons(100, seed=0)
>>> X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, seed=0)
>>> X_train.shape, X_test.shape
((75, 2), (25, 2))
"""

from .base import Dataset
from .cifar import CIFAR10_CLASSES, load_cifar10, load_cifar10_class_names
from .csv_files import load_csv
from .idx import FASHION_MNIST_CLASSES, load_fashion_mnist, load_mnist, read_idx
from .splits import train_test_split
from .tables import load_digits, load_house_prices, load_pass_fail, load_placement
from .toy import make_blobs, make_circles, make_moons, make_spiral, make_xor

__all__ = [
    "CIFAR10_CLASSES", "FASHION_MNIST_CLASSES", "Dataset", "load_cifar10",
    "load_cifar10_class_names", "load_csv", "load_digits", "load_fashion_mnist",
    "load_house_prices", "load_mnist", "load_pass_fail", "load_placement", "make_blobs",
    "make_circles", "make_moons", "make_spiral", "make_xor", "read_idx",
    "train_test_split",
]
