"""The chain rule of :func:`~deepgrad.explain.trace`, piece by piece: the network's forward
pass in float64 Tensor operations, the local derivatives (each activation's ``f′(z)`` and the
loss's ``∂L/∂ŷ``), deepgrad's autograd gradients to check the written ones against, and the
model's own gradients for the optimizer step."""

from __future__ import annotations

import functools

import numpy as np

from .. import activations as activations_module
from ..autograd.engine import backpropagate
from ..autograd.tensor import Tensor
from ..losses.base import EPSILON

__all__ = ["activation_name", "autograd_gradients", "difference", "elementwise_derivative",
           "forward64", "is_softmax", "loss_derivative", "model_gradients", "predicted_class"]


def activation_name(fn) -> str:
    """The activation's registered name, with its settings when it has any."""
    settings = {}
    if isinstance(fn, functools.partial) and not fn.args:
        fn, settings = fn.func, fn.keywords
    name = activations_module.ACTIVATIONS.name_of(fn) or getattr(fn, "__name__", type(fn).__name__)
    if settings:
        name += "(" + ", ".join(f"{k}={v!r}" for k, v in settings.items()) + ")"
    return name


def is_softmax(fn) -> bool:
    """Whether the activation is softmax (with or without settings)."""
    return fn is activations_module.softmax or (
        isinstance(fn, functools.partial) and fn.func is activations_module.softmax)


def autograd_gradients(root: Tensor) -> dict:
    """Autograd gradients of a scalar ``root`` by ``id`` of the tensor, ``.grad`` untouched."""
    kept = backpropagate(root, np.ones_like(root.data))
    return {id(t): g for t, g in kept.items()}


def elementwise_derivative(fn, z: np.ndarray) -> np.ndarray:
    """``f′(z)`` from deepgrad's derivative of the activation (assumed elementwise: checked
    later against the whole network's autograd gradients)."""
    leaf = Tensor(z[None, :].copy(), requires_grad=True, dtype="float64")
    out = fn(leaf)
    if out is leaf:
        return np.ones_like(z)
    grad = autograd_gradients(out.sum()).get(id(leaf))
    return np.zeros_like(z) if grad is None else np.asarray(grad, dtype=np.float64)[0]


def loss_derivative(kind: str, p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``∂L/∂ŷ`` for one sample from the loss's closed form (deepgrad's reduction: the mean
    over the outputs for the elementwise losses)."""
    k = p.shape[0]
    if kind == "mse":
        return -2.0 * (y - p) / k
    if kind == "mae":
        return -np.sign(y - p) / k
    if kind == "bce":
        inside = (p >= EPSILON) & (p <= 1.0 - EPSILON)  # outside, the clipped loss is flat
        q = np.clip(p, EPSILON, 1.0 - EPSILON)
        return np.where(inside, (-y / q + (1.0 - y) / (1.0 - q)) / k, 0.0)
    if kind == "bce_logits":
        return (1.0 / (1.0 + np.exp(-p)) - y) / k
    if kind in ("cce_logits", "scce_logits"):
        e = np.exp(p - p.max())
        return e / e.sum() - y
    raise AssertionError(kind)


def forward64(layers, x: np.ndarray, y_batch, loss_fn):
    """The network in float64 Tensor operations: (layer tensors, loss tensor, gradients)."""
    out = Tensor(x[None, :], dtype="float64")
    tensors = []
    for layer in layers:
        kernel = Tensor(layer.kernel.data.astype(np.float64), requires_grad=True)
        bias = None if layer.bias is None else Tensor(layer.bias.data.astype(np.float64),
                                                      requires_grad=True)
        z = out @ kernel
        if bias is not None:
            z = z + bias
        z.retain_grad()
        a = layer.activation(z)
        if a is not z:
            a.retain_grad()
        tensors.append((kernel, bias, z, a))
        out = a
    loss = loss_fn(y_batch, out)
    if loss.size != 1:
        loss = loss.sum()
    return tensors, loss, autograd_gradients(loss)


def model_gradients(model, x: np.ndarray, y_batch, loss_fn) -> dict:
    """Autograd gradients of the model's own graph in its dtype, by weight path."""
    out = model(Tensor(x[None, :], dtype=model.weights_dtype), training=True)
    loss = loss_fn(y_batch, out)
    if loss.size != 1:
        loss = loss.sum()
    grads = autograd_gradients(loss)
    return {w.path: grads.get(id(w)) for w in model.weights}


def difference(written: np.ndarray, reference, scale: float) -> float:
    """The largest difference, or inf when it is beyond float64 rounding."""
    reference = np.zeros_like(written) if reference is None else np.asarray(reference, np.float64)
    reference = reference.reshape(written.shape)
    gap = np.abs(written - reference)
    if np.any(gap > 1e-9 * np.abs(reference) + 1e-12 * scale):
        return float("inf")
    return float(gap.max(initial=0.0))


def predicted_class(fn, p: np.ndarray, kind: str) -> int | None:
    """The class an output ``p`` gives: the largest of a softmax (or of logits for a
    categorical loss), a sigmoid or step output against 0.5, a binary logit against 0; None
    for a regression output."""
    if is_softmax(fn) or kind in ("cce_logits", "scce_logits"):
        return int(np.argmax(p)) if p.shape[0] > 1 else None
    if p.shape[0] != 1:
        return None
    if kind == "bce_logits":
        return int(p[0] >= 0.0)
    return int(p[0] >= 0.5) if activation_name(fn) in ("sigmoid", "step") else None
