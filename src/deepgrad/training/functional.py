"""Functional models: ``Model(inputs, outputs)``, a graph of layer calls on symbolic tensors.

``Model(inputs, outputs)`` returns a :class:`Functional` (``Model.__new__`` looks it up by name
among the registered models, so this module and :mod:`deepgrad.training.model` do not import
each other in a circle). The graph itself — the calls, their order, their config — is
:class:`~deepgrad.training.graph.LayerGraph`.
"""

from __future__ import annotations

from ..saving import register_model
from .graph import LayerGraph
from .model import Model

__all__ = ["Functional"]


@register_model
class Functional(Model):
    """A model defined by calling layers on symbolic tensors: ``Model(inputs, outputs)``.

    Parameters
    ----------
    inputs : SymbolicTensor, or a list or dict of them
        From :func:`~deepgrad.layers.Input`; data for a dict is matched by key.
    outputs : SymbolicTensor, or a list or dict of them
        Layer outputs computed from ``inputs``; losses and data for a dict are matched by key,
        otherwise by the output layers' names.
    name : str, optional
    trainable : bool, default True

    Examples
    --------
    >>> import numpy as np
    >>> from deepgrad import Input, Model
    >>> from deepgrad.layers import Dense
    >>> inputs = Input((4,), name="features")
    >>> hidden = Dense(8, "relu", name="hidden", seed=0)(inputs)
    >>> price, kind = Dense(1, name="price", seed=1)(hidden), Dense(3, "softmax", name="kind", seed=2)(hidden)
    >>> model = Model(inputs, [price, kind])
    >>> type(model).__name__, model.output_names
    ('Functional', ['price', 'kind'])
    >>> model.compile("adam", ["mse", "sparse_categorical_crossentropy"], loss_weights=[1.0, 0.5],
    ...               metrics={"kind": ["accuracy"]})
    >>> history = model.fit(np.ones((6, 4)), [np.ones(6), np.zeros(6)], verbose=0)
    >>> sorted(history.history)
    ['kind_accuracy', 'kind_loss', 'loss', 'price_loss']
    """

    _deepgrad_model = True  # its configuration is its graph, not its constructor's arguments

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        graph = LayerGraph(inputs, outputs)
        self._graph = graph
        self._layers = graph.layers
        self._input_shapes = [t.shape for t in graph.inputs]
        self._output_specs = [(t.shape, t.dtype) for t in graph.outputs]
        self.built = True

    @property
    def layers(self) -> list:
        return list(self._layers)

    @property
    def inputs(self) -> list:
        return list(self._graph.inputs)

    @property
    def outputs(self) -> list:
        return list(self._graph.outputs)

    @property
    def input_names(self) -> list:
        return self._graph.input_keys or [t.name for t in self._graph.inputs]

    @property
    def input_dtypes(self) -> list:
        return [t.node.layer.dtype for t in self._graph.inputs]

    @property
    def output_names(self) -> list:
        if self._graph.output_keys is not None:
            return list(self._graph.output_keys)
        return [t.node.layer.name if t.node.index == 0 and len(t.node.outputs) == 1 else t.name
                for t in self._graph.outputs]

    @property
    def output_keys(self):
        return self._graph.output_keys

    @property
    def single_output(self) -> bool:
        return self._graph.single_output

    def build(self, input_shape) -> None:
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, dict):
            missing = [name for name in self.input_names if name not in inputs]
            if missing:
                raise ValueError(f"model {self.name!r} takes a dict with the keys "
                                 f"{self.input_names}; {missing[0]!r} is missing")
            inputs = [inputs[name] for name in self.input_names]
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs, training=False):
        values = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(values) != len(self._graph.inputs):
            raise ValueError(f"model {self.name!r} takes {len(self._graph.inputs)} inputs "
                             f"({', '.join(self.input_names)}); got {len(values)}")
        outs = self._graph.run(values, training=training)
        self._output_masks = self._graph.output_masks
        if self._graph.output_keys is not None:
            return dict(zip(self._graph.output_keys, outs))
        return outs[0] if self._graph.single_output else outs

    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, **self._graph.get_config()}
        return config

    @classmethod
    def from_config(cls, config: dict) -> Functional:
        config = dict(config)
        inputs, outputs = LayerGraph.from_config(config)
        return cls(inputs, outputs, name=config.get("name"), trainable=config.get("trainable", True))

    @property
    def graph(self) -> LayerGraph:
        """The layer calls between the inputs and the outputs."""
        return self._graph
