"""Output shapes and dtypes found by running a layer, as Keras 3 infers them from ``call``.

A layer that does not define ``compute_output_shape`` is run once on one sample of zeros in
inference mode, outside any recording; sizes that are None are taken as 1, and — when there
are any besides the batch axis — as 2 in a second run, so the output sizes that follow them are
None too.
"""

from __future__ import annotations

import numpy as np

from ..autograd.modes import no_grad, not_recording
from ..autograd.tensor import Tensor
from ..common.allocation import check_sample
from .arguments import is_shape_list
from .symbolic import flatten

__all__ = ["specs_from_call"]


def _zeros_call(layer, shapes, dtypes, several, fill, kwargs) -> list:
    """The layer's outputs on zeros: one sample, free sizes set to ``fill``."""
    for shape in shapes:  # a file being loaded may not make this allocate more than it holds
        check_sample((1,) + tuple(fill if s is None else s for s in shape[1:]))
    arrays = [Tensor._result(np.zeros((1,) + tuple(fill if s is None else s for s in shape[1:]),
                                      dtype=dtype), None)
              for shape, dtype in zip(shapes, dtypes)]
    with no_grad(), not_recording(), np.errstate(all="ignore"):  # 1 / 0 is no error here
        out = layer(arrays if several else arrays[0], training=False, **(kwargs or {}))
    return flatten(out)


def specs_from_call(layer, input_shape, input_dtypes=None, kwargs=None) -> list:
    """``[(shape, dtype), ...]`` of ``layer``'s outputs for inputs of ``input_shape`` (a list
    of shapes for several inputs) and ``input_dtypes`` (one per input; by default the layer's
    weight dtype), building the layer first if need be.

    >>> from deepgrad.layers import Flatten
    >>> specs_from_call(Flatten(), (None, None, 3))
    [((None, None), dtype('float32'))]
    """
    several = is_shape_list(input_shape)
    shapes = [tuple(s) for s in input_shape] if several else [tuple(input_shape)]
    if not layer.built:
        layer._ensure_built(input_shape, None if input_dtypes is None else input_dtypes[0])
    dtypes = input_dtypes or [layer._weight_dtype()] * len(shapes)
    free = any(size is None for shape in shapes for size in shape[1:])
    runs = [_zeros_call(layer, shapes, dtypes, several, fill, kwargs)
            for fill in ((1, 2) if free else (1,))]
    batch = shapes[0][0] if shapes[0] else None
    specs = []
    for i, out in enumerate(runs[0]):
        sizes = [size if all(run[i].shape[k] == size for run in runs) else None
                 for k, size in enumerate(out.shape)]
        specs.append(((batch,) + tuple(sizes[1:]), out.dtype))
    return specs
