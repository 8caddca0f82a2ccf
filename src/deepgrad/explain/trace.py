"""One training step of a small dense network, written out with every number.

:func:`trace` follows one sample through a :class:`~deepgrad.Sequential` model of
:class:`~deepgrad.layers.Dense` layers the way the lecture notes do it by hand: the forward pass
(``z = Wᵀx + b`` and ``a = f(z)`` for every neuron), the loss, the backward pass (every
``∂L/∂w`` as the product of its chain-rule factors, summed over the paths through the next
layer) and the weights after one optimizer step. The result, a :class:`Trace`, prints as text
(``str(trace)``) or Markdown (``trace.markdown()``) and holds the numbers as arrays.

How the numbers are made:

- the forward values come from deepgrad's own operations in float64 (the model's weights cast
  up), so the written arithmetic can be checked by hand at any precision;
- the local derivatives — the loss's ``∂L/∂ŷ`` and each activation's ``f′(z)`` — come from
  their closed forms or from deepgrad's derivatives of that one function, and the chain rule
  is then applied in writing (products and sums of those factors);
- every written gradient is compared with deepgrad's autograd gradient of the whole network
  (of the model itself too when its weights are float64); a disagreement raises an error
  instead of printing wrong numbers;
- the optimizer step runs a copy of the optimizer (the model's compiled one, with its state,
  or SGD) on copies of the weights, with the gradients of the model's own graph in the
  model's dtype: the updated weights are those one real training step on this sample gives.
  The model — weights, gradients, optimizer state — is left as it was.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..autograd.parameter import Parameter
from . import trace_text
from .chain_rule import (
    activation_name,
    difference,
    elementwise_derivative,
    forward64,
    is_softmax,
    loss_derivative,
    model_gradients,
    predicted_class,
)
from .trace_inputs import (
    MAX_WEIGHTS,
    check_digits,
    check_loss,
    check_model,
    check_sample,
    check_target,
    is_plain_sgd,
    optimizer_copy,
)

__all__ = ["MAX_WEIGHTS", "LayerTrace", "Trace", "trace"]


@dataclass(frozen=True)
class LayerTrace:
    """The numbers of one Dense layer in a :class:`Trace` (one sample; float64 arrays).

    Attributes
    ----------
    name : str
        The layer's name.
    activation : str
        The activation's name (``"sigmoid"``), with its settings when it has any.
    inputs : ndarray of shape (n_inputs,)
        What the layer receives: the sample ``x`` for the first layer, else the previous ``a``.
    kernel : ndarray of shape (n_inputs, units)
        ``kernel[i, j]`` is the weight from input ``i`` to neuron ``j``: w_{i+1, j+1}.
    bias : ndarray of shape (units,) or None
    z : ndarray of shape (units,)
        ``Wᵀx + b``.
    a : ndarray of shape (units,)
        ``f(z)``.
    activation_derivative : ndarray of shape (units,) or None
        ``f′(z)`` (None for softmax, whose derivative is a matrix).
    grad_a : ndarray of shape (units,) or None
        ``∂L/∂a`` (None at a softmax output read by a cross-entropy, where the trace goes
        straight to ``∂L/∂z = ŷ − y``).
    grad_z : ndarray of shape (units,)
        ``∂L/∂z`` (the notes' δ).
    grad_kernel : ndarray of shape (n_inputs, units)
    grad_bias : ndarray of shape (units,) or None
    trainable : bool
        False for a frozen layer, which the optimizer step leaves unchanged.
    """

    name: str
    activation: str
    inputs: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray | None
    z: np.ndarray
    a: np.ndarray
    activation_derivative: np.ndarray | None
    grad_a: np.ndarray | None
    grad_z: np.ndarray
    grad_kernel: np.ndarray
    grad_bias: np.ndarray | None
    trainable: bool = True

    @property
    def units(self) -> int:
        return int(self.z.shape[0])


@dataclass(frozen=True)
class Trace:
    """One training step of one sample, written out: what :func:`trace` returns.

    ``str(trace)`` (or :meth:`text`) is the plain-text account, :meth:`markdown` the same in
    Markdown with LaTeX math (as GitHub renders it). The numbers are attributes.

    Attributes
    ----------
    model_name : str
    x : ndarray of shape (n_features,)
        The sample.
    y : ndarray
        Its target as the loss reads it: values of shape (n_outputs,), or a one-hot row for a
        class label of ``sparse_categorical_crossentropy``.
    layers : tuple of LayerTrace
        One per Dense layer, input to output.
    loss : float
        The loss of the sample.
    loss_name : str
        The loss's name (``"mean_squared_error"``).
    prediction : ndarray of shape (n_outputs,)
        The network's output ŷ (the last layer's ``a``).
    predicted_class : int or None
        The class a sigmoid (ŷ ≥ 0.5), softmax (largest ŷ) or step output gives; None for
        other outputs.
    gradients : dict of str to ndarray
        ``∂L/∂weight`` by weight path (``"dense/kernel"``, ``"dense/bias"``), float64: the
        products of the written chain-rule factors.
    autograd_difference : float
        The largest absolute difference between ``gradients`` and deepgrad's autograd
        gradients of the same network (float64).
    weights : dict of str to ndarray
        The model's weights before the step, by path, in ``model.weights`` order.
    updated_weights : dict of str to ndarray
        The weights after one optimizer step, by path, in the model's dtype.
    optimizer : str
        The optimizer that made the step, with its settings (``"SGD(learning_rate=0.1, ...)"``).
    learning_rate : float
        Its learning rate for this step.
    digits : int
        Significant digits of the numbers in :meth:`text` and :meth:`markdown`.
    title : str or None
        A heading (the worked examples of :mod:`deepgrad.explain.examples` set it).
    description : tuple of str
        Sentences printed under the heading.
    notes : tuple of str
        Where the lecture notes' own numbers differ from these, and why.
    """

    model_name: str
    x: np.ndarray
    y: np.ndarray
    layers: tuple
    loss: float
    loss_name: str
    prediction: np.ndarray
    predicted_class: int | None
    gradients: dict
    autograd_difference: float
    weights: dict
    updated_weights: dict
    optimizer: str
    learning_rate: float
    digits: int = 4
    title: str | None = None
    description: tuple = ()
    notes: tuple = ()
    #: how the loss is written: mse, mae, bce, cce, scce (with "_logits" when from_logits)
    loss_kind: str = field(default="mse", repr=False)
    #: whether the optimizer step is plain gradient descent, w ← w − η·∂L/∂w
    plain_sgd: bool = field(default=True, repr=False)

    def text(self, digits: int | None = None) -> str:
        """The step as plain text (Unicode math), numbers to ``digits`` significant digits."""
        return trace_text.as_text(self, self.digits if digits is None else check_digits(digits))

    def markdown(self, digits: int | None = None) -> str:
        """The step as Markdown: headings, and each equation as ``$$ … $$`` display math."""
        return trace_text.as_markdown(self, self.digits if digits is None else check_digits(digits))

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        shape = " → ".join([str(self.x.shape[0])] + [str(layer.units) for layer in self.layers])
        return (f"<Trace of {self.model_name!r} ({shape}): loss {self.loss:.6g}, "
                f"{sum(g.size for g in self.gradients.values())} gradients>")


def trace(model, x, y, *, loss=None, optimizer=None, learning_rate=None, digits: int = 4,
          max_weights: int = MAX_WEIGHTS) -> Trace:
    r"""Write out one training step of a small dense network on one sample.

    The forward pass (every neuron's ``z = w₁ⱼ·x₁ + w₂ⱼ·x₂ + … + bⱼ`` and ``a = f(z)``), the
    loss, the backward pass (every ``∂L/∂w`` as the product ``∂L/∂a · ∂a/∂z · ∂z/∂w`` of its
    chain-rule factors, where ``∂L/∂a`` of a hidden neuron is the sum over the paths through
    the next layer's neurons) and the weights after one optimizer step — as the lecture notes
    compute them by hand. Every written gradient is checked against deepgrad's autograd
    gradients. The model is not changed.

    Parameters
    ----------
    model : Sequential
        Dense layers (any activation; an Input first is fine), built, at most ``max_weights``
        weights, no regularizers.
    x : array_like of shape (n_features,) or (1, n_features)
        One sample: the notes trace one sample, and a batch's gradient is the mean of the
        samples' gradients (trace each sample to see them).
    y : array_like
        Its target: one value per output unit, or a class label for
        ``sparse_categorical_crossentropy``.
    loss : str, dict or Loss, optional
        Default: the compiled loss, else ``"mse"`` (the notes' ``(y − ŷ)²``); one given here
        replaces the compiled one for this trace. Written out: mean squared and absolute
        error, binary, categorical (after a softmax output) and sparse categorical
        cross-entropy, ``from_logits`` too.
    optimizer : str, dict or Optimizer, optional
        Default: the compiled optimizer (a copy, with its state: the step is the model's next
        training step), else ``SGD``. The optimizer given is copied, never stepped.
    learning_rate : float, optional
        Overrides the optimizer's learning rate; ``SGD``'s default is 0.01.
    digits : int, default 4
        Significant digits of the printed numbers (the arrays keep every digit).
    max_weights : int, default 200
        Refuse larger networks, whose written-out step would be too long to read.

    Returns
    -------
    Trace
        ``print(trace)`` for the text, ``trace.markdown()`` for Markdown, and the numbers as
        attributes (``trace.layers[i].z``, ``.a``, ``trace.loss``, ``trace.gradients``,
        ``trace.updated_weights``).

    Raises
    ------
    TypeError
        For a model that is not a Sequential (a functional model: rebuild it as one).
    ValueError
        For a layer other than Dense (naming it and why), too many weights, a regularizer, a
        batch of several samples, an unsupported loss, a target of the wrong shape, or an
        activation that is neither elementwise nor softmax (found when the written chain rule
        disagrees with autograd).

    Examples
    --------
    The notes' perceptron neuron (seed 000): x = (95, 4), w = (0.01, 0.02), b = 0.001, y = 1.

    >>> import numpy as np
    >>> from deepgrad import Sequential
    >>> from deepgrad.layers import Dense, Input
    >>> model = Sequential([Input((2,)), Dense(1, activation="sigmoid", name="neuron",
    ...                                       dtype="float64")], name="perceptron")
    >>> model.set_weights([np.array([[0.01], [0.02]]), np.array([0.001])])
    >>> step = trace(model, [95, 4], 1, learning_rate=0.1)
    >>> print(step.text().split("\n\n")[1])
    Forward pass: z = Wᵀx + b, a = f(z)
      Layer 1 "neuron" (Dense, 1 unit, sigmoid)
        z₁ = w₁₁·x₁ + w₂₁·x₂ + b₁ = 0.01·95 + 0.02·4 + 0.001 = 0.95 + 0.08 + 0.001 = 1.031
        ŷ = a₁ = σ(z₁) = σ(1.031) = 0.7371
      Prediction: ŷ = 0.7371 ≥ 0.5 → class 1
      Loss: L = (y − ŷ)² = (1 − 0.7371)² = 0.06911
    >>> [line.strip() for line in str(step).splitlines() if line.strip().startswith("∂L/∂w₁₁")]
    ['∂L/∂w₁₁ = ∂L/∂ŷ·∂ŷ/∂z₁·∂z₁/∂w₁₁ = (-0.5258)·0.1938·95 = -9.679']
    >>> step.layers[0].z, step.gradients["neuron/bias"].round(6)
    (array([1.031]), array([-0.101885]))
    >>> step.updated_weights["neuron/kernel"].round(4)
    array([[0.9779],
           [0.0608]])
    """
    layers = check_model(model, max_weights)
    digits = check_digits(digits)
    x = check_sample(x, layers[0].kernel.shape[0])
    loss_fn, kind = check_loss(model, loss)
    output = layers[-1]
    if kind in ("cce", "scce") and not is_softmax(output.activation):
        raise ValueError(
            f"{loss_fn.name} reads probabilities: trace writes it out after a softmax output "
            f"layer (or with from_logits=True); layer {output.name!r} has activation "
            f"{activation_name(output.activation)!r}")
    y_batch, y_row = check_target(y, kind, output.units)

    tensors, loss_tensor, autograd = forward64(layers, x, y_batch, loss_fn)
    zs = [z.data[0].copy() for _, _, z, _ in tensors]
    outs = [a.data[0].copy() for _, _, _, a in tensors]
    inputs = [x] + outs[:-1]
    grad_a, grad_z, derivative = _chain_rule(layers, kind, zs, outs, y_row)
    grad_kernel = [np.outer(inputs[i], grad_z[i]) for i in range(len(layers))]
    model_grads = model_gradients(model, x, y_batch, loss_fn)
    worst = _check(layers, tensors, autograd, model_grads, grad_a, grad_z, grad_kernel,
                   float64=model.weights_dtype == np.float64)
    step_optimizer = optimizer_copy(model, optimizer, learning_rate)
    rate, described = float(step_optimizer.learning_rate), repr(step_optimizer)
    updated = _step(model, model_grads, step_optimizer)

    gradients, layer_traces = {}, []
    trained = {id(p) for p in model.parameters()}
    for i, layer in enumerate(layers):
        gradients[layer.kernel.path] = grad_kernel[i]
        if layer.bias is not None:
            gradients[layer.bias.path] = grad_z[i].copy()
        layer_traces.append(LayerTrace(
            name=layer.name, activation=activation_name(layer.activation), inputs=inputs[i],
            kernel=layer.kernel.data.astype(np.float64),
            bias=None if layer.bias is None else layer.bias.data.astype(np.float64),
            z=zs[i], a=outs[i], activation_derivative=derivative[i], grad_a=grad_a[i],
            grad_z=grad_z[i], grad_kernel=grad_kernel[i],
            grad_bias=None if layer.bias is None else grad_z[i].copy(),
            trainable=id(layer.kernel) in trained))
    return Trace(
        model_name=model.name, x=x, y=y_row, layers=tuple(layer_traces),
        loss=float(loss_tensor.item()), loss_name=loss_fn.name, prediction=outs[-1],
        predicted_class=predicted_class(output.activation, outs[-1], kind),
        gradients=gradients, autograd_difference=worst,
        weights={w.path: w.data.copy() for w in model.weights}, updated_weights=updated,
        optimizer=described, learning_rate=rate, digits=digits, loss_kind=kind,
        plain_sgd=is_plain_sgd(step_optimizer))


def _chain_rule(layers, kind: str, zs: list, outs: list, y_row: np.ndarray) -> tuple:
    """The chain rule, written: ``∂L/∂a``, ``∂L/∂z`` and ``f′(z)`` of every layer, from
    ``∂L/∂ŷ`` back to the first layer (``∂L/∂a`` of a hidden neuron sums over the paths through
    the next layer: ``Σₖ ∂L/∂zₖ · wⱼₖ``)."""
    n = len(layers)
    grad_a, grad_z, derivative = [None] * n, [None] * n, [None] * n
    if kind in ("cce", "scce"):  # softmax + cross-entropy: ∂L/∂z = ŷ − y
        grad_z[-1] = outs[-1] - y_row
    else:
        grad_a[-1] = loss_derivative(kind, outs[-1], y_row)
    for i in reversed(range(n)):
        fn = layers[i].activation
        if grad_z[i] is None:
            if is_softmax(fn):  # ∂L/∂zⱼ = aⱼ·(∂L/∂aⱼ − Σₖ aₖ·∂L/∂aₖ)
                grad_z[i] = outs[i] * (grad_a[i] - np.dot(outs[i], grad_a[i]))
            else:
                derivative[i] = elementwise_derivative(fn, zs[i])
                grad_z[i] = grad_a[i] * derivative[i]
        if i > 0:
            grad_a[i - 1] = layers[i].kernel.data.astype(np.float64) @ grad_z[i]
    return grad_a, grad_z, derivative


def _check(layers, tensors, autograd: dict, model_grads: dict, grad_a, grad_z, grad_kernel,
           *, float64: bool) -> float:
    """The largest difference between the written gradients and deepgrad's autograd ones (of
    the float64 network, and of the model itself when it computes in float64); a difference
    beyond rounding raises, naming the layer."""
    scale = 1.0 + max(float(np.abs(g).max()) for g in grad_kernel + grad_z)
    worst = 0.0
    for i, (kernel, bias, z, a) in enumerate(tensors):
        layer = layers[i]
        checks = [(grad_kernel[i], autograd.get(id(kernel))), (grad_z[i], autograd.get(id(z)))]
        if bias is not None:
            checks.append((grad_z[i], autograd.get(id(bias))))
        if grad_a[i] is not None and a is not z:
            checks.append((grad_a[i], autograd.get(id(a))))
        if float64:
            checks.append((grad_kernel[i], model_grads[layer.kernel.path]))
            if bias is not None:
                checks.append((grad_z[i], model_grads[layer.bias.path]))
        for written, reference in checks:
            gap = difference(written, reference, scale)
            if gap == float("inf"):
                raise ValueError(
                    f"layer {layer.name!r}: the chain rule written with f′(z) of its activation "
                    f"{activation_name(layer.activation)!r} disagrees with deepgrad's autograd "
                    f"({np.ravel(written)[:3]} against {np.ravel(reference)[:3]}); trace writes "
                    f"out elementwise activations and softmax, and this one is neither")
            worst = max(worst, gap)
    return worst


def _step(model, model_grads: dict, optimizer) -> dict:
    """The weights after ``optimizer`` steps copies of them with the model's own gradients, by
    path (frozen weights as they are)."""
    copies = []
    for p in model.parameters():
        copy = Parameter(p.data.copy(), dtype=p.data.dtype, name=p.name, path=p.path)
        grad = model_grads.get(p.path)
        copy.grad = None if grad is None else np.array(grad, dtype=p.data.dtype)
        copies.append(copy)
    if copies:
        optimizer.step(copies)
    updated = {w.path: w.data.copy() for w in model.weights}
    updated.update({c.path: c.data.copy() for c in copies})
    return updated
