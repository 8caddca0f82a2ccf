"""The Layer base class: settings in ``__init__``, weights in ``build``, computation in ``call``.

Shapes follow Keras: ``build(input_shape)`` and ``compute_output_shape(input_shape)`` take the
full shape with the batch dimension first (``None`` when unknown). A layer that does not define
``compute_output_shape`` has it inferred by running ``call`` on a small batch of zeros.

``call`` is written with Tensor operations, so the same definition serves the autograd graph,
``predict`` and ``fit``'s recorded steps (:mod:`deepgrad.compile`), which replay a layer's
primitives once recorded. Assigning any attribute of a layer makes those recordings stale.

Every concrete layer is registered under its snake_case class name in :data:`LAYERS`, which is
the only place :mod:`~deepgrad.layers.serialization` looks a class up: loading a model never
imports anything by a name read from a file.
"""

from __future__ import annotations

import inspect
import itertools

import numpy as np

from .. import initializers, regularizers
from ..autograd.parameter import Parameter
from ..autograd.tensor import Tensor
from ..common.allocation import check_weight
from ..common.checks import check_bool
from ..common.names import unique_name
from ..common.registry import snake_case
from ..common.rng import as_generator
from ..compile import layers_changed
from .arguments import (
    aligned,
    check_dtype,
    check_name,
    declared_input_shape,
    is_shape_list,
    unsupported_arguments_message,
    weight_arguments,
)
from .registry import LAYERS
from .shape_inference import specs_from_call
from .symbolic import call_symbolic, is_symbolic


class Layer:
    """Base class of all layers.

    Subclasses store their settings in ``__init__``, create weights in ``build(input_shape)``
    with :meth:`add_weight`, and compute in ``call(x, training=False)`` with Tensor operations.
    Calling a layer builds it on first use. Nothing else is needed for a layer to train,
    predict, save and summarise: its output shape is inferred from ``call`` (override
    :meth:`compute_output_shape` to skip that), and ``fit`` and ``predict`` replay its recorded
    primitives.

    Parameters
    ----------
    name : str, optional
        Defaults to the snake_case class name with a counter (``dense``, ``dense_1``, ...).
    trainable : bool, default True
        Whether the optimizer updates this layer's weights.
    dtype : {"float32", "float64"}, optional
        Dtype of the weights; by default the dtype of the first input.
    input_shape : tuple of int, optional
        Shape of one sample (without the batch dimension), for the first layer of a model.

    Attributes
    ----------
    replayable : bool, class attribute, default True
        Whether ``call`` may be recorded once per input shape and replayed (see
        :mod:`deepgrad.compile`). A layer whose ``call`` reads the values of its input in
        Python, or changes state other than through primitives, sets it to False; models
        containing it train and predict through the graph.

    Examples
    --------
    A layer of one's own: weights from ``add_weight``, ``call`` in Tensor operations.

    >>> import numpy as np
    >>> class Scale(Layer):
    ...     def build(self, input_shape):
    ...         self.factor = self.add_weight("factor", (input_shape[-1],), "ones")
    ...     def call(self, x, training=False):
    ...         return x * self.factor
    >>> layer = Scale(name="scale")
    >>> layer(np.ones((2, 3))).shape, [w.path for w in layer.weights]
    ((2, 3), ['scale/factor'])
    >>> layer.compute_output_shape((None, 3))
    (None, 3)
    """

    replayable = True
    #: Whether the layer passes a mask on unchanged (see :meth:`compute_mask`).
    supports_masking = False
    _call_takes_training = True
    _call_takes_mask = False
    #: Attributes whose assignment does not change what ``call`` computes, so recorded calls
    #: stay valid: bookkeeping, and the state a call leaves (a model's output masks, a
    #: stateful layer's carried states).
    _untracked_attributes = frozenset({"built", "_build_dtype", "_inbound_nodes", "_output_masks",
                                       "_states"})

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        parameters = inspect.signature(cls.call).parameters.values()
        #: whether ``call`` takes ``training`` (Keras layers may leave it out)
        cls._call_takes_training = any(
            p.name == "training" or p.kind is p.VAR_KEYWORD for p in parameters)
        #: whether ``call`` takes the mask of its input's steps (recurrent layers)
        cls._call_takes_mask = any(p.name == "mask" for p in parameters)
        LAYERS.register_class(cls)

    def __init__(self, *, name=None, trainable=True, dtype=None, input_shape=None, input_dim=None,
                 batch_input_shape=None, batch_size=None, **unknown):
        unknown.pop("autocast", None)  # Keras's mixed-precision switch: nothing to cast here
        if unknown:
            raise TypeError(unsupported_arguments_message(type(self).__name__, unknown))
        self.name = check_name(name) or unique_name(snake_case(type(self).__name__))
        self.trainable = trainable
        self.dtype = None if dtype is None else check_dtype(dtype)
        self.input_shape = declared_input_shape(input_shape, input_dim, batch_input_shape)
        self.built = False
        self._weights: list[Parameter] = []
        self._regularized: list[tuple[Parameter, object]] = []
        self._build_dtype: np.dtype | None = None

    def __setattr__(self, name, value):
        object.__setattr__(self, name, value)
        if name not in self._untracked_attributes:
            layers_changed()

    # ------------------------------------------------------------------ to override
    def build(self, input_shape: tuple) -> None:
        """Create the weights for inputs of ``input_shape`` (batch dimension first)."""
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement call()")

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape`` (batch dimension first; a list of shapes for a layer
        of several inputs, and a list back from a layer of several outputs).

        By default it is found by calling the built layer on one sample of zeros (sizes that
        are None taken as 1, and as 2 to see which output sizes follow them) in inference mode,
        as Keras 3 infers it from ``call``.
        """
        shapes = [shape for shape, _ in self._run_on_zeros(input_shape, None)]
        return shapes[0] if len(shapes) == 1 else shapes

    def compute_output_spec(self, input_shape, input_dtypes, **kwargs) -> list:
        """``[(shape, dtype), ...]`` of the outputs for inputs of ``input_shape`` and
        ``input_dtypes`` (one per input): what a call on symbolic tensors returns."""
        if type(self).compute_output_shape is not Layer.compute_output_shape:
            shape = self.compute_output_shape(input_shape)
            shapes = shape if is_shape_list(shape) else [shape]
            dtype = self._weight_dtype(input_dtypes[0]) if self.weights else input_dtypes[0]
            return [(tuple(s), np.dtype(dtype)) for s in shapes]
        return self._run_on_zeros(input_shape, input_dtypes, kwargs)

    def _run_on_zeros(self, input_shape, input_dtypes, kwargs=None) -> list:
        """The outputs' shapes and dtypes when the layer runs on zeros of ``input_shape``."""
        return specs_from_call(self, input_shape, input_dtypes, kwargs)

    def compute_mask(self, inputs, mask=None):
        """The ``(batch, steps)`` boolean mask of the output's steps, as Keras propagates it
        through ``Sequential``: ``mask`` unchanged when :attr:`supports_masking`, else None.
        ``Embedding(mask_zero=True)`` and ``Masking`` make one; the recurrent layers take it in
        ``call(..., mask=)`` and skip the masked steps."""
        return mask if self.supports_masking else None

    def get_config(self) -> dict:
        """JSON-serialisable constructor arguments; ``from_config(get_config())`` rebuilds it."""
        config = {"name": self.name, "trainable": self.trainable}
        if self.dtype is not None:
            config["dtype"] = self.dtype.name
        if self.input_shape is not None:
            config["input_shape"] = list(self.input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        return cls(**config)

    # ------------------------------------------------------------------ machinery
    def __call__(self, inputs, *args, training: bool = False, **kwargs):
        """Run the layer: build it on the first call, then ``call``. ``inputs`` is a Tensor or
        an array, a list of them for a layer of several inputs, or symbolic tensors (from
        :func:`~deepgrad.layers.Input`), which record the call in a model's graph."""
        if is_symbolic(inputs):
            if args:
                raise TypeError(f"layer {self.name!r}: pass a call's options by keyword while "
                                f"defining a model; got {len(args)} more positional argument(s)")
            if training:  # fixed for every run, as Keras keeps training=True (MC dropout)
                kwargs = {**kwargs, "training": True}
            return call_symbolic(self, inputs, kwargs)
        if isinstance(inputs, (list, tuple)):
            if not inputs:
                raise ValueError(f"layer {self.name!r} was called on an empty list of inputs")
            inputs = [t if isinstance(t, Tensor) else Tensor(t, dtype=self.dtype) for t in inputs]
            self._ensure_built([(None,) + tuple(t.shape[1:]) for t in inputs], inputs[0].dtype)
        else:
            if not isinstance(inputs, Tensor):
                inputs = Tensor(inputs, dtype=self.dtype)
            self._ensure_built((None,) + tuple(inputs.shape[1:]), inputs.dtype)
        if self._call_takes_training:
            return self.call(inputs, *args, training=training, **kwargs)
        return self.call(inputs, *args, **kwargs)

    def _ensure_built(self, input_shape, dtype=None) -> None:
        """Build once for ``input_shape``; weights take ``dtype`` (when it is a float dtype)
        unless the layer has its own."""
        if not self.built:
            if dtype is not None and np.dtype(dtype).kind == "f":
                self._build_dtype = np.dtype(dtype)
            self.build(list(map(tuple, input_shape)) if is_shape_list(input_shape) else tuple(input_shape))
            self.built = True

    @property
    def input(self):
        """The symbolic tensor(s) of the layer's first call while defining a model."""
        return self._first_node("input").inputs

    @property
    def output(self):
        """The symbolic output(s) of the layer's first call while defining a model."""
        return self._first_node("output").output

    def _first_node(self, what: str):
        nodes = self.__dict__.get("_inbound_nodes")
        if not nodes:
            raise AttributeError(f"layer {self.name!r} has no {what}: it has not been called on "
                                 f"symbolic tensors (from deepgrad.Input) yet")
        return nodes[0]

    def _weight_dtype(self, default=np.float32) -> np.dtype:
        """The layer's dtype, else the dtype it was first built for, else ``default``."""
        if self.dtype is not None:
            return self.dtype
        if getattr(self, "_build_dtype", None) is not None:
            return self._build_dtype
        return np.dtype(default)

    def add_weight(self, *args, shape=None, initializer=None, dtype=None, trainable=True,
                   regularizer=None, constraint=None, name=None, seed=None,
                   **keras_options) -> Parameter:
        """Create a Parameter of ``shape`` filled by ``initializer(shape, rng, dtype)``, named
        ``name`` with the path ``"<layer name>/<name>"``, and recorded in :attr:`weights` in
        creation order.

        Both orders of the first arguments work: deepgrad's ``add_weight(name, shape,
        initializer)`` and Keras 3's ``add_weight(shape, initializer, dtype, trainable)``
        (``name`` by keyword; without one the weights are ``variable``, ``variable_1``, ...).
        ``initializer`` defaults to ``"glorot_uniform"``, as in Keras. Keras's ``autocast``,
        ``aggregation`` and ``overwrite_with_gradient`` are accepted and have nothing to do here.

        >>> layer = Layer(name="demo")
        >>> layer.add_weight("scale", (3,), "ones").path, layer.add_weight(shape=(2,)).name
        ('demo/scale', 'variable')
        """
        name, shape, initializer, dtype, trainable = weight_arguments(
            args, name=name, shape=shape, initializer=initializer, dtype=dtype,
            trainable=trainable, constraint=constraint, keras_options=keras_options)
        if name is None:
            taken = {w.name for w in self._weights}
            name = next(candidate for candidate in
                        (f"variable_{k}" if k else "variable" for k in itertools.count())
                        if candidate not in taken)
        init = initializers.get("glorot_uniform" if initializer is None else initializer)
        dtype = self._weight_dtype() if dtype is None else check_dtype(dtype)
        check_weight(f"{self.name}/{name}", shape, dtype.name)  # a file being loaded: fits it?
        value = aligned(np.asarray(init(shape, as_generator(seed), dtype), dtype=dtype))
        weight = Parameter(value, dtype=dtype, name=name, trainable=bool(trainable),
                           path=f"{self.name}/{name}")
        self._weights.append(weight)
        if regularizer is not None:
            self._regularized.append((weight, regularizers.get(regularizer)))
        return weight

    def _sublayers(self) -> list[Layer]:
        found = []
        for value in vars(self).values():
            if isinstance(value, Layer):
                found.append(value)
            elif isinstance(value, (list, tuple)):
                found.extend(v for v in value if isinstance(v, Layer))
        return found

    @property
    def weights(self) -> list[Parameter]:
        """All weights: this layer's, in the order :meth:`add_weight` made them (then any
        Parameter assigned as an attribute), then each sub-layer's (a layer used twice, such as
        a shared layer of a model, counts once)."""
        found = list(self.__dict__.get("_weights", ()))
        known = {id(w) for w in found}
        for value in vars(self).values():
            if isinstance(value, Parameter) and id(value) not in known:
                found.append(value)
                known.add(id(value))
        for layer in self._sublayers():
            for w in layer.weights:
                if id(w) not in known:
                    found.append(w)
                    known.add(id(w))
        return found

    @property
    def trainable(self) -> bool:
        """Whether the optimizer updates this layer's weights. Setting it sets it on every
        sub-layer too (freezing or unfreezing a whole model), as in Keras."""
        return self.__dict__.get("_trainable", True)

    @trainable.setter
    def trainable(self, value) -> None:
        self.__dict__["_trainable"] = check_bool(value, "trainable")
        for layer in self._sublayers():
            layer.trainable = value

    @property
    def trainable_weights(self) -> list[Parameter]:
        """Weights an optimizer updates: none in a layer whose ``trainable`` is False, nor in
        such a sub-layer (freezing a layer inside a model freezes its weights, as in Keras)."""
        frozen = {id(w) for layer in self._sublayers() for w in layer.non_trainable_weights}
        if not self.trainable:
            return []
        return [w for w in self.weights if w.trainable and id(w) not in frozen]

    @property
    def non_trainable_weights(self) -> list[Parameter]:
        trainable = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    @property
    def is_replayable(self) -> bool:
        """Whether this layer and all its sub-layers are :attr:`replayable`."""
        return self.replayable and all(layer.is_replayable for layer in self._sublayers())

    def parameters(self) -> list[Parameter]:
        """The Parameters an optimizer should update (the trainable weights)."""
        return self.trainable_weights

    def count_params(self) -> int:
        return int(sum(w.size for w in self.weights))

    def regularization_losses(self) -> list[Tensor]:
        """Penalty terms of this layer's (and its sub-layers') regularized weights."""
        losses = [regularizer(w) for w, regularizer in self._regularized]
        for layer in self._sublayers():
            losses.extend(layer.regularization_losses())
        return losses

    def get_weights(self) -> list[np.ndarray]:
        return [w.data.copy() for w in self.weights]

    def set_weights(self, values) -> None:
        weights = self.weights
        values = list(values)
        if len(values) != len(weights):
            raise ValueError(
                f"layer {self.name!r} has {len(weights)} weights; set_weights got {len(values)} arrays"
            )
        for weight, value in zip(weights, values):
            weight.assign(value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"
