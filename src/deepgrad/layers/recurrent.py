"""Recurrent layers with Keras 3's names, arguments, defaults and weight layouts: ``SimpleRNN``,
``LSTM``, ``GRU``.

Each call is one primitive (:func:`deepgrad.functional.recurrent`): the inputs of every step
projected at once (``x @ kernel + bias``, the dense layer's :class:`~deepgrad.ops.Affine`) and
the whole time loop (one GEMM per step with the recurrent kernel, the gates on preallocated
buffers, backpropagation through time in its backward), so the graph, ``predict`` and ``fit``'s
recorded steps all run the same definition. Weights:

========== ======================= ============================ ==============================
layer      ``kernel``              ``recurrent_kernel``         ``bias``
========== ======================= ============================ ==============================
SimpleRNN  (features, units)       (units, units)               (units,)
LSTM       (features, 4·units)     (units, 4·units)             (4·units,); gates i, f, c, o
GRU        (features, 3·units)     (units, 3·units)             (2, 3·units) with
                                                                ``reset_after``, else (3·units,);
                                                                gates z, r, h
========== ======================= ============================ ==============================

Masks (from ``Embedding(mask_zero=True)`` or ``Masking`` before the layer, or ``mask=`` in the
call) carry the state over the masked steps, as Keras does. What the three share is
:class:`~deepgrad.layers.rnn_base.RNNBase`.
"""

from __future__ import annotations

import numpy as np

from .. import activations
from ..autograd.tensor import Tensor
from ..common.checks import check_bool
from .base import Layer
from .rnn_base import RNNBase, fused_name

__all__ = ["GRU", "LSTM", "SimpleRNN"]

class _Gated(RNNBase):
    """LSTM and GRU: a ``recurrent_activation`` for the gates."""

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 **kwargs):
        super().__init__(units, activation, use_bias, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        fused_name(self.recurrent_activation, "recurrent_activation", type(self).__name__)

    def _recurrent_activation_name(self) -> str:
        return fused_name(self.recurrent_activation, "recurrent_activation", type(self).__name__)

    def get_config(self) -> dict:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation)}


class SimpleRNN(RNNBase, Layer):
    """Fully connected recurrence: ``h_t = activation(x_t @ kernel + bias + h_{t−1} @
    recurrent_kernel)``, as Keras's ``SimpleRNN``.

    Parameters
    ----------
    units : int
        Size of the state ``h``.
    activation : {"tanh", "sigmoid", "relu", "linear"}, default "tanh"
    use_bias : bool, default True
    kernel_initializer, recurrent_initializer, bias_initializer
        ``"glorot_uniform"``, ``"orthogonal"`` and ``"zeros"`` by default.
    kernel_regularizer, recurrent_regularizer, bias_regularizer : optional
    dropout, recurrent_dropout : float in [0, 1), default 0
        Dropout of the inputs and of the state entering the recurrent product, in training; one
        mask per sequence, the same at every step (as Keras).
    return_sequences : bool, default False
        Return every step's output ``(batch, steps, units)`` rather than the last ``(batch,
        units)``.
    return_state : bool, default False
        Return ``[output, h]`` (LSTM: ``[output, h, c]``).
    go_backwards : bool, default False
        Run over the steps in reverse (the sequence output is then in that order, as Keras).
    zero_output_for_mask : bool, default False
        With a mask and ``return_sequences``, give zeros at masked steps (else the carried
        output).
    seed : int or numpy.random.Generator, optional
        Seed of the weight initialisation and of the dropout masks.

    Call arguments: ``x`` of shape ``(batch, steps, features)``, ``training``, ``mask`` (a
    ``(batch, steps)`` boolean array or tensor), ``initial_state`` (a list of ``(batch,
    units)`` arrays or tensors).

    Examples
    --------
    >>> import numpy as np
    >>> layer = SimpleRNN(4, return_sequences=True, seed=0)
    >>> layer(np.ones((2, 5, 3), "float32")).shape, [w.shape for w in layer.weights]
    ((2, 5, 4), [(3, 4), (4, 4), (4,)])
    """


class LSTM(_Gated, Layer):
    """Long short-term memory, as Keras's ``LSTM``: gates ``i, f, c, o`` (in that order in the
    weights) from ``x_t @ kernel + bias + h_{t−1} @ recurrent_kernel``; ``c_t = f·c_{t−1} +
    i·activation(c̃)``, ``h_t = o·activation(c_t)``.

    Parameters
    ----------
    units : int
    activation, recurrent_activation : default "tanh" and "sigmoid"
        Each one of "tanh", "sigmoid", "relu", "linear".
    unit_forget_bias : bool, default True
        Start the forget gate's bias at 1 (the rest of the bias from ``bias_initializer``).
    others
        As :class:`SimpleRNN`.

    Examples
    --------
    >>> import numpy as np
    >>> layer = LSTM(3, return_state=True, seed=0)
    >>> out, h, c = layer(np.ones((2, 5, 4), "float32"))
    >>> out.shape, c.shape, layer.kernel.shape, layer.bias.numpy()[3:6]
    ((2, 3), (2, 3), (4, 12), array([1., 1., 1.], dtype=float32))
    """

    cell = "lstm"
    gates = 4

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 *, unit_forget_bias=True, **kwargs):
        super().__init__(units, activation, recurrent_activation, use_bias, **kwargs)
        self.unit_forget_bias = check_bool(unit_forget_bias, "unit_forget_bias")

    def _bias_initializer(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, u = self.bias_initializer, self.units

        def forget_ones(shape, rng=None, dtype=np.float32):
            values = np.asarray(base(shape, rng, dtype), dtype=dtype)
            values[u:2 * u] = 1
            return values
        return forget_ones

    def get_config(self) -> dict:
        return {**super().get_config(), "unit_forget_bias": self.unit_forget_bias}


class GRU(_Gated, Layer):
    """Gated recurrent unit, as Keras's ``GRU``: gates ``z, r, h`` (in that order in the
    weights); ``h_t = z·h_{t−1} + (1 − z)·h̃``.

    Parameters
    ----------
    units : int
    reset_after : bool, default True
        Apply the reset gate after the recurrent product, ``h̃ = activation(x_h + r·(h_{t−1} @
        R_h + b_h))`` with separate input and recurrent biases (``bias`` of shape ``(2,
        3·units)``; PyTorch's and cuDNN's form), rather than before it, ``activation(x_h +
        (r·h_{t−1}) @ R_h)`` (``bias`` ``(3·units,)``).
    others
        As :class:`LSTM` (without ``unit_forget_bias``).

    Examples
    --------
    >>> import numpy as np
    >>> layer = GRU(3, seed=0)
    >>> layer(np.ones((2, 5, 4), "float32")).shape, layer.bias.shape
    ((2, 3), (2, 9))
    """

    cell = "gru"
    gates = 3

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 *, reset_after=True, **kwargs):
        super().__init__(units, activation, recurrent_activation, use_bias, **kwargs)
        self.reset_after = check_bool(reset_after, "reset_after")

    def _bias_shape(self) -> tuple:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _input_bias(self):
        return self.bias[0] if self.bias is not None and self.reset_after else self.bias

    def _recurrent_bias(self, dtype):
        if not self.reset_after:
            return None
        if self.bias is None:
            return Tensor(np.zeros(3 * self.units, dtype))
        return self.bias[1]

    def _loop_settings(self) -> dict:
        return {"reset_after": self.reset_after}

    def get_config(self) -> dict:
        return {**super().get_config(), "reset_after": self.reset_after}
