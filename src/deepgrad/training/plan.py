"""The training plan: ``fit``'s step for a Sequential model without recording a graph.

A step through the graph builds a node per layer, allocates every intermediate array afresh,
and collects the gradients in a topological sweep. For a stack of plain layers (Dense, Dropout,
Flatten, Input) that work buys nothing: the plan runs each layer's
:class:`~deepgrad.layers.steps.TrainingStep` forward, then backward in reverse order, reusing
its arrays from batch to batch and writing the weights' gradients straight into the optimizer's
flat gradient buffer, so the optimizer updates each dtype's weights in one pass.

Only the leading run of layers that offer a training step is planned. Any layers after that
run go through the graph, with the loss, from a leaf Tensor holding the planned part's output;
that leaf's gradient seeds the planned backward. Without such layers the loss's
:meth:`~deepgrad.losses.Loss.value_and_gradient` gives the gradient (in closed form for the
softmax cross-entropies, else through the graph on a leaf). Every loss, sample weights, class
weights and a final softmax therefore behave exactly as they do in the graph. The plan does
the graph's operations in the graph's order, so the trained weights are bitwise the same
(``tests/test_training_plan.py`` checks this).

Models with regularization penalties or weights of more than one dtype train through the graph.

The planned weights' ``.grad`` are the arrays the plan writes into, as PyTorch's ``.grad`` are:
the next batch overwrites them, so a callback that keeps gradients keeps copies.
"""

from __future__ import annotations

import numpy as np

from ..layers.steps import PassThrough
from ..autograd.tensor import Tensor

__all__ = ["TrainingPlan"]


class TrainingPlan:
    """Forward, loss and backward of one batch for ``model``, whose trainable ``params`` the
    optimizer updates; build it with :meth:`for_model`.

    Attributes
    ----------
    steps : list of TrainingStep
        One per planned layer (layers that pass their input through are left out).
    tail : list of Layer
        The layers after the planned run, applied in the graph.

    Examples
    --------
    ``fit`` makes one; here by hand, for a network whose softmax output layer stays in the graph:

    >>> import numpy as np
    >>> import deepgrad as dg
    >>> from deepgrad.layers import Dense, Input
    >>> model = dg.Sequential([Input((3,)), Dense(4, "relu"), Dense(2, "softmax")])
    >>> model.compile("adam", "sparse_categorical_crossentropy")
    >>> plan = TrainingPlan.for_model(model, model.parameters())
    >>> [type(step).__name__ for step in plan.steps], [layer.activation.__name__ for layer in plan.tail]
    (['DenseStep'], ['softmax'])
    >>> loss, out = plan.run(np.ones((5, 3), np.float32), np.array([0, 1, 0, 1, 1]), None)
    >>> out.shape, model.layers[1].kernel.grad.shape
    ((5, 2), (3, 4))
    """

    def __init__(self, model, steps: list, tail: list, params: list):
        self.model, self.steps, self.tail, self.params = model, steps, tail, params
        optimizer = model.optimizer
        if optimizer.clipnorm or optimizer.clipvalue or optimizer.global_clipnorm:
            # clipping would clip the optimizer's buffers in place, and .grad with them
            arrays = [np.zeros_like(p.data) for p in params]
        else:
            arrays = optimizer.gradient_buffers(params)
        buffers = {id(p): a for p, a in zip(params, arrays) if a is not None}
        planned = set()
        for step in steps:
            step.grads = [buffers.get(id(p)) for p in step.params]
            planned.update(id(p) for p, g in zip(step.params, step.grads) if g is not None)
        #: (parameter, its gradient array) for the planned parameters, set as .grad each step
        self.planned = [(p, buffers[id(p)]) for p in params if id(p) in planned]
        #: per step, whether its input's gradient is needed: some earlier step trains a weight
        self.needs_input_grad = [
            any(g is not None for earlier in steps[:i] for g in earlier.grads) for i in range(len(steps))
        ]

    @classmethod
    def for_model(cls, model, params: list) -> TrainingPlan | None:
        """The plan for a built, compiled Sequential ``model``, or None when it must train
        through the graph (no leading layer has a training step, a layer adds a penalty to
        the loss, or its weights mix dtypes)."""
        dtype = model.weights_dtype
        if model.regularization_losses() or any(w.dtype != dtype for w in model.weights):
            return None
        shape = tuple(model._build_input_shape)
        steps, tail = [], list(model.layers)
        while tail:
            step = tail[0].training_step(shape)
            if step is None:
                break
            if not isinstance(step, PassThrough):
                steps.append(step)
            shape = tuple(tail.pop(0).compute_output_shape(shape))
        if not steps:
            return None
        return cls(model, steps, tail, params)

    def run(self, x: np.ndarray, y: np.ndarray, sample_weight) -> tuple[float, np.ndarray]:
        """Forward and backward for one batch; sets each parameter's ``.grad`` as
        ``loss.backward()`` would and returns the loss and the model's output."""
        model = self.model
        for step in self.steps:
            x = step.forward(x)
        if not self.tail:
            value, grad = model.loss.value_and_gradient(y, x, sample_weight)
            out = x
        else:
            leaf = Tensor._result(x, None)
            leaf.requires_grad = True
            out = leaf
            for layer in self.tail:
                out = layer(out, training=True)
            loss = model.loss(y, out, sample_weight=sample_weight)
            loss.backward()
            value, grad, out = float(loss.item()), leaf.grad, out.data
            if grad is None:  # the loss does not depend on the planned layers
                return value, out
        for step, need_input_grad in zip(reversed(self.steps), reversed(self.needs_input_grad)):
            grad = step.backward(grad, need_input_grad)
            if not need_input_grad:  # no earlier step trains a weight
                break
        for param, array in self.planned:
            param.grad = array
        return value, out
