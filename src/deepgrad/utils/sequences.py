"""``pad_sequences``: sequences of different lengths as one array of equal-length rows."""

from __future__ import annotations

import numpy as np

from ..common.checks import check_int, describe

__all__ = ["pad_sequences"]

_SIDES = ("pre", "post")


def _check_side(value, name: str) -> str:
    if not isinstance(value, str) or value not in _SIDES:
        raise ValueError(f"{name} must be 'pre' or 'post'; got {value!r}")
    return value


def _as_list(sequences) -> list:
    if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__iter__"):
        raise TypeError(f"sequences must be a list of sequences (lists, tuples or arrays); got "
                        f"{describe(sequences)}")
    return sequences if hasattr(sequences, "__len__") else list(sequences)


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0) -> np.ndarray:
    """Pad (or cut) sequences to one length and stack them (``keras.utils.pad_sequences``).

    Sequences shorter than ``maxlen`` are filled with ``value`` at the start (``"pre"``) or
    the end (``"post"``); longer ones lose entries at the start or the end. Entries may be
    numbers or arrays of one common shape (then the result has that shape after the first two
    axes). Entries are converted to ``dtype`` as NumPy converts them (floats into an integer
    dtype are truncated, as in Keras).

    Parameters
    ----------
    sequences : iterable of sequences
        Lists, tuples or arrays; empty ones give a row of ``value``.
    maxlen : int >= 0, optional
        Length of every row; by default the longest sequence's.
    dtype : numpy dtype or its name, default "int32"
        Use ``object`` for strings of any length.
    padding : {"pre", "post"}, default "pre"
        Where the filling goes.
    truncating : {"pre", "post"}, default "pre"
        Where entries are removed from sequences longer than ``maxlen``.
    value : number or str, default 0.0
        The filling (a str only with ``dtype=object`` or a string dtype).

    Returns
    -------
    ndarray of shape (len(sequences), maxlen) + entry shape

    Raises
    ------
    TypeError
        If ``sequences`` or one of them is not a sequence, or ``dtype`` is not a dtype.
    ValueError
        For a bad ``padding``, ``truncating``, ``maxlen`` or ``value``, or a sequence whose
        entries have another shape than the others' or do not fit ``dtype`` (naming it).

    Examples
    --------
    >>> pad_sequences([[1], [2, 3], [4, 5, 6]])
    array([[0, 0, 1],
           [0, 2, 3],
           [4, 5, 6]], dtype=int32)
    >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2, padding="post", truncating="post")
    array([[1, 0],
           [2, 3],
           [4, 5]], dtype=int32)
    >>> pad_sequences([["a"], ["b", "c"]], dtype=object, value="")
    array([['', 'a'],
           ['b', 'c']], dtype=object)
    """
    padding = _check_side(padding, "padding")
    truncating = _check_side(truncating, "truncating")
    if maxlen is not None:
        maxlen = check_int(maxlen, "maxlen", minimum=0)
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be a NumPy dtype or its name; got {describe(dtype)}") from None
    if isinstance(value, str) and dtype.kind not in "OUS":
        raise ValueError(f"value {value!r} is a str, which dtype {dtype} cannot hold; use "
                         f"dtype=object for strings of any length")
    try:
        np.asarray(value, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"value must fit dtype {dtype}; got {describe(value)}") from None
    sequences = _as_list(sequences)
    lengths = []
    for i, sequence in enumerate(sequences):
        try:
            if isinstance(sequence, (str, bytes)) or not hasattr(sequence, "__getitem__"):
                raise TypeError
            lengths.append(len(sequence))
        except TypeError:
            raise TypeError(f"sequences[{i}] must be a sequence (a list, tuple or array); got "
                            f"{describe(sequence)}") from None
    if maxlen is None:
        maxlen = max(lengths, default=0)
    first = next((i for i, n in enumerate(lengths) if n), None)
    entry_shape = () if first is None else np.asarray(sequences[first]).shape[1:]
    result = np.full((len(sequences), maxlen) + entry_shape, value, dtype=dtype)
    if maxlen == 0:
        return result
    for i, sequence in enumerate(sequences):
        if not lengths[i]:
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        try:
            kept = np.asarray(kept, dtype=dtype)
        except (TypeError, ValueError, OverflowError) as error:
            raise ValueError(f"sequences[{i}] cannot be stored as {dtype}: {error}") from None
        if kept.shape[1:] != entry_shape:
            raise ValueError(f"the entries of sequences[{i}] have shape {kept.shape[1:]}, those "
                             f"of sequences[{first}] {entry_shape}; all must have one shape")
        if padding == "pre":
            result[i, maxlen - len(kept):] = kept
        else:
            result[i, :len(kept)] = kept
    return result
