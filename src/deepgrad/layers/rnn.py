"""Keras's ``RNN(cell)``: a recurrent cell (or a stack of them) run over a sequence.

Each cell is run by the recurrent layer it is the step of (:mod:`deepgrad.layers.cells`), so
``RNN(LSTMCell(64))`` computes what ``LSTM(64)`` computes, with the same weights, through the
same one-primitive time loop. Stacked cells (``RNN([cell, cell])`` or ``StackedRNNCells``) run
as a chain of those layers, each handing its whole sequence to the next: at every step a cell's
output is the next cell's input, as in Keras.
"""

from __future__ import annotations

from ..autograd.tensor import Tensor
from ..common.checks import check_bool
from .base import Layer
from . import cells as cells_module
from .cells import StackedRNNCells, _Cell

__all__ = ["RNN"]


class RNN(Layer):
    """Runs ``cell`` over the steps of ``(batch, steps, features)`` inputs.

    Parameters
    ----------
    cell : SimpleRNNCell, LSTMCell, GRUCell, a list of them, or StackedRNNCells
    return_sequences, return_state, go_backwards, stateful, zero_output_for_mask : bool
        As for :class:`~deepgrad.layers.LSTM`; with several cells ``return_state`` returns, after
        the output, every cell's last states in order, as one flat list (Keras nests an LSTM
        cell's ``[h, c]`` in a list of its own there).
    unroll : bool
        Keras's setting, accepted: the loop is one primitive either way.

    Examples
    --------
    >>> import numpy as np
    >>> from deepgrad.layers import LSTMCell
    >>> layer = RNN([LSTMCell(4, seed=0), LSTMCell(3, seed=1)], return_sequences=True)
    >>> layer(np.ones((2, 5, 6), "float32")).shape, layer.count_params()
    ((2, 5, 3), 272)
    """

    supports_masking = True

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        cells = cell.cells if isinstance(cell, StackedRNNCells) else [cell]
        if not all(isinstance(c, _Cell) for c in cells):
            raise TypeError(f"RNN needs a SimpleRNNCell, LSTMCell or GRUCell (or a list of them); "
                            f"got {type(cell).__name__}")
        self.cell = cell
        self.return_sequences = check_bool(return_sequences, "return_sequences")
        self.return_state = check_bool(return_state, "return_state")
        self.go_backwards = check_bool(go_backwards, "go_backwards")
        self.stateful = check_bool(stateful, "stateful")
        self.unroll = check_bool(unroll, "unroll")
        self.zero_output_for_mask = check_bool(zero_output_for_mask, "zero_output_for_mask")
        last = len(cells) - 1
        #: the layers that run the cells, in order (the first goes backwards when asked: the
        #: others then read its sequence in the order it ran)
        self.cell_layers = [
            c.make_layer(return_sequences=self.return_sequences or i < last,
                         return_state=self.return_state, go_backwards=self.go_backwards and i == 0,
                         stateful=self.stateful,
                         zero_output_for_mask=self.zero_output_for_mask and i == last)
            for i, c in enumerate(cells)]
        self.replayable = not self.stateful

    def build(self, input_shape: tuple) -> None:
        shape = tuple(input_shape)
        for layer in self.cell_layers:
            layer._ensure_built(shape, self._weight_dtype())
            out = layer.compute_output_shape(shape)
            shape = tuple(out[0] if isinstance(out, list) else out)
        self.built = True

    def call(self, x: Tensor, training: bool = False, mask=None, initial_state=None):
        states = _split_states(initial_state, self.cell_layers)
        carried = []
        for i, layer in enumerate(self.cell_layers):
            out = layer(x, training=training, mask=mask, initial_state=states[i])
            if self.return_state:
                x, carried = out[0], carried + list(out[1:])
            else:
                x = out
            if i == 0 and self.go_backwards and mask is not None:
                mask = mask[:, ::-1]  # the next cells read the steps in the order they ran
        return [x] + carried if self.return_state else x

    def compute_output_shape(self, input_shape: tuple):
        shape, states = tuple(input_shape), []
        for layer in self.cell_layers:
            out = layer.compute_output_shape(shape)
            shape, more = (tuple(out[0]), list(out[1:])) if isinstance(out, list) else (tuple(out), [])
            states += more
        return [shape] + states if self.return_state else shape

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    def reset_states(self, states=None) -> None:
        """Start every cell of a stateful RNN afresh (or from ``states``, one array per state of
        every cell, in order)."""
        for layer, given in zip(self.cell_layers, _split_states(states, self.cell_layers)):
            layer.reset_states(given)

    reset_state = reset_states

    def get_config(self) -> dict:
        return {**super().get_config(), "cell": cells_module.serialize(self.cell),
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful,
                "unroll": self.unroll, "zero_output_for_mask": self.zero_output_for_mask}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        return cls(cells_module.deserialize(config.pop("cell")), **config)


def _split_states(states, layers) -> list:
    """``states`` (all the cells' states, in order, or None) as each layer's list (or None)."""
    if states is None:
        return [None] * len(layers)
    states = list(states) if isinstance(states, (list, tuple)) else [states]
    counts = [2 if layer.cell == "lstm" else 1 for layer in layers]
    if len(states) != sum(counts):
        raise ValueError(f"this RNN's cells take {sum(counts)} initial states ({counts} per cell); "
                         f"got {len(states)}")
    split, start = [], 0
    for count in counts:
        split.append(states[start:start + count])
        start += count
    return split
