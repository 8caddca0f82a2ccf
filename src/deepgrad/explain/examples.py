"""The lecture notes' worked examples as traces, with where the notes' own numbers differ.

Each example builds the notes' network (float64 weights), traces one training step on the
notes' sample with :func:`~deepgrad.explain.trace` and adds the notes' context: a title, a few
sentences and, in ``notes``, every place where the notes' arithmetic differs from the exact
values (they round early, and a few numbers are slips). ``deepgrad explain --example NAME``
prints them.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..layers.core import Dense
from ..layers.input_layer import Input
from ..optimizers import SGD
from ..training.sequential import Sequential
from .trace import Trace, trace

__all__ = ["EXAMPLES", "example"]


def _network(name: str, n_inputs: int, layers: list) -> Sequential:
    """A float64 Sequential model of ``(name, activation, kernel, bias)`` Dense layers."""
    model = Sequential([Input((n_inputs,), name=f"{name}_input", dtype="float64")], name=name)
    for layer_name, activation, kernel, bias in layers:
        kernel = np.asarray(kernel, dtype=np.float64)
        dense = Dense(kernel.shape[1], activation=activation, name=layer_name, dtype="float64")
        model.add(dense)
        dense.set_weights([kernel, np.asarray(bias, dtype=np.float64)])
    return model


def perceptron(digits: int = 4) -> Trace:
    model = _network("perceptron", 2, [("neuron", "sigmoid", [[0.01], [0.02]], [0.001])])
    return dataclasses.replace(
        trace(model, [95, 4], 1, loss="mse", optimizer=SGD(learning_rate=0.1), digits=digits),
        title="Worked example: the perceptron neuron (notes, seed 000)",
        description=_sentences(
            "A student with IQ x₁ = 95 and x₂ = 4 study hours, weights w = (0.01, 0.02), bias "
            "b = 0.001; the neuron computes z = wᵀx + b, squashes it with the sigmoid and "
            "predicts class 1 (pass) when σ(z) ≥ 0.5. The notes' table gives this row the label "
            "y = 1 and their loss is (y − ŷ)².",
        ),
        notes=_sentences(
            "The notes agree: z = 95·0.01 + 4·0.02 + 0.001 = 1.031 and σ(1.031) = 0.737 (0.73711 "
            "exactly, 0.7371 to 4 digits) ≥ 0.5 → class 1.",
            "With inputs as large as 95, one step of η = 0.1 moves w₁ from 0.01 to about 0.98: "
            "the notes' advice to scale the inputs first (seed 003) is why.",
        ))


def two_layer_chain(digits: int = 4) -> Trace:
    model = _network("two_layer_chain", 3, [
        ("hidden", "sigmoid", [[0.01], [0.02], [0.03]], [0.001]),
        ("output", "sigmoid", [[0.02]], [0.03]),
    ])
    return dataclasses.replace(
        trace(model, [95, 4, 4], 1, loss="mse", optimizer=SGD(learning_rate=0.1), digits=digits),
        title="Worked example: a two-layer chain of sigmoid neurons (notes, seed 001)",
        description=_sentences(
            "Inputs (95, 4, 4) reach one hidden neuron with weights (0.01, 0.02, 0.03) and bias "
            "0.001; its activation reaches the output neuron with weight w₄ = 0.02 and bias "
            "b₂ = 0.03. Loss (y − ŷ)² with y = 1.",
        ),
        notes=_sentences(
            "The notes write the hidden bias as + 0.01, but their z = 1.151 needs b = 0.001 (the "
            "bias of seed 000); with 0.01 it would be z = 1.16 and σ(z) = 0.7613.",
            "They truncate σ(1.151) = 0.75969 to 0.759; to 4 digits it is 0.7597.",
            "From 0.759 they get z = 0.759·0.02 + 0.03 = 0.04518; the exact value is "
            "0.759694·0.02 + 0.03 = 0.045194 (≈ 0.0452).",
            "They give σ(0.04518) = 0.51129; the exact output is σ(0.045194) = 0.511297 (0.5113 "
            "to 4 digits).",
        ))


def logistic_neuron(digits: int = 5) -> Trace:
    model = _network("logistic_neuron", 3, [("neuron", "sigmoid", [[1], [2], [1]], [-1])])
    return dataclasses.replace(
        trace(model, [2, 1, 3], 1, loss="binary_crossentropy", optimizer=SGD(learning_rate=0.1),
              digits=digits),
        title="Worked example: the logistic-regression neuron (notes, seed 004)",
        description=_sentences(
            "x = (2, 1, 3), w = (1, 2, 1), b = −1: z = wᵀx + b and ŷ = σ(z). The loss is the "
            "notes' log loss (binary cross-entropy) with the label y = 1.",
        ),
        notes=_sentences(
            "The notes write ŷ = (2×1) + (2×1) + (1×3) + (−1) = 6: the terms are w₁x₁ = 1·2, "
            "w₂x₂ = 2·1 and w₃x₃ = 1·3, so the sum z = 6 is right; the notes call this linear "
            "output ŷ, while the logistic neuron outputs σ(6) = 0.99753.",
            "Their chain rule for the log loss, ∂L/∂w₁ = x₁(a − y), gives 2·(0.99753 − 1) = "
            "-0.004945: the product ∂L/∂ŷ · ∂ŷ/∂z · ∂z/∂w₁ written above.",
        ))


def network_2_2_1(digits: int = 4) -> Trace:
    model = _network("network_2_2_1", 2, [
        ("hidden", "sigmoid", [[0.1, 0.2], [0.3, 0.4]], [0.0, 0.0]),
        ("output", "sigmoid", [[0.5], [0.6]], [0.07]),
    ])
    return dataclasses.replace(
        trace(model, [3, 4], 1, loss="mse", optimizer=SGD(learning_rate=0.1), digits=digits),
        title="Worked example: a 2-2-1 network, forward, backward and one SGD step "
              "(notes, seed 003)",
        description=_sentences(
            "Two inputs, two sigmoid hidden neurons, one sigmoid output, loss (y − ŷ)², one step "
            "of gradient descent with η = 0.1. The weights keep the numbers of the notes' 2-2-1 "
            "example that are legible (0.3, 0.4 into the hidden layer; 0.5, 0.6 and the bias "
            "0.07 into the output); the rest are filled in, with x = (3, 4) so that the first "
            "hidden neuron has z = 1.5 and σ(1.5) = 0.82, the notes' own value.",
        ),
        notes=_sentences(
            "The notes' one backward pass with numbers (seed 003, output layer: ∂L/∂w₁₁ = "
            "−10.16, ∂L/∂w₂₁ = −21.04, ∂L/∂b₂₁ = −12.834) cannot be rerun: its inputs and half "
            "its weights are illegible, and the legible numbers contradict each other.",
            "It gives the sigmoid outputs σ(o₁₂) = 1.083 and ŷ = σ(o₂₁) = 1.083, but a sigmoid "
            "is always below 1.",
            "With y = 10 and ŷ = 1.083: y − ŷ = 8.917 (the notes write 8.918), 2(y − ŷ) = "
            "17.834 (18.834) and L = (y − ŷ)²/2 = 39.76 (the notes write −12.834; a squared "
            "error is never negative).",
            "An output weight's gradient is ∂L/∂b₂₁ times the hidden output it multiplies, but "
            "−12.834·0.82 = −10.52 (the notes write −10.16) and −12.834·1.083 = −13.90 "
            "(−21.04).",
        ))


def _sentences(*sentences: str) -> tuple:
    return sentences


#: The worked examples by name, with a one-line summary (``deepgrad explain --example NAME``).
EXAMPLES = {
    "perceptron": ("seed 000: x = (95, 4), w = (0.01, 0.02), b = 0.001 → z = 1.031, σ(z) = 0.7371",
                   perceptron),
    "two-layer-chain": ("seed 001: z = 1.151 → σ = 0.7597; then w = 0.02, b = 0.03 → σ = 0.5113",
                        two_layer_chain),
    "logistic-neuron": ("seed 004: x = (2, 1, 3), w = (1, 2, 1), b = −1 → z = 6, σ(6) = 0.99753",
                        logistic_neuron),
    "network-2-2-1": ("seed 003: a 2-2-1 sigmoid network, full backward pass and one SGD step",
                      network_2_2_1),
}


def example(name: str, *, digits: int | None = None) -> Trace:
    """The worked example ``name`` of the lecture notes as a :class:`Trace`.

    Parameters
    ----------
    name : str
        One of :data:`EXAMPLES`: ``"perceptron"``, ``"two-layer-chain"``,
        ``"logistic-neuron"``, ``"network-2-2-1"`` (underscores work too).
    digits : int, optional
        Significant digits of the printed numbers (each example has its own default, enough
        for the notes' values: 5 for the logistic neuron's σ(6) = 0.99753, else 4).

    Examples
    --------
    >>> step = example("perceptron")
    >>> round(float(step.layers[0].z[0]), 6), round(float(step.prediction[0]), 4)
    (1.031, 0.7371)
    >>> print(step.notes[0])
    The notes agree: z = 95·0.01 + 4·0.02 + 0.001 = 1.031 and σ(1.031) = 0.737 (0.73711 exactly, 0.7371 to 4 digits) ≥ 0.5 → class 1.
    """
    key = str(name).strip().lower().replace("_", "-")
    if key not in EXAMPLES:
        raise ValueError(f"unknown worked example {name!r}; the examples are: {', '.join(EXAMPLES)}")
    build = EXAMPLES[key][1]
    return build() if digits is None else build(digits)
