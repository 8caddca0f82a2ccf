"""Keras's recurrent cells — ``SimpleRNNCell``, ``LSTMCell``, ``GRUCell`` and
``StackedRNNCells`` — as :class:`~deepgrad.layers.RNN` takes them.

A cell holds the settings of one step (``units``, activations, initializers, regularizers,
dropouts, seed); :class:`~deepgrad.layers.RNN` runs it over a sequence as the matching
recurrent layer (``RNN(LSTMCell(64))`` is ``LSTM(64)``, with the same weights), so the time loop
stays one primitive. A cell is not called step by step on its own: deepgrad's cells are the
built-in ones, whose step is the fused loop's.

>>> cell = LSTMCell(8)
>>> cell.state_size, cell.output_size, cell.get_config()["units"]
([8, 8], 8, 8)
"""

from __future__ import annotations

from ..common.checks import check_str
from ..common.names import unique_name
from ..common.registry import Registry, snake_case
from .recurrent import GRU, LSTM, SimpleRNN

__all__ = ["CELLS", "GRUCell", "LSTMCell", "SimpleRNNCell", "StackedRNNCells", "deserialize",
           "get", "serialize"]

#: The cells by snake_case class name (``lstm_cell``), for model files.
CELLS = Registry("recurrent cell")


class _Cell:
    """A recurrent step's settings; ``layer_class`` is the layer that runs them."""

    layer_class = SimpleRNN

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        CELLS.register_class(cls)

    def __init__(self, units, name=None, **settings):
        self.units = units
        self.settings = settings
        self.name = unique_name(snake_case(type(self).__name__)) if name is None else check_str(name, "name")
        self.layer_class(units, **settings)  # the settings checked now, each by name

    @property
    def state_size(self):
        return [self.units, self.units] if self.layer_class is LSTM else self.units

    @property
    def output_size(self) -> int:
        return self.units

    def make_layer(self, **flags):
        """The recurrent layer that runs this cell over a sequence, with the RNN's ``flags``."""
        return self.layer_class(self.units, name=self.name, **self.settings, **flags)

    def get_config(self) -> dict:
        layer = self.make_layer()
        config = layer.get_config()
        for key in ("return_sequences", "return_state", "go_backwards", "stateful",
                    "zero_output_for_mask", "trainable", "dtype"):
            config.pop(key, None)
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __call__(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} runs inside RNN: call RNN({type(self).__name__}"
                        f"(...)) on the sequence, or use {self.layer_class.__name__} directly")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} units={self.units}>"


class SimpleRNNCell(_Cell):
    """The step of :class:`~deepgrad.layers.SimpleRNN`, for :class:`~deepgrad.layers.RNN`;
    the same arguments but those of the sequence (``return_sequences``...)."""

    layer_class = SimpleRNN


class LSTMCell(_Cell):
    """The step of :class:`~deepgrad.layers.LSTM`, for :class:`~deepgrad.layers.RNN`; the
    same arguments but those of the sequence (``return_sequences``...)."""

    layer_class = LSTM


class GRUCell(_Cell):
    """The step of :class:`~deepgrad.layers.GRU` (``reset_after=True`` by default), for
    :class:`~deepgrad.layers.RNN`; the same arguments but those of the sequence."""

    layer_class = GRU


class StackedRNNCells:
    """Cells run one after the other at every step, for :class:`~deepgrad.layers.RNN` (as
    ``RNN([cell, cell])``): each cell's output is the next one's input."""

    def __init__(self, cells, **kwargs):
        cells = list(cells)
        if not cells or not all(isinstance(c, _Cell) for c in cells):
            raise TypeError("StackedRNNCells needs a list of SimpleRNNCell, LSTMCell or GRUCell; "
                            f"got {[type(c).__name__ for c in cells]}")
        self.cells = cells

    @property
    def state_size(self) -> list:
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self) -> int:
        return self.cells[-1].output_size

    def get_config(self) -> dict:
        return {"cells": [serialize(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config: dict):
        return cls([deserialize(c) for c in config["cells"]])


CELLS.register_class(StackedRNNCells)


def serialize(cell) -> dict:
    """``{"class_name": ..., "config": ...}`` of a cell (or stacked cells)."""
    return {"class_name": type(cell).__name__, "config": cell.get_config()}


def deserialize(spec: dict):
    """A cell from :func:`serialize`'s output, its class looked up in :data:`CELLS` only."""
    cls, config = CELLS.from_config(spec)
    return cls.from_config(config)


def get(identifier):
    """A cell from an instance (returned unchanged), a config dict or — for a cell that needs
    no arguments, which none does — a name."""
    if isinstance(identifier, (_Cell, StackedRNNCells)):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return CELLS.instance(identifier)
    raise TypeError(f"a recurrent cell must be a cell, a config dict or a name; got "
                    f"{type(identifier).__name__}")
