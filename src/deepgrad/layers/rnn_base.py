"""What the recurrent layers share (:class:`RNNBase`): the arguments Keras's recurrent layers
take, the weights, the call — the inputs projected for every step at once, then the whole time
loop as one primitive (:func:`deepgrad.functional.recurrent`) — masks, initial and carried
(``stateful``) states, and the configuration. :mod:`deepgrad.layers.recurrent` defines the
layers themselves.
"""

from __future__ import annotations

import numpy as np

from .. import activations, functional, initializers, ops, regularizers
from ..autograd.tensor import Tensor, _apply
from ..common.checks import check_bool, check_number, check_positive_int, check_seed
from ..common.rng import as_generator
from .core import cast_to, seed_config

__all__ = ["RNNBase", "fused_name"]

#: The activations the time loop fuses, by function (ops.recurrent.GATE_ACTIVATIONS).
_FUSED = {activations.tanh: "tanh", activations.sigmoid: "sigmoid", activations.relu: "relu",
          activations.linear: "linear"}


def fused_name(fn, argument: str, layer: str) -> str:
    name = _FUSED.get(fn)
    if name is None:
        raise ValueError(f"{layer}: {argument} must be one of {sorted(_FUSED.values())} (the "
                         f"activations the time loop computes); got {activations.serialize(fn)!r}")
    return name


def _rate(value, name: str) -> float:
    return check_number(value, name, low=0.0, high=1.0, high_open=True)


class RNNBase:
    """What the three recurrent layers share (mixed into :class:`Layer`; ``cell`` and
    ``gates`` set by each)."""

    cell = "simple_rnn"
    gates = 1
    supports_masking = True

    def __init__(self, units, activation="tanh", use_bias=True, *,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False,
                 zero_output_for_mask=False, seed=None, stateful=False, unroll=False, **kwargs):
        super().__init__(**kwargs)
        layer = type(self).__name__
        #: carry each sample's last state into the next batch as its initial state (Keras's
        #: stateful RNN: the batches must keep one size; ``reset_states()`` starts afresh)
        self.stateful = check_bool(stateful, "stateful")
        self.replayable = not self.stateful  # the state moves on in Python, call by call
        self._states = None
        check_bool(unroll, "unroll")  # the loop is one primitive either way
        self.units = check_positive_int(units, "units")
        self.activation = activations.get(activation)
        fused_name(self.activation, "activation", layer)
        self.use_bias = check_bool(use_bias, "use_bias")
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.dropout = _rate(dropout, "dropout")
        self.recurrent_dropout = _rate(recurrent_dropout, "recurrent_dropout")
        self.return_sequences = check_bool(return_sequences, "return_sequences")
        self.return_state = check_bool(return_state, "return_state")
        self.go_backwards = check_bool(go_backwards, "go_backwards")
        self.zero_output_for_mask = check_bool(zero_output_for_mask, "zero_output_for_mask")
        self.seed = check_seed(seed)
        self._generator = as_generator(seed)
        self.kernel = self.recurrent_kernel = self.bias = None

    # ------------------------------------------------------------------ weights
    def _bias_shape(self) -> tuple:
        return (self.gates * self.units,)

    def _bias_initializer(self):
        return self.bias_initializer

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} {self.name!r} needs inputs of shape (batch, "
                             f"steps, features) with a known number of features; got input "
                             f"shape {tuple(input_shape)}")
        rng = as_generator(self.seed)
        width = self.gates * self.units
        self.kernel = self.add_weight("kernel", (input_shape[-1], width), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, seed=rng)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (self.units, width), self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, seed=rng)
        if self.use_bias:
            self.bias = self.add_weight("bias", self._bias_shape(), self._bias_initializer(),
                                        regularizer=self.bias_regularizer, seed=rng)
        self.built = True

    # ------------------------------------------------------------------ computing
    def _input_bias(self):
        return self.bias

    def _recurrent_bias(self, dtype):
        return None

    def _loop_settings(self) -> dict:
        return {}

    def call(self, x: Tensor, training: bool = False, mask=None, initial_state=None):
        name = type(self).__name__
        if x.ndim != 3 or x.shape[2] != self.kernel.shape[0]:
            raise ValueError(f"{name} {self.name!r} was built for inputs of shape (batch, steps, "
                             f"{self.kernel.shape[0]}); got {x.shape}")
        x = cast_to(x, self.kernel.dtype)
        n, steps = x.shape[:2]
        if training and self.dropout > 0.0:  # one mask per sequence, the same at every step
            x = _apply(ops.Dropout(self.dropout, self._generator, shared_axes=(1,)), x)
        if initial_state is None and self.stateful and self._states is not None:
            initial_state = self._carried_state(n)
        if initial_state is not None:
            initial_state = self._check_state(initial_state, n)
        if mask is not None:
            mask = mask if isinstance(mask, Tensor) else Tensor(np.asarray(mask, bool))
            if mask.shape != (n, steps):
                raise ValueError(f"{name} {self.name!r}: the mask must have shape (batch, steps) "
                                 f"= {(n, steps)}; got {mask.shape}")
        rate = self.recurrent_dropout if training else 0.0
        states = functional.recurrent(
            self.cell, x, self.kernel, self.recurrent_kernel, self._input_bias(),
            self._recurrent_bias(x.dtype), initial_state, mask, activation=fused_name(self.activation, "activation", name),
            recurrent_activation=self._recurrent_activation_name(), go_backwards=self.go_backwards,
            recurrent_dropout=rate, seed=self._generator, **self._loop_settings())
        u = self.units
        parts = states.shape[2] // u
        if self.stateful:
            last = states.data[:, -1]
            self._states = [last[:, p * u:(p + 1) * u].copy() for p in range(parts)]
        if self.return_sequences:
            output = states if parts == 1 else states[:, :, :u]
            if mask is not None and self.zero_output_for_mask:
                keep = mask[:, ::-1] if self.go_backwards else mask
                output = output * keep.astype(output.dtype)[:, :, None]
        else:
            output = states[:, -1, :u] if parts > 1 else states[:, -1]
        if not self.return_state:
            return output
        last = states[:, -1]
        return [output] + ([last] if parts == 1 else [last[:, p * u:(p + 1) * u] for p in range(parts)])

    def _recurrent_activation_name(self) -> str:
        return "sigmoid"

    def _carried_state(self, n) -> list:
        """The states a stateful layer carries from its last batch (one row per sample)."""
        if len(self._states[0]) != n:
            raise ValueError(f"{type(self).__name__} {self.name!r} is stateful: it carries the "
                             f"state of each of the {len(self._states[0])} samples of its last "
                             f"batch into the next, which has {n}; give every batch the same "
                             f"size (a batch_size that divides the data), or call "
                             f"reset_states() first")
        return [Tensor(s) for s in self._states]

    def reset_states(self, states=None) -> None:
        """Start the next batch of a stateful layer from zeros, or from ``states`` (one array
        ``(batch, units)`` per state: ``[h, c]`` for the LSTM)."""
        if states is None:
            self._states = None
            return
        given = list(states) if isinstance(states, (list, tuple)) else [states]
        self._states = [np.array(s.data if isinstance(s, Tensor) else s, dtype=self.kernel.dtype)
                        for s in given]
        self._check_state(self._states, len(self._states[0]))

    reset_state = reset_states  # Keras 3 has both spellings

    def _check_state(self, initial_state, n) -> list:
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        parts = 2 if self.cell == "lstm" else 1
        if len(states) != parts:
            raise ValueError(f"{type(self).__name__} {self.name!r} takes {parts} initial state(s); "
                             f"got {len(states)}")
        out = []
        for i, s in enumerate(states):
            s = s if isinstance(s, Tensor) else Tensor(s, dtype=self.kernel.dtype)
            if s.shape != (n, self.units):
                raise ValueError(f"{type(self).__name__} {self.name!r}: initial_state[{i}] must "
                                 f"have shape {(n, self.units)}; got {s.shape}")
            out.append(cast_to(s, self.kernel.dtype))
        return out

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    def compute_output_shape(self, input_shape: tuple):
        n, steps = input_shape[0], input_shape[1]
        out = (n, steps, self.units) if self.return_sequences else (n, self.units)
        if not self.return_state:
            return out
        return [out] + [(n, self.units)] * (2 if self.cell == "lstm" else 1)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            units=self.units,
            activation=activations.serialize(self.activation),
            use_bias=self.use_bias,
            kernel_initializer=initializers.serialize(self.kernel_initializer),
            recurrent_initializer=initializers.serialize(self.recurrent_initializer),
            bias_initializer=initializers.serialize(self.bias_initializer),
            kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
            recurrent_regularizer=regularizers.serialize(self.recurrent_regularizer),
            bias_regularizer=regularizers.serialize(self.bias_regularizer),
            dropout=self.dropout,
            recurrent_dropout=self.recurrent_dropout,
            return_sequences=self.return_sequences,
            return_state=self.return_state,
            go_backwards=self.go_backwards,
            zero_output_for_mask=self.zero_output_for_mask,
            stateful=self.stateful,
            seed=seed_config(self.seed),
        )
        return config
