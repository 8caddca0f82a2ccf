"""File names of Keras's formats (``.keras``, ``.h5``): deepgrad writes its own file under them.

A Keras script saves to ``model.keras`` and later loads ``model.keras``; deepgrad writes its
safetensors file at that very path, so the script's ``load_model`` finds it (deepgrad tells its
files by their contents, not their names), and says so once per path.
"""

from __future__ import annotations

import os
import warnings

__all__ = ["KERAS_EXTENSIONS", "KerasFileNameWarning", "note_keras_name"]

#: Extensions of Keras's file formats, which deepgrad takes as names only.
KERAS_EXTENSIONS = (".keras", ".h5", ".hdf5")


class KerasFileNameWarning(UserWarning):
    """deepgrad's file was written under a name of one of Keras's formats."""


_noted: set = set()


def note_keras_name(path, kind: str) -> None:
    """Warn, once per path, when ``path`` ends in a Keras extension; ``kind`` is ``"model"`` or
    ``"weights"``."""
    name = os.fspath(path)
    extension = next((e for e in KERAS_EXTENSIONS if name.lower().endswith(e)), None)
    if extension is None or name in _noted:
        return
    _noted.add(name)
    reader = "model.load_weights(path)" if kind == "weights" else "deepgrad.load_model(path)"
    warnings.warn(
        f"{name!r} holds a deepgrad safetensors {kind} file, not Keras's {extension} format "
        f"(deepgrad does not write .keras or HDF5 files); {reader} reads it from this path",
        KerasFileNameWarning, stacklevel=3,
    )
