"""The Layer base class: settings in ``__init__``, weights in ``build``, computation in ``call``.

Shapes follow Keras: ``build(input_shape)`` and ``compute_output_shape(input_shape)`` take the
full shape with the batch dimension first (``None`` when unknown).

Every concrete layer is registered by class name in :data:`REGISTRY`, which is the only place
:func:`deserialize` looks a class up: loading a model never imports anything by a name read from
a file.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict

import numpy as np

from ..autograd.parameter import Parameter
from ..autograd.tensor import Tensor

REGISTRY: dict[str, type[Layer]] = {}
_name_counters: dict[str, itertools.count] = defaultdict(itertools.count)


def _snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])|(?<=[A-Z])([A-Z][a-z])", r"_\1\2", name).lower()


def unique_name(base: str) -> str:
    """``dense``, ``dense_1``, ``dense_2``, ... as Keras names its layers."""
    n = next(_name_counters[base])
    return base if n == 0 else f"{base}_{n}"


def aligned(value: np.ndarray, alignment: int = 64) -> np.ndarray:
    """A C-contiguous copy of ``value`` whose data starts on an ``alignment``-byte boundary.

    New weights are stored this way because BLAS kernels read them faster when their vector
    loads never straddle a cache line: at batch size 1, a 784 × 256 float32 ``x @ kernel`` takes
    about a quarter less time with the kernel on a 32-byte boundary than on the 16-byte one
    NumPy guarantees. ``set_weights`` and ``load_weights`` copy into this storage in place.

    >>> aligned(np.arange(3.0)).ctypes.data % 64
    0
    """
    buffer = np.empty(value.nbytes + alignment, dtype=np.uint8)
    start = -buffer.ctypes.data % alignment
    out = buffer[start : start + value.nbytes].view(value.dtype).reshape(value.shape)
    np.copyto(out, value)
    return out


class Layer:
    """Base class of all layers.

    Subclasses store their settings in ``__init__``, create weights in ``build(input_shape)``
    with :meth:`add_weight`, and compute in ``call(x, training=False)``. Calling a layer builds it
    on first use.

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
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        REGISTRY[cls.__name__] = cls

    def __init__(self, *, name=None, trainable=True, dtype=None, input_shape=None):
        self.name = name or unique_name(_snake_case(type(self).__name__))
        self.trainable = bool(trainable)
        self.dtype = None if dtype is None else np.dtype(dtype)
        self.input_shape = None if input_shape is None else tuple(input_shape)
        self.built = False
        self._regularized: list[tuple[Parameter, object]] = []
        self._build_dtype: np.dtype | None = None

    # ------------------------------------------------------------------ to override
    def build(self, input_shape: tuple) -> None:
        """Create the weights for inputs of ``input_shape`` (batch dimension first)."""
        self.built = True

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must implement call()")

    def infer(self, x):
        """Inference on a plain array, building no graph: ``call(x, training=False)``'s values.

        Layers on the prediction hot path (Dense) override it with plain NumPy; the default
        runs ``call`` on a constant Tensor under ``no_grad``.
        """
        from ..autograd.tensor import no_grad

        with no_grad():
            return self(Tensor._result(x, None), training=False).data

    def inference_step(self, input_shape: tuple):
        """A function of a plain array with :meth:`infer`'s result, for a model that has checked
        its input and knows each layer's ``input_shape`` (batch dimension first); None when the
        layer leaves such inputs unchanged.

        A model asks once and keeps the answer (see ``Sequential.infer``), so a layer can leave
        out per-call checks that ``input_shape`` makes redundant; the function must read the
        weights when it runs, never keep their arrays. By default: :meth:`infer` itself.
        """
        return self.infer

    def training_step(self, input_shape: tuple):
        """A :class:`~deepgrad.layers.steps.TrainingStep` doing this layer's training forward and
        backward on plain arrays of ``input_shape`` (batch dimension first), or None (the
        default) when only the graph can train the layer; ``fit`` then trains this layer and
        those after it through the graph. The step must read the weights' ``.data`` when it
        runs, never keep their arrays.
        """
        return None

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        """Output shape for ``input_shape`` (batch dimension first); default: unchanged."""
        return tuple(input_shape)

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
    def __call__(self, x, training: bool = False) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x, dtype=self.dtype)
        self._ensure_built((None,) + tuple(x.shape[1:]), x.dtype)
        return self.call(x, training=training)

    def _ensure_built(self, input_shape: tuple, dtype=None) -> None:
        """Build once for ``input_shape``; weights take ``dtype`` unless the layer has its own."""
        if not self.built:
            if dtype is not None:
                self._build_dtype = np.dtype(dtype)
            self.build(tuple(input_shape))
            self.built = True

    def _weight_dtype(self, default=np.float32) -> np.dtype:
        """The layer's dtype, else the dtype it was first built for, else ``default``."""
        if self.dtype is not None:
            return self.dtype
        if getattr(self, "_build_dtype", None) is not None:
            return self._build_dtype
        return np.dtype(default)

    def add_weight(
        self,
        name: str,
        shape: tuple,
        initializer,
        *,
        regularizer=None,
        trainable: bool = True,
        seed=None,
    ) -> Parameter:
        """Create a Parameter of ``shape`` filled by ``initializer(shape, rng, dtype)``."""
        from .. import initializers
        from ..utils.rng import as_generator

        init = initializers.get(initializer)
        dtype = self._weight_dtype()
        value = aligned(np.asarray(init(tuple(shape), as_generator(seed), dtype), dtype=dtype))
        weight = Parameter(value, dtype=dtype, name=f"{self.name}/{name}", trainable=trainable)
        if regularizer is not None:
            self._regularized.append((weight, regularizer))
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
        """All weights (trainable first within each layer), in a fixed order."""
        found = []
        for value in vars(self).values():
            if isinstance(value, Parameter):
                found.append(value)
            elif isinstance(value, Layer):
                found.extend(value.weights)
            elif isinstance(value, (list, tuple)):
                for v in value:
                    if isinstance(v, Layer):
                        found.extend(v.weights)
        return found

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

    def parameters(self) -> list[Parameter]:
        """The Parameters an optimizer should update (the trainable weights)."""
        return self.trainable_weights

    def count_params(self) -> int:
        return int(sum(w.size for w in self.weights))

    def regularization_losses(self) -> list[Tensor]:
        """Penalty terms of this layer's (and its sub-layers') regularized weights."""
        from .. import regularizers

        losses = [regularizers.get(r)(w) for w, r in self._regularized]
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


def serialize(layer: Layer) -> dict:
    """``{"class_name": ..., "config": ...}`` for a layer."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(spec: dict) -> Layer:
    """Rebuild a layer from :func:`serialize` output, looking the class up in :data:`REGISTRY`."""
    if not isinstance(spec, dict) or "class_name" not in spec:
        raise ValueError(f"a layer spec must be a dict with 'class_name' and 'config'; got {spec!r}")
    cls = REGISTRY.get(spec["class_name"])
    if cls is None:
        raise ValueError(
            f"unknown layer class {spec['class_name']!r}; known layers: {', '.join(sorted(REGISTRY))}"
        )
    return cls.from_config(dict(spec.get("config", {})))
