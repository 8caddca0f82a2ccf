"""``set_random_seed``: Keras's name for :func:`deepgrad.set_seed`."""

from __future__ import annotations

from ..common.rng import set_seed

__all__ = ["set_random_seed"]


def set_random_seed(seed) -> None:
    """Make every later random draw in deepgrad reproducible (``keras.utils.set_random_seed``).

    The same as :func:`deepgrad.set_seed`: it reseeds deepgrad's own root generator, from which
    everything called with ``seed=None`` (initializers, dropout, shuffling in ``fit``) draws.
    Unlike Keras, it does not seed Python's ``random`` module or NumPy's global random state:
    deepgrad never reads or changes global random state, so seeding it here would not affect
    deepgrad, and other code's draws are left alone. Seed those yourself if your own code uses
    them.

    Parameters
    ----------
    seed : int >= 0

    Raises
    ------
    TypeError
        If ``seed`` is not an int.
    ValueError
        If ``seed`` is negative.

    Examples
    --------
    >>> import numpy as np
    >>> from deepgrad.layers import Dense
    >>> set_random_seed(7); first = Dense(2)(np.ones((1, 3))).data
    >>> set_random_seed(7); again = Dense(2)(np.ones((1, 3))).data
    >>> bool((first == again).all())
    True
    """
    set_seed(seed)
