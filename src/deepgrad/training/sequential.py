"""The Sequential model: a stack of layers with Keras's compile / fit / evaluate / predict.

Calling the model on a Tensor returns the autograd graph, so a hand-written training loop
(forward, loss, ``backward()``, ``optimizer.step``) works with the same objects ``fit`` uses.
"""

from __future__ import annotations

import numpy as np

from .. import losses, optimizers
from .. import metrics as metrics_module
from ..autograd.modes import no_grad, recording
from ..autograd.tensor import Tensor
from ..compile import Recordings, Tape
from ..layers.base import Layer, deserialize, serialize
from ..saving import load_weights, register_model, save_model, save_weights
from .evaluate import evaluate_loop, predict_loop
from .fit import fit_loop
from .step import warn_batch_constants
from .summary import summary_lines

__all__ = ["Sequential"]


@register_model
class Sequential(Layer):
    """A linear stack of layers.

    Parameters
    ----------
    layers : list of Layer, optional
        Added in order with :meth:`add`.
    name : str, optional

    Examples
    --------
    Seed 003's 4 → 3 → 2 → 1 network has 26 trainable parameters:

    >>> from deepgrad import Sequential
    >>> from deepgrad.layers import Dense, Input
    >>> model = Sequential([Input((4,)), Dense(3, activation="sigmoid"),
    ...                     Dense(2, activation="sigmoid"), Dense(1, activation="sigmoid")])
    >>> model.count_params()
    26
    >>> model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    >>> history = model.fit([[7.0, 70, 8, 9], [5.0, 60, 6, 5]], [1, 0], epochs=2, verbose=0, seed=0)
    >>> sorted(history.history)
    ['accuracy', 'loss']
    """

    _untracked_attributes = Layer._untracked_attributes | {
        "optimizer", "loss", "metrics", "compile_config", "stop_training", "history", "_inference",
        "_inference_in_graph", "_weights_dtype",
    }

    def __init__(self, layers=None, *, name=None, **kwargs):
        super().__init__(name=name, **kwargs)
        self.layers: list[Layer] = []
        self.optimizer = None
        self.loss = None
        self.metrics: list = []
        self.compile_config: dict | None = None
        self.stop_training = False
        self.history = None
        self._output_shapes: list[tuple] = []
        self._build_input_shape: tuple | None = None
        self._weights_dtype: np.dtype | None = None
        self._inference = Recordings()
        self._inference_in_graph = False
        for layer in layers or ():
            self.add(layer)

    # ------------------------------------------------------------------ structure
    def add(self, layer: Layer) -> None:
        """Append a layer; a model that knows its input shape builds the new layer at once."""
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a Layer; got {type(layer).__name__}")
        if layer is self:
            raise ValueError("a model cannot contain itself")
        if any(other.name == layer.name for other in self.layers):
            raise ValueError(f"the layers of a Sequential model need unique names: {layer.name!r} "
                             f"is already the name of a layer in {self.name!r}; pass another name=")
        self.layers.append(layer)
        self.built = False
        self._weights_dtype = None
        shape = self._declared_input_shape()
        if shape is not None:
            self.build(shape)

    def _declared_input_shape(self) -> tuple | None:
        if self._build_input_shape is not None:
            return self._build_input_shape
        if self.layers and self.layers[0].input_shape is not None:
            return (None,) + tuple(self.layers[0].input_shape)
        return None

    def build(self, input_shape: tuple) -> None:
        """Build every layer for inputs of ``input_shape`` (batch dimension first)."""
        shape = tuple(input_shape)
        self._build_input_shape = shape
        self._output_shapes = []
        dtype = self.dtype
        for layer in self.layers:
            layer._ensure_built(shape, dtype)
            shape = tuple(layer.compute_output_shape(shape))
            self._output_shapes.append(shape)
        self.built = True

    @property
    def input_sample_shape(self) -> tuple | None:
        """Shape of one input sample, once known."""
        shape = self._declared_input_shape()
        return None if shape is None else tuple(shape[1:])

    @property
    def output_shape(self) -> tuple:
        if not self.built:
            raise ValueError(f"model {self.name!r} is not built yet: call it on data or add an Input layer")
        return self._output_shapes[-1] if self._output_shapes else self._build_input_shape

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        for layer in self.layers:
            x = layer(x, training=training)
        return x

    def __call__(self, x, training: bool = False) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.weights_dtype)
        if not self.built:
            self.build((None,) + tuple(x.shape[1:]))
        return self.call(x, training=training)

    def infer(self, x: np.ndarray) -> np.ndarray:
        """``model(x)``'s values for an array ``x`` in inference mode: the path ``predict``
        takes. The first batch of each shape runs through the layers and is recorded; later ones
        replay the recorded primitives (:mod:`deepgrad.compile`) without building Tensors.
        """
        key = (x.shape, x.dtype.char)
        tape = self._inference.get(key)
        if tape is not None:
            return tape.forward((x,))[0]
        return self._record_inference(x, key)

    def _record_inference(self, x: np.ndarray, key: tuple) -> np.ndarray:
        """``infer`` for a batch of a new shape: through the layers, recorded."""
        if not self.built:
            self.build((None,) + tuple(x.shape[1:]))
        inputs = Tensor._result(x, None)
        with no_grad(), recording() as records:
            out = self(inputs, training=False)
        if self.is_replayable and not self._inference_in_graph:
            tape = Tape(records, [inputs], [out])
            if tape.batch_constants:
                self._inference_in_graph = True
                warn_batch_constants(self)
            else:
                self._inference.put(key, tape)
        return out.data

    def __getstate__(self) -> dict:
        """Copies and pickles leave the recordings out: their primitives belong to these layers."""
        state = self.__dict__.copy()
        state["_inference"] = Recordings()
        return state

    @property
    def weights_dtype(self) -> np.dtype:
        """The floating dtype of the model's weights (float32 unless the layers say otherwise)."""
        if self._weights_dtype is None:  # found once the model is built (cheap on the hot path)
            dtype = next((w.dtype for w in self.weights), None)
            if not self.built or dtype is None:
                return self.dtype or np.dtype(np.float32)
            self._weights_dtype = dtype
        return self._weights_dtype

    def regularization_losses(self) -> list[Tensor]:
        losses = []
        for layer in self.layers:
            losses.extend(layer.regularization_losses())
        return losses

    # ------------------------------------------------------------------ configuration
    def get_config(self) -> dict:
        config = {"name": self.name, "layers": [serialize(layer) for layer in self.layers]}
        if self.dtype is not None:
            config["dtype"] = self.dtype.name
        if self._build_input_shape is not None:
            config["build_input_shape"] = list(self._build_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict) -> Sequential:
        config = dict(config)
        layers = [deserialize(spec) for spec in config.pop("layers", [])]
        build_shape = config.pop("build_input_shape", None)
        model = cls(layers, **config)
        if build_shape is not None and not model.built:
            model.build(tuple(build_shape))
        return model

    # ------------------------------------------------------------------ training API
    def compile(self, optimizer="rmsprop", loss=None, metrics=None) -> None:
        """Choose the optimizer, the loss and the metrics (names, configs or objects)."""
        if loss is None:
            raise ValueError("compile needs a loss, e.g. loss='mse' or loss='binary_crossentropy'")
        self.optimizer = optimizers.get(optimizer)
        self.loss = losses.get(loss)
        requested = [] if metrics is None else list(metrics) if isinstance(metrics, (list, tuple)) else [metrics]
        output_shape = self.output_shape if self.built else None
        self.metrics = [metrics_module.get(m, loss=self.loss, output_shape=output_shape) for m in requested]
        self.compile_config = {
            "optimizer": optimizers.serialize(self.optimizer),
            "loss": losses.serialize(self.loss),
            "metrics": [r if isinstance(r, str) else metrics_module.serialize(m)
                        for r, m in zip(requested, self.metrics)],
        }

    @property
    def compiled(self) -> bool:
        return self.optimizer is not None and self.loss is not None

    def fit(self, x=None, y=None, batch_size=32, epochs=1, verbose=1, callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, sample_weight=None,
            class_weight=None, initial_epoch=0, *, seed=None, steps_per_epoch=None):
        """Train for ``epochs`` passes over ``(x, y)`` in shuffled mini-batches.

        ``seed`` fixes the shuffling (and, with :func:`deepgrad.set_seed`, the whole run).
        ``validation_split`` holds out the *last* fraction of the data, before shuffling, as
        Keras does. ``x`` may be a ``np.memmap`` (batches are read, and cast, one at a time), or,
        with ``y`` None, a source of ``(x, y)`` / ``(x, y, sample_weight)`` batches: a function
        returning a fresh iterable each epoch, a re-iterable, or a generator with
        ``steps_per_epoch`` — each batch is checked before it is used. Returns a
        :class:`~deepgrad.callbacks.History`.
        """
        return fit_loop(self, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_split=validation_split,
                        validation_data=validation_data, shuffle=shuffle,
                        sample_weight=sample_weight, class_weight=class_weight,
                        initial_epoch=initial_epoch, seed=seed, steps_per_epoch=steps_per_epoch)

    def evaluate(self, x, y, batch_size=32, verbose=0, sample_weight=None, return_dict=False,
                 callbacks=None):
        """Loss (plus metrics) on ``(x, y)``: a float, a list ``[loss, *metrics]`` or a dict.
        ``callbacks`` get their ``on_test_*`` hooks called."""
        logs = evaluate_loop(self, x, y, batch_size=batch_size, sample_weight=sample_weight,
                             callbacks=callbacks)
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=32, verbose=0, callbacks=None) -> np.ndarray:
        """Outputs for ``x`` in inference mode (no graph is built). ``callbacks`` get their
        ``on_predict_*`` hooks called."""
        return predict_loop(self, x, batch_size=batch_size, callbacks=callbacks)

    # ------------------------------------------------------------------ inspection and files
    def summary(self, print_fn=print) -> None:
        """Print each layer's output shape and parameter count, and the totals (as Keras)."""
        for line in summary_lines(self):
            print_fn(line)

    def save(self, path) -> None:
        """Save architecture, weights and optimizer state to a safetensors file (atomically)."""
        save_model(self, path)

    def save_weights(self, path) -> None:
        save_weights(self, path)

    def load_weights(self, path) -> None:
        load_weights(self, path)
