"""How a model becomes a graph of boxes and arrows: which boxes, which arrows, what each box
says. :mod:`deepgrad.utils.model_visualization` checks the arguments and writes the files.

A functional model's boxes and arrows are its graph's layers and calls; a ``Sequential``
model's, its layers in a chain; a subclassed model's, its layers in attribute order, chained by
dashed arrows (its connections are Python code deepgrad does not read). A nested model is one
box, or with ``expand_nested`` a cluster whose inner layers the arrows reach: an arrow into the
model goes to the layer taking that input, an arrow out of it leaves from the layer giving
that output.
"""

from __future__ import annotations

from ..layers.input_layer import InputLayer
from ..training import Functional, Model, Sequential
from .dot import Digraph

__all__ = ["model_graph"]


class _Structure:
    """One model's boxes and connections: ``links`` are ``(source layer, output index,
    target layer, input index)``; ``entries[i]`` and ``exits[k]`` are the ``(layer, index)``
    that take the model's input ``i`` and give its output ``k``."""

    def __init__(self, model):
        self.guessed = False
        if isinstance(model, Functional):
            graph = model.graph
            self.members = list(graph.layers)
            self.links = [(t.node.layer, t.index, node.layer, j)
                          for node in graph.nodes for j, t in enumerate(node.input_tensors)]
            self.entries = [(t.node.layer, 0) for t in graph.inputs]
            self.exits = [(t.node.layer, t.index) for t in graph.outputs]
            return
        self.members = list(model.layers)  # a Sequential's without its InputLayer
        self.guessed = not isinstance(model, Sequential)
        self.links = [(a, 0, b, 0) for a, b in zip(self.members, self.members[1:])]
        first, last = (self.members[0], self.members[-1]) if self.members else (None, None)
        self.entries = _Repeat(first)
        self.exits = _Repeat(last)


class _Repeat:
    """``(layer, i)`` for any index ``i``: a chain's first (or last) layer takes every input."""

    def __init__(self, layer):
        self.layer = layer

    def __getitem__(self, i):
        return self.layer, i


def _shape_text(shape) -> str:
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    return str(tuple(shape))


def _one(texts: list) -> str:
    """A layer's text over its calls: the one value, "multiple" if they differ, "?" if none."""
    unique = list(dict.fromkeys(texts))
    return unique[0] if len(unique) == 1 else ("?" if not unique else "multiple")


def _layer_facts(model) -> dict:
    """``id(layer) -> (input shape, output shape, output dtype)`` texts, where the model knows
    them."""
    calls: dict = {}
    if isinstance(model, Functional):
        graph = model.graph
        for t in graph.inputs:
            calls.setdefault(id(t.node.layer), []).append(("", _shape_text(t.shape), t.dtype.name))
        for node in graph.nodes:
            inputs = node.input_tensors
            shapes = ([t.shape for t in inputs] if isinstance(node.inputs, (list, tuple))
                      else inputs[0].shape)
            outputs = [t.shape for t in node.outputs]
            dtypes = list(dict.fromkeys(t.dtype.name for t in node.outputs))
            calls.setdefault(id(node.layer), []).append(
                (_shape_text(shapes), _shape_text(outputs[0] if len(outputs) == 1 else outputs),
                 ", ".join(dtypes)))
    elif isinstance(model, Sequential) and model.built:
        shape = model._input_shapes[0]
        dtype = model.weights_dtype.name
        for layer, out in zip(model._layers, model._output_shapes):
            name = layer.dtype.name if getattr(layer, "dtype", None) is not None else dtype
            calls[id(layer)] = [(_shape_text(shape), _shape_text(out), name)]
            shape = out
    return {key: tuple(_one([call[i] for call in found]) for i in range(3))
            for key, found in calls.items()}


def _activation_name(activation) -> str:
    return (getattr(activation, "name", None) or getattr(activation, "__name__", None)
            or type(activation).__name__)


def _label(layer, facts, options) -> str:
    kind = type(layer).__name__
    lines = [f"{layer.name} ({kind})" if options["show_layer_names"] else kind]
    activation = getattr(layer, "activation", None)
    if options["show_layer_activations"] and activation is not None:
        lines.append(f"Activation: {_activation_name(activation)}")
    inputs, outputs, dtype = facts or ("?", "?", "?")
    if options["show_shapes"]:
        if not isinstance(layer, InputLayer):
            lines.append(f"Input shape: {inputs}")
        lines.append(f"Output shape: {outputs}")
    if options["show_dtype"]:
        lines.append(f"Output dtype: {dtype}")
    if options["show_trainable"] and layer.weights:
        lines.append("Trainable" if layer.trainable else "Non-trainable")
    return "\n".join(lines)


class _Drawer:
    """Draws models into :class:`Digraph` s, remembering each layer's node ID."""

    def __init__(self, options: dict):
        self.options = options
        self.ids: dict = {}
        self.used: set = set()
        self.structures: dict = {}
        self.edges: list = []

    def structure(self, model) -> _Structure:
        if id(model) not in self.structures:
            self.structures[id(model)] = _Structure(model)
        return self.structures[id(model)]

    def expands(self, layer) -> bool:
        return (self.options["expand_nested"] and isinstance(layer, Model) and layer.built
                and bool(self.structure(layer).members))

    def node_id(self, layer, prefix: str) -> str:
        if id(layer) not in self.ids:
            candidate, k = prefix + layer.name, 1
            while candidate in self.used:
                k += 1
                candidate = f"{prefix}{layer.name}#{k}"
            self.used.add(candidate)
            self.ids[id(layer)] = candidate
        return self.ids[id(layer)]

    def draw(self, model, graph: Digraph, prefix: str = "") -> None:
        structure, facts = self.structure(model), _layer_facts(model)
        for layer in structure.members:
            if id(layer) in self.ids:  # already drawn (a layer shared with an inner model)
                continue
            if self.expands(layer):
                self.ids[id(layer)] = None
                cluster = Digraph(prefix + layer.name, _cluster_attributes(layer), cluster=True)
                self.draw(layer, cluster, f"{prefix}{layer.name}/")
                graph.subgraph(cluster)
                continue
            attributes = {"label": _label(layer, facts.get(id(layer)), self.options)}
            if self.options["show_trainable"] and layer.weights:
                attributes.update(style="filled",
                                  fillcolor="#d9ead3" if layer.trainable else "#f4cccc")
            graph.node(self.node_id(layer, prefix), **attributes)
        style = {"style": "dashed"} if structure.guessed else {}
        for source, k, target, i in structure.links:
            self.edges.append((self.source_id(source, k), self.target_id(target, i), style))

    def source_id(self, layer, k: int) -> str:
        while self.expands(layer):
            layer, k = self.structure(layer).exits[k]
        return self.ids[id(layer)]

    def target_id(self, layer, i: int) -> str:
        while self.expands(layer):
            layer, i = self.structure(layer).entries[i]
        return self.ids[id(layer)]


def _cluster_attributes(model) -> dict:
    return {"label": model.name, "style": "dashed", "labeljust": "l", "fontname": "Helvetica"}


def model_graph(model, options: dict, subgraph: bool = False) -> str:
    """The DOT text of ``model`` for checked ``options`` (the ``model_to_dot`` flags, ``rankdir``,
    ``dpi`` and ``splines``): a digraph, or with ``subgraph`` a cluster block.

    Examples
    --------
    >>> from deepgrad import Sequential
    >>> from deepgrad.layers import Dense, Input
    >>> model = Sequential([Input((2,)), Dense(3, name="a"), Dense(1, name="b")], name="chain")
    >>> options = {"show_shapes": False, "show_dtype": False, "show_layer_names": True,
    ...            "expand_nested": False, "show_layer_activations": False,
    ...            "show_trainable": False, "rankdir": "LR", "dpi": 96, "splines": "line"}
    >>> print(model_graph(model, options, subgraph=True), end="")
    subgraph "cluster_chain" {
      graph [label="chain", style="dashed", labeljust="l", fontname="Helvetica"];
      "a" [label="a (Dense)"];
      "b" [label="b (Dense)"];
      "a" -> "b";
    }
    """
    drawer = _Drawer(options)
    if subgraph:
        graph = Digraph(model.name, _cluster_attributes(model), cluster=True)
    else:
        graph = Digraph(model.name, {"rankdir": options["rankdir"], "concentrate": "true",
                                     "dpi": f"{options['dpi']:g}", "splines": options["splines"]},
                        {"shape": "box", "fontname": "Helvetica"})
    drawer.draw(model, graph)
    for source, target, style in drawer.edges:
        graph.edge(source, target, **style)
    return graph.source() if not subgraph else "\n".join(graph.lines()) + "\n"
