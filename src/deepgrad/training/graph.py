"""A functional model's graph: the layer calls between its inputs and its outputs, in an order
they can run in, run on real tensors and written to (and read from) a JSON config.

The calls are the :class:`~deepgrad.layers.symbolic.Node` objects recorded while the model was
defined (``Dense(3)(inputs)``). A layer called more than once (a shared layer) has one node per
call and one set of weights.
"""

from __future__ import annotations

from ..layers.serialization import deserialize, serialize
from ..layers.input_layer import InputLayer
from ..layers.symbolic import SymbolicTensor, flatten

__all__ = ["LayerGraph"]


def _map(structure, fn):
    """``structure`` (a tensor, or a list or tuple of them) with ``fn`` applied to each tensor."""
    if isinstance(structure, (list, tuple)):
        return [_map(item, fn) for item in structure]
    return fn(structure)


def _symbolic(structure, what: str) -> list:
    """The tensors of ``structure`` (a tensor, a list or a dict of them), checked."""
    tensors = flatten(structure)
    for t in tensors:
        if not isinstance(t, SymbolicTensor):
            raise TypeError(f"Model {what} must be symbolic tensors — from deepgrad.Input() or "
                            f"a layer called on one — or a list or dict of them; got "
                            f"{type(t).__name__}")
    if not tensors:
        raise ValueError(f"Model needs at least one tensor in {what}")
    return tensors


def _input_mask(layer, masks: list):
    """The mask a call takes: its one input's (a call on several inputs takes none)."""
    return masks[0] if len(masks) == 1 else None


class LayerGraph:
    """The nodes between symbolic ``inputs`` and ``outputs``.

    Parameters
    ----------
    inputs, outputs : SymbolicTensor, or a list or dict of them

    Attributes
    ----------
    inputs, outputs : list of SymbolicTensor
    nodes : list of Node
        The calls to run, in an order where every call's inputs are ready (InputLayers left out).
    layers : list of Layer
        Each layer once: the input layers first, then in the order of ``nodes``.
    """

    def __init__(self, inputs, outputs):
        self.inputs = _symbolic(inputs, "inputs")
        self.outputs = _symbolic(outputs, "outputs")
        self.input_keys = list(inputs) if isinstance(inputs, dict) else None
        self.output_keys = list(outputs) if isinstance(outputs, dict) else None
        self.single_output = isinstance(outputs, SymbolicTensor)
        for t in self.inputs:
            if not isinstance(t.node.layer, InputLayer):
                raise ValueError(f"Model inputs must come straight from deepgrad.Input(); "
                                 f"{t!r} is the output of layer {t.node.layer.name!r}")
        if len({id(t) for t in self.inputs}) != len(self.inputs):
            raise ValueError("Model inputs name the same Input twice")
        given = {id(t) for t in self.inputs}
        self.nodes: list = []
        placed: set = set()

        def visit(tensor, path):
            node = tensor.node
            if id(tensor) in given or id(node) in placed:
                return
            if isinstance(node.layer, InputLayer):
                raise ValueError(f"the outputs depend on the Input {node.layer.name!r}, which is "
                                 f"not among the model's inputs; pass it in inputs=")
            if id(node) in path:
                raise ValueError(f"layer {node.layer.name!r} is called on its own output")
            for parent in node.input_tensors:
                visit(parent, path | {id(node)})
            placed.add(id(node))
            self.nodes.append(node)

        for t in self.outputs:
            visit(t, frozenset())
        layers = [t.node.layer for t in self.inputs] + [node.layer for node in self.nodes]
        self.layers = list({id(layer): layer for layer in layers}.values())
        self._calls = self._call_index()
        names = [layer.name for layer in self.layers]
        duplicate = next((n for n in names if names.count(n) > 1), None)
        if duplicate is not None:
            raise ValueError(f"the layers of a model need unique names: two layers are named "
                             f"{duplicate!r}; pass another name= to one of them")

    def run(self, values: list, training: bool = False, observe=None) -> list:
        """The outputs' tensors for the inputs' ``values`` (one Tensor per input);
        ``observe(node, output)``, when given, sees each call's output as it is made."""
        env = {id(t): v for t, v in zip(self.inputs, values)}
        masks: dict = {}  # the steps' masks, from Embedding(mask_zero=True) or Masking, as in Keras
        for node in self.nodes:
            args = _map(node.inputs, lambda t: env[id(t)])
            kwargs = {"training": training, **node.kwargs}
            mask = _input_mask(node.layer, [masks.get(id(t)) for t in node.input_tensors])
            if mask is not None and node.layer._call_takes_mask and "mask" not in kwargs:
                kwargs["mask"] = mask
            out = node.layer(args, **kwargs)
            if observe is not None:
                observe(node, out)
            for t, value in zip(node.outputs, out if isinstance(out, (list, tuple)) else [out]):
                env[id(t)] = value
            masks[id(node.outputs[0])] = node.layer.compute_mask(args, mask)
        #: the outputs' masks of the last run (a Tensor or None each)
        self.output_masks = [masks.get(id(t)) for t in self.outputs]
        return [env[id(t)] for t in self.outputs]

    def inbound(self, layer) -> list:
        """The ``name[call][output]`` labels of the tensors each call of ``layer`` takes."""
        return [[self._label(t) for t in node.input_tensors]
                for node in self.nodes if node.layer is layer]

    def _call_index(self) -> dict:
        """Each node's index among its layer's calls in this graph (shared layers have several)."""
        counts: dict = {}
        index = {}
        for t in self.inputs:
            index[id(t.node)] = 0
        for node in self.nodes:
            index[id(node)] = counts.get(id(node.layer), 0)
            counts[id(node.layer)] = index[id(node)] + 1
        return index

    def _label(self, tensor) -> str:
        k = self._calls[id(tensor.node)]
        return f"{tensor.node.layer.name}[{k}][{tensor.index}]"

    # ------------------------------------------------------------------ configuration
    def get_config(self) -> dict:
        """The layers and the calls between them, as JSON: tensors are ``[layer name, call,
        output]`` triples."""
        index = self._calls
        ref = lambda t: [t.node.layer.name, index[id(t.node)], t.index]  # noqa: E731

        def structure(value):
            if isinstance(value, (list, tuple)):
                return {"list": [structure(v) for v in value]}
            return {"tensor": ref(value)}

        def ends(tensors, keys, single):
            if keys is not None:
                return {"dict": {k: ref(t) for k, t in zip(keys, tensors)}}
            return {"tensor": ref(tensors[0])} if single else {"list": [ref(t) for t in tensors]}

        return {
            "layers": [serialize(layer) for layer in self.layers],
            "calls": [{"layer": node.layer.name, "args": structure(node.inputs),
                       "kwargs": node.kwargs} for node in self.nodes],
            "inputs": ends(self.inputs, self.input_keys, False),
            "outputs": ends(self.outputs, self.output_keys, self.single_output),
        }

    @staticmethod
    def from_config(config: dict) -> tuple:
        """``(inputs, outputs)`` structures of symbolic tensors rebuilt from :meth:`get_config`,
        with every class looked up in deepgrad's layer registry."""
        layers = {}
        for spec in config["layers"]:
            layer = deserialize(spec)
            if layer.name in layers:
                raise ValueError(f"the config names the layer {layer.name!r} twice")
            layers[layer.name] = layer
        made: dict = {}  # (layer name, call) -> list of output tensors
        for name, layer in layers.items():
            if isinstance(layer, InputLayer):
                made[(name, 0)] = [layer.output]

        def tensor(triple):
            if (not isinstance(triple, list) or len(triple) != 3 or not isinstance(triple[0], str)
                    or not all(isinstance(i, int) and not isinstance(i, bool) for i in triple[1:])):
                raise ValueError(f"a tensor reference must be [layer name, call, output]; got {triple!r}")
            name, call, output = triple
            outputs = made.get((name, call))
            if outputs is None or not 0 <= output < len(outputs):
                raise ValueError(f"the config refers to output {output} of call {call} of layer "
                                 f"{name!r}, which comes later or does not exist")
            return outputs[output]

        def structure(value):
            if isinstance(value, dict) and set(value) == {"tensor"}:
                return tensor(value["tensor"])
            if isinstance(value, dict) and set(value) == {"list"} and isinstance(value["list"], list):
                return [structure(v) for v in value["list"]]
            raise ValueError(f"a call's arguments must be {{'tensor': ...}} or {{'list': [...]}}; "
                             f"got {value!r}")

        counts: dict = {}
        for call in config["calls"]:
            name = call["layer"]
            if name not in layers:
                raise ValueError(f"a call names the layer {name!r}, which is not in the config")
            kwargs = call.get("kwargs") or {}
            if not isinstance(kwargs, dict):
                raise ValueError(f"the keyword arguments of a call of {name!r} must be a dict")
            out = layers[name](structure(call["args"]), **kwargs)
            k = counts.get(name, 0)
            counts[name] = k + 1
            made[(name, k)] = flatten(out)

        def ends(value):
            if isinstance(value, dict) and set(value) == {"dict"} and isinstance(value["dict"], dict):
                return {k: tensor(v) for k, v in value["dict"].items()}
            if isinstance(value, dict) and set(value) == {"list"} and isinstance(value["list"], list):
                return [tensor(v) for v in value["list"]]
            if isinstance(value, dict) and set(value) == {"tensor"}:
                return tensor(value["tensor"])
            raise ValueError(f"the model's inputs and outputs must be a tensor, a list or a dict; "
                             f"got {value!r}")

        return ends(config["inputs"]), ends(config["outputs"])
