"""Layers around sequences, with Keras 3's names and arguments: ``Embedding``, ``Masking``,
``TimeDistributed`` and ``Bidirectional``.

``Embedding`` is one primitive (:class:`deepgrad.ops.Take`: a row lookup whose backward adds
each row's gradient where it was read). ``Embedding(mask_zero=True)`` and ``Masking`` give the
next layer of a ``Sequential`` a ``(batch, steps)`` mask (:meth:`Layer.compute_mask`), which the
recurrent layers take to skip the masked steps; it is computed by a primitive, so recorded steps
recompute it for each batch.
"""

from __future__ import annotations

from .. import functional, initializers, regularizers
from ..autograd.tensor import Tensor
from ..common.checks import check_bool, check_choice, check_number, check_positive_int, check_seed
from ..common.rng import as_generator
from .base import Layer
from .serialization import deserialize, serialize
from .core import seed_config

__all__ = ["Bidirectional", "Embedding", "Masking", "TimeDistributed"]


class Embedding(Layer):
    """Turns integer indices into dense vectors: ``(batch, ...)`` → ``(batch, ..., output_dim)``.

    Parameters
    ----------
    input_dim : int
        Size of the vocabulary (indices are in ``[0, input_dim)``).
    output_dim : int
        Size of each vector.
    embeddings_initializer : default "uniform" (U(-0.05, 0.05), as Keras)
    embeddings_regularizer : optional
    mask_zero : bool, default False
        Index 0 is padding: the layer gives the next one a mask that is False there (so the
        vocabulary should count it: ``input_dim`` = largest index + 1).
    seed : int or numpy.random.Generator, optional

    Indices may be given as floats holding integers (a model's inputs are floats); they are
    rounded to the nearest integer. An index out of range raises ``IndexError``.

    Attributes
    ----------
    embeddings : Parameter of shape (input_dim, output_dim)

    Examples
    --------
    >>> import numpy as np
    >>> layer = Embedding(10, 3, mask_zero=True, seed=0)
    >>> x = np.array([[4, 2, 0]])
    >>> layer(x).shape, layer.compute_mask(x).numpy()
    ((1, 3, 3), array([[ True,  True, False]]))
    """

    def __init__(self, input_dim, output_dim, *, embeddings_initializer="uniform",
                 embeddings_regularizer=None, mask_zero=False, seed=None, input_length=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.input_dim = check_positive_int(input_dim, "input_dim")
        self.output_dim = check_positive_int(output_dim, "output_dim")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.mask_zero = check_bool(mask_zero, "mask_zero")
        self.seed = check_seed(seed)
        self.embeddings = None

    def build(self, input_shape: tuple) -> None:
        self.embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer,
            regularizer=self.embeddings_regularizer, seed=as_generator(self.seed))
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        return functional.take(self.embeddings, x)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return functional.not_equal(inputs if isinstance(inputs, Tensor) else Tensor(inputs), 0)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict:
        return {**super().get_config(), "input_dim": self.input_dim, "output_dim": self.output_dim,
                "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
                "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
                "mask_zero": self.mask_zero, "seed": seed_config(self.seed)}


class Masking(Layer):
    """Masks the steps whose features all equal ``mask_value``: they are zeroed, and the next
    layer of a ``Sequential`` (a recurrent one) skips them.

    Parameters
    ----------
    mask_value : float, default 0.0

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]])
    >>> Masking()(x).numpy()[0, 1], Masking().compute_mask(x).numpy()
    (array([0., 0.]), array([[ True, False,  True]]))
    """

    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = check_number(mask_value, "mask_value")

    def _keep(self, x) -> Tensor:
        return functional.not_equal(x if isinstance(x, Tensor) else Tensor(x), self.mask_value, -1)

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        if x.ndim < 3:
            raise ValueError(f"Masking {self.name!r} needs inputs of shape (batch, steps, "
                             f"features); got {x.shape}")
        return x * self._keep(x).astype(x.dtype)[..., None]

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}


class TimeDistributed(Layer):
    """Applies ``layer`` to every step: ``(batch, steps, ...)`` is reshaped to ``(batch·steps,
    ...)``, goes through the layer, and comes back as ``(batch, steps, ...)``; the weights are
    the layer's, shared by the steps.

    Examples
    --------
    >>> import numpy as np
    >>> from deepgrad.layers import Dense
    >>> TimeDistributed(Dense(2, seed=0))(np.ones((4, 5, 3))).shape
    (4, 5, 2)
    """

    supports_masking = True

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise TypeError(f"TimeDistributed needs a Layer; got {type(layer).__name__}")
        self.layer = layer

    def build(self, input_shape: tuple) -> None:
        if len(input_shape) < 3:
            raise ValueError(f"TimeDistributed {self.name!r} needs inputs of shape (batch, steps, "
                             f"...); got {tuple(input_shape)}")
        self.layer._ensure_built((None,) + tuple(input_shape[2:]), self._weight_dtype())
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        n, steps = x.shape[:2]
        out = self.layer(x.reshape((n * steps,) + x.shape[2:]), training=training)
        return out.reshape((n, steps) + out.shape[1:])

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        n, steps = input_shape[:2]
        inner = self.layer.compute_output_shape((None,) + tuple(input_shape[2:]))
        return (n, steps) + tuple(inner[1:])

    def get_config(self) -> dict:
        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        return cls(deserialize(config.pop("layer")), **config)


_MERGE_MODES = ("concat", "sum", "mul", "ave")


class Bidirectional(Layer):
    """Runs a recurrent layer over the sequence forwards and a copy of it backwards, and merges
    their outputs, as Keras's ``Bidirectional``.

    Parameters
    ----------
    layer : SimpleRNN, LSTM or GRU
        The forward layer's settings (its copy is named ``forward_<name>``).
    merge_mode : {"concat", "sum", "mul", "ave", None}, default "concat"
        None returns the two outputs as a list.
    backward_layer : optional
        The backward layer (default: a copy of ``layer`` with ``go_backwards`` flipped, named
        ``backward_<name>``); its sequence output is put back in the forward order.

    With ``return_state`` the result is ``[output, *forward states, *backward states]``.

    Examples
    --------
    >>> import numpy as np
    >>> from deepgrad.layers import LSTM
    >>> layer = Bidirectional(LSTM(3, seed=0, name="lstm"))
    >>> layer(np.ones((2, 5, 4), "float32")).shape, [w.path for w in layer.weights][:2]
    ((2, 6), ['forward_lstm/kernel', 'forward_lstm/recurrent_kernel'])
    """

    supports_masking = True

    def __init__(self, layer, merge_mode="concat", backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer) or not hasattr(layer, "go_backwards"):
            raise TypeError(f"Bidirectional needs a recurrent layer (SimpleRNN, LSTM, GRU); got "
                            f"{type(layer).__name__}")
        self.merge_mode = None if merge_mode is None else check_choice(merge_mode, "merge_mode",
                                                                        _MERGE_MODES)
        config = layer.get_config()
        if not config["name"].startswith("forward_"):
            config["name"] = "forward_" + config["name"]
        self.forward_layer = type(layer).from_config(config)
        if backward_layer is None:
            config = layer.get_config()
            config.update(name="backward_" + config["name"], go_backwards=not layer.go_backwards)
            backward_layer = type(layer).from_config(config)
        elif not isinstance(backward_layer, Layer) or not hasattr(backward_layer, "go_backwards"):
            raise TypeError(f"backward_layer must be a recurrent layer; got "
                            f"{type(backward_layer).__name__}")
        if backward_layer.return_sequences != layer.return_sequences or \
                backward_layer.return_state != layer.return_state:
            raise ValueError("backward_layer must have the same return_sequences and "
                             "return_state as layer")
        self.backward_layer = backward_layer
        self.return_sequences, self.return_state = layer.return_sequences, layer.return_state
        for sub in (self.forward_layer, self.backward_layer):  # as Keras forces it
            sub.zero_output_for_mask = self.return_sequences

    def build(self, input_shape: tuple) -> None:
        for sub in (self.forward_layer, self.backward_layer):
            sub._ensure_built(input_shape, self._weight_dtype())
        self.built = True

    def call(self, x: Tensor, training: bool = False, mask=None, initial_state=None):
        if initial_state is not None:
            half = len(initial_state) // 2
            states = (initial_state[:half], initial_state[half:])
        else:
            states = (None, None)
        outs = []
        for sub, state in zip((self.forward_layer, self.backward_layer), states):
            out = sub(x, training=training, mask=mask, initial_state=state)
            outs.append(out if isinstance(out, list) else [out])
        y, y_back = outs[0][0], outs[1][0]
        if self.return_sequences and self.backward_layer.go_backwards != self.forward_layer.go_backwards:
            y_back = y_back[:, ::-1]
        if self.merge_mode is None:
            merged = [y, y_back]
        elif self.merge_mode == "concat":
            merged = functional.concatenate([y, y_back], axis=-1)
        elif self.merge_mode == "sum":
            merged = y + y_back
        elif self.merge_mode == "mul":
            merged = y * y_back
        else:
            merged = (y + y_back) * 0.5
        if not self.return_state:
            return merged
        return (merged if isinstance(merged, list) else [merged]) + outs[0][1:] + outs[1][1:]

    def compute_mask(self, inputs, mask=None):
        return mask if self.return_sequences else None

    def compute_output_shape(self, input_shape: tuple):
        shape = self.forward_layer.compute_output_shape(input_shape)
        out, states = (shape[0], shape[1:]) if self.return_state else (shape, [])
        back = self.backward_layer.compute_output_shape(input_shape)
        back_out, back_states = (back[0], back[1:]) if self.return_state else (back, [])
        if self.merge_mode == "concat":
            out = tuple(out[:-1]) + (out[-1] + back_out[-1],)
        merged = [tuple(out), tuple(back_out)] if self.merge_mode is None else [tuple(out)]
        if not self.return_state and self.merge_mode is not None:
            return tuple(out)
        return merged + [tuple(s) for s in states] + [tuple(s) for s in back_states]

    def get_config(self) -> dict:
        config = {**super().get_config(), "layer": serialize(self.forward_layer),
                  "merge_mode": self.merge_mode}
        config["backward_layer"] = serialize(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        layer = deserialize(config.pop("layer"))
        backward = config.pop("backward_layer", None)
        return cls(layer, backward_layer=None if backward is None else deserialize(backward),
                   **config)
