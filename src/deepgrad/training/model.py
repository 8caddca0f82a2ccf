"""``Model``: a network of layers with Keras's training API, written one of two ways.

* **Functional** — ``Model(inputs, outputs)`` from symbolic tensors: ``inputs = Input((4,))``,
  layers called on them, any number of inputs and outputs, shared layers, merge layers, models
  used as layers. Calling ``Model`` with inputs and outputs makes a
  :class:`~deepgrad.training.functional.Functional`.
* **Subclassed** — a ``Model`` subclass whose ``__init__`` makes the layers and whose
  ``call(inputs, training=False)`` uses them; it is built from the first data it sees.

Either way the model is a :class:`~deepgrad.layers.Layer` (it can be called on Tensors for a
hand-written loop, or used inside another model) and trains on the path ``fit`` derives from
the layers' own operations (:mod:`deepgrad.compile`).
"""

from __future__ import annotations

import inspect
import json
import os

import numpy as np

from ..autograd.modes import no_grad, recording
from ..autograd.tensor import Tensor
from ..common.checks import describe
from ..compile import Recordings, Tape
from ..layers.arguments import is_shape_list
from ..layers.base import Layer
from ..saving import load_weights, register_model, save_model, save_weights
from ..saving.keras_names import note_keras_name
from ..saving.save_load import MODEL_CLASSES
from .masking import in_output_order, per_output
from .step import warn_batch_constants
from .summary import summary_lines
from .trainer import Trainer

__all__ = ["Model"]


def _flat_outputs(out) -> list:
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, dict):
        return list(out.values())
    return list(out)


def _check_overwrite(path, overwrite) -> None:
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be True or False; got {describe(overwrite)}")
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{os.fspath(path)!r} exists and overwrite=False; pass "
                              f"overwrite=True to replace it")


@register_model
class Model(Trainer, Layer):
    """A network of layers with ``compile`` / ``fit`` / ``evaluate`` / ``predict``.

    ``Model(inputs, outputs, name=None)`` makes a functional model (see
    :class:`~deepgrad.training.functional.Functional`);
    subclass ``Model`` to write ``call`` yourself.

    Examples
    --------
    Functional: two inputs, one output.

    >>> import numpy as np
    >>> from deepgrad import Input, Model
    >>> from deepgrad.layers import Concatenate, Dense
    >>> left, right = Input((3,), name="left"), Input((2,), name="right")
    >>> merged = Concatenate()([Dense(4, "relu", seed=0)(left), right])
    >>> model = Model([left, right], Dense(1, seed=1)(merged))
    >>> model.compile("adam", "mse")
    >>> history = model.fit([np.ones((8, 3)), np.ones((8, 2))], np.ones(8), epochs=2, verbose=0)
    >>> model.predict([np.ones((1, 3)), np.ones((1, 2))]).shape
    (1, 1)

    Subclassed:

    >>> class SmallRegressor(Model):
    ...     def __init__(self, units=4, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.hidden = Dense(units, "relu", seed=0)
    ...         self.out = Dense(1, seed=1)
    ...     def call(self, inputs):
    ...         return self.out(self.hidden(inputs))
    >>> model = SmallRegressor()
    >>> model.compile("sgd", "mse")
    >>> model.fit(np.ones((8, 3)), np.zeros(8), verbose=0).history["loss"][0] > 0
    True
    >>> model.count_params()
    21
    """

    _deepgrad_model = True
    _untracked_attributes = (Layer._untracked_attributes | Trainer._training_attributes | {
        "_inference", "_inference_in_graph", "_weights_dtype", "_input_shapes", "_output_specs",
        "_init_arguments"})

    def __new__(cls, *args, **kwargs):
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            return object.__new__(MODEL_CLASSES["Functional"])  # deepgrad.training.functional
        instance = object.__new__(cls)
        if not cls.__dict__.get("_deepgrad_model", False):
            instance._init_arguments = (args, kwargs)  # a subclass's: its default get_config
        return instance

    def __init__(self, *, name=None, trainable=True, dtype=None, **kwargs):
        Layer.__init__(self, name=name, trainable=trainable, dtype=dtype, **kwargs)
        self._init_training()
        self._inference = Recordings()
        self._inference_in_graph = False
        self._weights_dtype = None
        self._input_shapes = None  # known from build (a subclassed model)
        self._output_specs = None  # [(shape, dtype)], found by running the built model

    # ------------------------------------------------------------------ structure
    @property
    def layers(self) -> list:
        """The layers the model is made of, in order."""
        return self._sublayers()

    def get_layer(self, name=None, index=None) -> Layer:
        """The layer called ``name``, or at position ``index`` of :attr:`layers`."""
        layers = self.layers
        if (name is None) == (index is None):
            raise ValueError("get_layer needs exactly one of name= and index=")
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
                raise TypeError(f"index must be an int; got {describe(index)}")
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"index {index} is out of range: model {self.name!r} has "
                                 f"{len(layers)} layers")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"model {self.name!r} has no layer named {name!r}; its layers are "
                         f"{[layer.name for layer in layers]}")

    def build(self, input_shape) -> None:
        """Build the layers for inputs of ``input_shape`` (a list of shapes for several inputs)
        by running ``call`` once on zeros, as Keras builds a subclassed model."""
        shapes = [tuple(s) for s in input_shape] if is_shape_list(input_shape) else [tuple(input_shape)]
        self._input_shapes = shapes
        self.built = True  # the run below calls the model
        try:
            self._output_specs = self._run_on_zeros(input_shape, None)
        except Exception:
            self.built = False
            raise

    @property
    def input_shape(self):
        """The input's shape with the batch axis first (a list for several inputs), as Keras
        gives it, once known; None before."""
        shapes = self.input_sample_shapes
        if shapes is None:
            return None
        batch = [(None,) + tuple(shape) for shape in shapes]
        return batch[0] if len(batch) == 1 else batch

    @input_shape.setter
    def input_shape(self, value) -> None:  # the constructor's input_shape= argument
        self.__dict__["_input_shape_argument"] = value

    @property
    def input_names(self) -> list | None:
        if self._input_shapes is None:
            return None
        count = len(self._input_shapes)
        return ["input"] if count == 1 else [f"input_{i + 1}" for i in range(count)]

    @property
    def input_sample_shapes(self) -> list | None:
        """The shape of one sample of each input, once known."""
        return None if self._input_shapes is None else [s[1:] for s in self._input_shapes]

    @property
    def input_dtypes(self) -> list | None:
        return None

    @property
    def _outputs_seen(self) -> list | None:
        if self._output_specs is None and self.built and self._input_shapes is not None:
            shapes = self._input_shapes
            self._output_specs = self._run_on_zeros(shapes if len(shapes) > 1 else shapes[0], None)
        return self._output_specs

    @property
    def output_names(self) -> list | None:
        specs = self._outputs_seen
        if specs is None:
            return None
        return ["output"] if len(specs) == 1 else [f"output_{i + 1}" for i in range(len(specs))]

    @property
    def output_shapes(self) -> list:
        return [shape for shape, _ in self._outputs_seen or []]

    @property
    def output_shape(self):
        """The output's shape (a list for several outputs), batch axis first."""
        shapes = self.output_shapes
        if not self.built or not shapes:
            raise ValueError(f"model {self.name!r} is not built yet: call it on data")
        return shapes[0] if len(shapes) == 1 else shapes

    output_keys = None  # names of outputs given as a dict (a functional model's)

    @property
    def single_output(self) -> bool:
        return len(self._outputs_seen or [None]) == 1

    @property
    def weights_dtype(self) -> np.dtype:
        """The floating dtype of the model's weights (float32 unless the layers say otherwise)."""
        if self._weights_dtype is None:  # found once the model is built (cheap on the hot path)
            dtype = next((w.dtype for w in self.weights), None)
            if not self.built or dtype is None:
                return self.dtype or np.dtype(np.float32)
            self._weights_dtype = dtype
        return self._weights_dtype

    # ------------------------------------------------------------------ running
    def forward(self, inputs: list, training: bool = False) -> list:
        """The outputs (a list of Tensors) for ``inputs`` (one Tensor per model input). The
        masks of their steps, where layers made them, are then in :attr:`output_masks`."""
        self._output_masks = None
        out = self(inputs[0] if len(inputs) == 1 else list(inputs), training=training)
        return [out] if isinstance(out, Tensor) else _flat_outputs(out)

    def reset_states(self) -> None:
        """Start every stateful recurrent layer afresh (Keras's ``model.reset_states()``),
        nested models' included."""
        pending, seen = list(self._sublayers()), {id(self)}
        while pending:
            layer = pending.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            if isinstance(layer, Model):
                pending += layer._sublayers()
            elif getattr(layer, "stateful", False):
                layer.reset_states()
            else:
                pending += layer._sublayers()

    reset_state = reset_states  # Keras 3 has both spellings

    @property
    def output_masks(self) -> list | None:
        """Per output of the last :meth:`forward`, the ``(batch, steps)`` boolean Tensor
        marking its steps (from ``Embedding(mask_zero=True)`` or ``Masking``), or None; the
        loss and the metrics count the marked steps only, as Keras does. None for a model whose
        ``call`` does not say (a subclassed model)."""
        return getattr(self, "_output_masks", None)

    def infer(self, xs, *, masks: bool = False) -> list:
        """The outputs' arrays for arrays ``xs`` (one per input) in inference mode: the path
        ``predict`` takes (with ``masks``, also the outputs' masks: ``(outputs, masks)``). The
        first batch of each shape runs through the layers and is recorded; later ones replay
        the recorded primitives (:mod:`deepgrad.compile`) without building Tensors."""
        if len(xs) == 1:
            key = ((xs[0].shape, xs[0].dtype.char),)
        else:
            key = tuple((x.shape, x.dtype.char) for x in xs)
        recorded = self._inference.get(key)
        if recorded is None:
            outs, found = self._record_inference(xs, key)
            return (outs, found) if masks else outs
        tape, masked = recorded
        arrays = tape.forward(xs)
        if not masks:
            return arrays if len(arrays) == len(masked) else arrays[:len(masked)]
        return arrays[:len(masked)], in_output_order(arrays[len(masked):], masked)

    def _record_inference(self, xs, key) -> tuple:
        if not self.built:
            shapes = [(None,) + tuple(x.shape[1:]) for x in xs]
            self.build(shapes[0] if len(shapes) == 1 else shapes)
        inputs = [Tensor._result(x, None) for x in xs]
        with no_grad(), recording() as records:
            outs = self.forward(inputs, training=False)
        masks = per_output(self._output_masks, len(outs))
        masked = [m is not None for m in masks]
        if self.is_replayable and not self._inference_in_graph:
            tape = Tape(records, inputs, outs + [m for m in masks if m is not None])
            if tape.batch_constants:
                self._inference_in_graph = True
                warn_batch_constants(self)
            else:
                self._inference.put(key, (tape, masked))
        return [out.data for out in outs], [None if m is None else m.data for m in masks]

    def __getstate__(self) -> dict:
        """Copies and pickles leave the recordings out: their primitives belong to these layers."""
        state = self.__dict__.copy()
        state["_inference"] = Recordings()
        state["_step"] = None
        return state

    # ------------------------------------------------------------------ configuration
    def get_config(self) -> dict:
        """A subclassed model's constructor arguments (when they are JSON values), as Keras 3
        captures them; override it (with ``from_config``) for anything else."""
        config = super().get_config()
        config.pop("input_shape", None)  # the model's is build_input_shape
        args, kwargs = getattr(self, "_init_arguments", ((), {}))
        try:
            bound = inspect.signature(type(self).__init__).bind(self, *args, **kwargs)
        except TypeError:
            bound = None
        arguments = {} if bound is None else {k: v for k, v in bound.arguments.items() if k != "self"}
        extra = arguments.pop("kwargs", {}) if "kwargs" in arguments else {}
        arguments.update(extra)
        try:
            json.dumps(arguments)
        except (TypeError, ValueError):
            raise TypeError(f"{type(self).__name__} cannot describe its constructor arguments as "
                            f"JSON ({', '.join(arguments)}); give it get_config() and "
                            f"from_config() to save it") from None
        config.update(arguments)
        if self._input_shapes is not None:
            config["build_input_shape"] = [list(s) for s in self._input_shapes]
        return config

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        shapes = config.pop("build_input_shape", None)
        name = config.pop("name", None)
        trainable = config.pop("trainable", True)
        config.pop("dtype", None)
        model = cls(**config)
        model.name, model.trainable = name or model.name, trainable
        if shapes is not None:
            model.build([tuple(s) for s in shapes] if len(shapes) > 1 else tuple(shapes[0]))
        return model

    def to_json(self, **kwargs) -> str:
        """The architecture (no weights) as JSON; :func:`deepgrad.models.model_from_json` reads
        it back through deepgrad's registries (nothing in it is ever run)."""
        from ..layers.serialization import serialize

        return json.dumps({**serialize(self), "format": "deepgrad.architecture"}, **kwargs)

    # ------------------------------------------------------------------ inspection and files
    def summary(self, print_fn=print, **kwargs) -> None:
        """Print each layer's output shape and parameter count, and the totals (as Keras);
        a functional model's table also says what each layer is connected to."""
        for line in summary_lines(self):
            print_fn(line)

    def save(self, path, overwrite=True, *, signing_key=None) -> None:
        """Save architecture, weights and optimizer state to a safetensors file (atomically).
        With ``overwrite=False`` an existing file is an error instead. A Keras name
        (``model.keras``, ``model.h5``) gets the same file, and a warning saying so."""
        _check_overwrite(path, overwrite)
        save_model(self, path, signing_key=signing_key)
        note_keras_name(path, "model")

    def save_weights(self, path, overwrite=True, *, signing_key=None) -> None:
        """Save the weights only, keyed by their names (atomically); see
        :func:`~deepgrad.saving.save_weights` for ``signing_key``."""
        _check_overwrite(path, overwrite)
        save_weights(self, path, signing_key=signing_key)
        note_keras_name(path, "weights")

    def load_weights(self, path, *, signing_key=None) -> None:
        load_weights(self, path, signing_key=signing_key)
