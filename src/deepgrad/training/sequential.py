"""The Sequential model: a stack of layers, each taking the previous one's output.

Calling the model on a Tensor returns the autograd graph, so a hand-written training loop
(forward, loss, ``backward()``, ``optimizer.step``) works with the same objects ``fit`` uses.
"""

from __future__ import annotations

from ..autograd.tensor import Tensor
from ..common.checks import describe
from ..layers.base import Layer
from ..layers.serialization import deserialize, serialize
from ..layers.input_layer import InputLayer
from ..layers.symbolic import SymbolicTensor
from ..saving import register_model
from .model import Model

__all__ = ["Sequential"]


@register_model
class Sequential(Model):
    """A linear stack of layers.

    Parameters
    ----------
    layers : list of Layer, optional
        Added in order with :meth:`add`; an :func:`~deepgrad.layers.Input` first declares the
        input shape, so the model is built at once.
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

    _deepgrad_model = True
    _untracked_attributes = Model._untracked_attributes | {"_output_shapes", "_symbolic"}

    def __init__(self, layers=None, *, name=None, trainable=True, dtype=None, **kwargs):
        super().__init__(name=name, trainable=trainable, dtype=dtype, **kwargs)
        if layers is not None and not isinstance(layers, (list, tuple)):
            raise TypeError(f"Sequential takes a list of layers; got {describe(layers)} (wrap a "
                            f"single layer in a list: Sequential([...]))")
        self._layers: list[Layer] = []
        self._names: dict[str, Layer] = {}  # the layers by name, for add's uniqueness check
        self._output_shapes: list[tuple] = []
        self._symbolic = None
        for layer in layers or ():
            self.add(layer)

    # ------------------------------------------------------------------ structure
    @property
    def layers(self) -> list:
        """The layers, without the input layer (as Keras lists them)."""
        return [layer for layer in self._layers if not isinstance(layer, InputLayer)]

    def add(self, layer: Layer) -> None:
        """Append a layer; a model that knows its input shape builds the new layer at once.
        An :func:`~deepgrad.layers.Input` adds its :class:`~deepgrad.layers.InputLayer`."""
        if isinstance(layer, SymbolicTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add expects a Layer; got {describe(layer)}")
        if layer is self:
            raise ValueError("a model cannot contain itself")
        if isinstance(layer, InputLayer) and self._layers:
            raise ValueError(f"an Input can only be the first layer of a Sequential model; "
                             f"{self.name!r} already has {len(self._layers)} layer(s)")
        if self._has_layer_named(layer.name):
            raise ValueError(f"the layers of a Sequential model need unique names: {layer.name!r} "
                             f"is already the name of a layer in {self.name!r}; pass another name=")
        extends = self.built and len(self._output_shapes) == len(self._layers)
        self._layers.append(layer)
        self._names[layer.name] = layer
        self._weights_dtype = None
        self._symbolic = None
        if extends and not isinstance(layer, InputLayer):  # build only the new layer
            shape = self._output_shapes[-1] if self._output_shapes else self._input_shapes[0]
            self.built = False
            layer._ensure_built(shape, self.dtype)
            self._output_shapes.append(tuple(layer.compute_output_shape(shape)))
            self._output_specs = [(self._output_shapes[-1], None)]
            self.built = True
            return
        self.built = False
        shape = self._declared_input_shape()
        if shape is not None:
            self.build(shape)

    def _has_layer_named(self, name) -> bool:
        """Whether a layer of the model is called ``name``: a dict lookup, so that adding n
        layers takes time linear in n."""
        known = self._names.get(name)
        return known is not None and known.name == name

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self.layers:
            raise ValueError(f"model {self.name!r} has no layers to pop")
        layer = self._layers.pop()
        if self._names.get(layer.name) is layer:
            del self._names[layer.name]
        self.built, self._weights_dtype, self._symbolic = False, None, None
        shape = self._declared_input_shape()
        if shape is not None:
            self.build(shape)
        return layer

    def _declared_input_shape(self) -> tuple | None:
        if self._input_shapes is not None:
            return self._input_shapes[0]
        first = self._layers[0] if self._layers else None
        if isinstance(first, Model):  # a model's input_shape has the batch axis already
            shape = first.input_shape
            return tuple(shape) if isinstance(shape, tuple) else None
        if first is not None and first.input_shape is not None:
            return (None,) + tuple(first.input_shape)
        return None

    def build(self, input_shape) -> None:
        """Build every layer for inputs of ``input_shape`` (batch dimension first)."""
        shape = tuple(input_shape)
        self._input_shapes = [shape]
        self._output_shapes = []
        dtype = self.dtype
        for layer in self._layers:
            layer._ensure_built(shape, dtype)
            shape = tuple(layer.compute_output_shape(shape))
            self._output_shapes.append(shape)
        self._output_specs = [(shape, None)]
        self.built = True

    @property
    def input_names(self) -> list:
        first = self._layers[0] if self._layers else None
        return [first.name if isinstance(first, InputLayer) else "input"]

    @property
    def input_sample_shapes(self) -> list | None:
        shape = self._declared_input_shape()
        return None if shape is None else [tuple(shape[1:])]

    @property
    def input_sample_shape(self) -> tuple | None:
        """Shape of one input sample, once known."""
        shapes = self.input_sample_shapes
        return None if shapes is None else shapes[0]

    @property
    def output_names(self) -> list:
        return [self.layers[-1].name if self.layers else "output"]

    @property
    def output_shapes(self) -> list:
        return [self.output_shape] if self.built else []

    @property
    def output_shape(self) -> tuple:
        if not self.built:
            raise ValueError(f"model {self.name!r} is not built yet: call it on data or add an Input layer")
        return self._output_shapes[-1] if self._output_shapes else self._input_shapes[0]

    @property
    def single_output(self) -> bool:
        return True

    @property
    def inputs(self) -> list:
        """The symbolic input (once the input shape is known), as in a functional model."""
        return [self._symbolic_graph()[0]]

    @property
    def outputs(self) -> list:
        return [self._symbolic_graph()[1]]

    def _symbolic_graph(self) -> tuple:
        if self._symbolic is None:
            first = self._layers[0] if self._layers else None
            if not isinstance(first, InputLayer):
                shape = self._declared_input_shape()
                if shape is None:
                    raise ValueError(f"model {self.name!r} has no inputs yet: give it an Input "
                                     f"or call it on data")
                first = InputLayer(batch_shape=shape, dtype=self.dtype)
            x = first.output
            for layer in self.layers:
                x = layer(x)
            self._symbolic = (first.output, x)
        return self._symbolic

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = tuple(layer.compute_output_shape(shape))
        return shape

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        mask = None  # the steps' mask, from Embedding(mask_zero=True) or Masking, as in Keras
        for layer in self._layers:
            if mask is not None and layer._call_takes_mask:
                out = layer(x, training=training, mask=mask)
            else:
                out = layer(x, training=training)
            mask = layer.compute_mask(x, mask)
            x = out
        self._output_masks = [mask]
        return x

    def __call__(self, x, *args, training: bool = False, **kwargs):
        if isinstance(x, SymbolicTensor):
            return super().__call__(x, *args, training=training, **kwargs)
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.weights_dtype)
        if not self.built:
            self.build((None,) + tuple(x.shape[1:]))
        return self.call(x, training=training)

    # ------------------------------------------------------------------ configuration
    def get_config(self) -> dict:
        config = {"name": self.name, "layers": [serialize(layer) for layer in self._layers]}
        if not self.trainable:
            config["trainable"] = False
        if self.dtype is not None:
            config["dtype"] = self.dtype.name
        if self._input_shapes is not None:
            config["build_input_shape"] = list(self._input_shapes[0])
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
