"""Argument checks shared by the channels-last layers (pooling, padding, cropping, up-sampling,
spatial dropout): window sizes given as an int or a tuple, the refused ``"channels_first"``, and
the rank of a 1-D ``(batch, steps, channels)`` or 2-D ``(batch, height, width, channels)`` input.
"""

from __future__ import annotations

from numbers import Integral

from ..common.checks import describe

__all__ = ["check_data_format", "check_input_rank", "is_int", "spatial_tuple"]


def is_int(value) -> bool:
    """Whether ``value`` is an int (NumPy's too), and not a bool."""
    return isinstance(value, Integral) and not isinstance(value, bool)


def spatial_tuple(value, rank: int, name: str, *, minimum: int = 1) -> tuple:
    """``value`` — an int, or a tuple (or list) of ``rank`` ints — as a tuple of ``rank`` ints
    >= ``minimum``.

    >>> spatial_tuple(2, 2, "pool_size"), spatial_tuple([3], 1, "strides")
    ((2, 2), (3,))
    >>> spatial_tuple((2, 0), 2, "pool_size")
    Traceback (most recent call last):
    ...
    ValueError: pool_size must be an int >= 1 or a tuple of 2 ints >= 1; got (2, 0)
    """
    expected = (f"an int >= {minimum} or a tuple of {rank} int{'s' if rank > 1 else ''} "
                f">= {minimum}")
    items = (value,) * rank if is_int(value) else value
    if not isinstance(items, (tuple, list)) or not all(is_int(v) for v in items):
        raise TypeError(f"{name} must be {expected}; got {describe(value)}")
    if len(items) != rank or any(v < minimum for v in items):
        raise ValueError(f"{name} must be {expected}; got {value!r}")
    return tuple(int(v) for v in items)


def check_data_format(data_format) -> str:
    """``"channels_last"`` for None or ``"channels_last"``; anything else is refused.

    >>> check_data_format(None)
    'channels_last'
    """
    if data_format is None or data_format == "channels_last":
        return "channels_last"
    if data_format == "channels_first":
        raise ValueError("data_format must be 'channels_last': deepgrad is channels-last (images "
                         "are (batch, height, width, channels)); got 'channels_first' — move the "
                         "channel axis last with Permute or np.moveaxis")
    raise ValueError(f"data_format must be 'channels_last' (or None); got {describe(data_format)}")


_SHAPES = {1: "(batch, steps, channels)", 2: "(batch, height, width, channels)"}


def check_input_rank(layer, shape) -> None:
    """Fail with the layer's name and the shape it needs unless ``shape`` has the
    ``layer.rank + 2`` axes of a 1-D or 2-D channels-last batch."""
    if len(shape) != layer.rank + 2:
        raise ValueError(f"{type(layer).__name__} {layer.name!r} needs inputs of shape "
                         f"{_SHAPES[layer.rank]}; got {tuple(shape)}")
