"""The figures of a gradient report, measured on one batch: per layer, the norms of its weights,
of their gradients and of the update the optimizer would make, and the statistics of its output.

The batch runs through the autograd graph in training mode, as ``fit`` runs it; the loss (with
the penalties) is differentiated; the optimizer's update is taken by a copy of the optimizer, in
its current state, on copies of the weights. Nothing of the model changes
(:class:`~deepgrad.diagnostics.snapshot.TrainingState`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import activations
from ..autograd.parameter import Parameter
from ..autograd.tensor import Tensor
from ..layers import (
    ELU,
    GRU,
    LSTM,
    Activation,
    Bidirectional,
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    DepthwiseConv2D,
    InputLayer,
    LeakyReLU,
    PReLU,
    ReLU,
    SeparableConv2D,
    SimpleRNN,
)
from ..training.inputs import prepare
from ..training.masking import per_output
from ..training.step import penalty
from .snapshot import TrainingState

__all__ = ["LayerHealth", "measure", "outputs_by_layer"]

#: Activations whose units die: no output and no gradient for negative inputs (the leaky
#: variants, PReLU, ELU and SELU keep a gradient there — the notes' remedies).
DYING = {"relu"}
#: Activations that saturate, and where: the output beyond which the derivative is below 5% of
#: its peak (sigmoid: a(1 − a) < 0.0125; tanh: 1 − a² < 0.05).
SATURATING = {"sigmoid": (0.0127, 0.9873), "tanh": (-0.975, 0.975)}
#: Layers whose units are filters: one channel of the output, the same weights at every position.
CONVOLUTIONS = (Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D)
#: Layers that run through time: the gradient reaching each step of their input is measured.
RECURRENT = (SimpleRNN, LSTM, GRU, Bidirectional)


@dataclass
class LayerHealth:
    """One row of a gradient report.

    Attributes
    ----------
    name, kind : str
        The layer's name and class name.
    activation : str or None
        The activation the layer applies last (``"relu"``, ``"sigmoid"``...), if any.
    weights : int
        Number of trainable weights.
    weight_norm, gradient_norm, update_norm : float or None
        ‖w‖, ‖∂L/∂w‖ and ‖Δw‖ over the layer's trainable weights (None without any).
    update_ratio : float or None
        ‖Δw‖ / ‖w‖: the share by which one optimizer step changes the weights.
    activation_mean, activation_std : float or None
        Of the layer's output on the batch.
    dead_share : float or None
        For ReLU: the share of units whose output is never positive on the batch (dead: no
        gradient reaches their weights). A unit is a slot of the output's last axis: a
        Dense layer's unit, or a convolution's filter (its channel), which is dead when its
        output is ≤ 0 at every position for every sample.
    saturated_share : float or None
        For sigmoid and tanh: the share of the outputs (samples × positions × units) in the
        flat region, where the derivative is below 5% of its peak.
    is_output : bool
        Whether the layer makes one of the model's outputs (its units are predictions, not
        hidden units).
    unit : str
        What one unit of the layer is called: ``"unit"``, or ``"filter"`` for a convolution.
    step_gradients : ndarray or None
        For a recurrent layer: the mean ``|∂L/∂x_t|`` over the batch and the features at each
        step ``t`` of its input, in the order the steps run (reversed for ``go_backwards``).
    through_time : float or None
        For a recurrent layer: the gradient reaching the first tenth of the steps it runs over
        the gradient reaching the last tenth — far below 1 when the gradient vanishes through
        time, far above when it explodes.
    """

    name: str
    kind: str
    activation: str | None = None
    weights: int = 0
    weight_norm: float | None = None
    gradient_norm: float | None = None
    update_norm: float | None = None
    update_ratio: float | None = None
    activation_mean: float | None = None
    activation_std: float | None = None
    dead_share: float | None = None
    saturated_share: float | None = None
    is_output: bool = False
    unit: str = "unit"
    step_gradients: np.ndarray | None = None
    through_time: float | None = None

    @property
    def gradient_rms(self) -> float | None:
        """‖∂L/∂w‖ / √(number of weights): the typical size of one weight's gradient."""
        if self.gradient_norm is None or not self.weights:
            return None
        return self.gradient_norm / np.sqrt(self.weights)


def activation_name(layer) -> str | None:
    """The name of the activation ``layer`` applies last, if any."""
    if isinstance(layer, ReLU):
        return "relu" if layer.negative_slope == 0 else "leaky_relu"
    if isinstance(layer, (LeakyReLU, PReLU, ELU)):
        return {LeakyReLU: "leaky_relu", PReLU: "prelu", ELU: "elu"}[type(layer)]
    function = getattr(layer, "activation", None)
    if function is None or not callable(function):
        return None
    try:
        name = activations.serialize(function)
    except (TypeError, ValueError):
        return None
    return name if isinstance(name, str) else None


def _output_statistics(row: LayerHealth, output) -> None:
    if not isinstance(output, Tensor) or output.ndim < 1 or output.size == 0:
        return
    values = output.data.astype(np.float64)
    row.activation_mean, row.activation_std = float(values.mean()), float(values.std())
    if row.activation in DYING:
        # a unit per slot of the last axis (channels last): a filter's largest output over
        # the samples and all positions
        units = values.reshape(-1, values.shape[-1]) if values.ndim >= 2 else values[:, None]
        row.dead_share = float(np.mean(units.max(axis=0) <= 0))
    elif row.activation in SATURATING:
        low, high = SATURATING[row.activation]
        row.saturated_share = float(np.mean((values < low) | (values > high)))


def _norm(arrays) -> float:
    return float(np.sqrt(sum(float(np.sum(np.square(a, dtype=np.float64))) for a in arrays)))


def outputs_by_layer(model, inputs: list, *, training: bool = True,
                     inputs_seen: dict | None = None) -> tuple[list, dict]:
    """The model's outputs on ``inputs`` (a Tensor per model input) and each top-level layer's
    output (of its first call), keyed by ``id(layer)``; the second is empty for a subclassed
    model, whose layers are called by code of its own. ``inputs_seen``, when given, receives
    each recurrent layer's input (of its first call) the same way. The outputs' masks are then
    in ``model.output_masks``, as after ``forward``."""
    seen: dict = {}
    graph = getattr(model, "graph", None)
    if graph is not None:
        values = {id(t): v for t, v in zip(graph.inputs, inputs)}

        def observe(node, out):
            seen.setdefault(id(node.layer), out)
            if inputs_seen is not None and isinstance(node.layer, RECURRENT):
                inputs_seen.setdefault(id(node.layer), values.get(id(node.input_tensors[0])))
            for t, value in zip(node.outputs, out if isinstance(out, (list, tuple)) else [out]):
                values[id(t)] = value

        outs = graph.run(inputs, training=training, observe=observe)
        model._output_masks = graph.output_masks
        return outs, seen
    if hasattr(model, "_layers") and not hasattr(model, "graph"):  # Sequential
        x = inputs[0]
        mask = None
        for layer in model._layers:
            if inputs_seen is not None and isinstance(layer, RECURRENT):
                inputs_seen.setdefault(id(layer), x)
            out = (layer(x, training=training, mask=mask)
                   if mask is not None and layer._call_takes_mask else layer(x, training=training))
            mask = layer.compute_mask(x, mask)
            seen[id(layer)] = x = out
        model._output_masks = [mask]
        return [x], seen
    return model.forward(inputs, training=training), seen


def _through_time(row: LayerHealth, layer, x) -> None:
    """The gradient reaching each step of a recurrent layer's input ``x``."""
    if not isinstance(x, Tensor) or x.grad is None or x.ndim != 3 or x.shape[1] < 2:
        return
    steps = np.mean(np.abs(np.asarray(x.grad, dtype=np.float64)), axis=(0, 2))
    if getattr(layer, "go_backwards", False):
        steps = steps[::-1]
    row.step_gradients = steps
    edge = max(1, len(steps) // 10)
    last = float(steps[-edge:].mean())
    row.through_time = float(steps[:edge].mean()) / last if last > 0 else None


def _updates(model, params: list) -> dict:
    """Each trained weight's update ‖Δw‖ from one step of a copy of the model's optimizer."""
    optimizer = model.optimizer
    trial = type(optimizer).from_config(optimizer.get_config())
    copies = [Parameter(p.data.copy(), dtype=p.data.dtype) for p in params]
    for copy, p in zip(copies, params):
        copy.grad = None if p.grad is None else np.array(p.grad, copy=True)
    try:
        trial.load_state_dict(optimizer.state_dict())
        trial.step(copies)
    except (ValueError, KeyError, TypeError):  # state for other parameters: a fresh optimizer
        trial = type(optimizer).from_config(optimizer.get_config())
        trial.iterations = optimizer.iterations
        for copy, p in zip(copies, params):
            copy.assign(p.data)
        trial.step(copies)
    return {id(p): copy.data - p.data for p, copy in zip(params, copies)}


def measure(model, x, y, sample_weight=None) -> tuple[list, float]:
    """A :class:`LayerHealth` per top-level layer of ``model`` (input layers left out), measured
    on the batch ``(x, y)``, and the batch's loss; the model is left exactly as it was."""
    xs, ys, ws = prepare(model, x, y, sample_weight)
    objective = model.objective
    params = model.parameters()
    state = TrainingState(model)
    try:
        for p in params:
            p.grad = None
        inputs = [Tensor(a, dtype=model.weights_dtype, requires_grad=True) for a in xs]
        recurrent_inputs: dict = {}
        model._output_masks = None
        outs, seen = outputs_by_layer(model, inputs, inputs_seen=recurrent_inputs)
        masks = [None if m is None else m.data for m in per_output(model.output_masks, len(outs))]
        for x in recurrent_inputs.values():
            if isinstance(x, Tensor) and x.requires_grad:
                x.retain_grad()
        loss, _ = objective.graph_loss(ys, outs, ws, masks)
        extra = penalty(model)
        if extra is not None:
            loss = loss + extra
        loss.backward()
        updates = _updates(model, [p for p in params if p.grad is not None]) if model.optimizer else {}
        rows = []
        graph = getattr(model, "graph", None)
        makers = ({id(t.node.layer) for t in graph.outputs} if graph is not None else
                  {id(model.layers[-1])} if model.layers else set())
        for layer in model.layers:
            if isinstance(layer, InputLayer):
                continue
            row = LayerHealth(layer.name, type(layer).__name__, activation_name(layer),
                              is_output=id(layer) in makers,
                              unit="filter" if isinstance(layer, CONVOLUTIONS) else "unit")
            if isinstance(layer, Activation) and row.activation is None:
                row.activation = "custom"
            trained = [w for w in layer.trainable_weights if model.trainable]
            if trained:
                row.weights = int(sum(w.size for w in trained))
                row.weight_norm = _norm(w.data for w in trained)
                grads = [w.grad for w in trained if w.grad is not None]
                row.gradient_norm = _norm(grads) if grads else 0.0
                moved = [updates[id(w)] for w in trained if id(w) in updates]
                if moved:
                    row.update_norm = _norm(moved)
                    row.update_ratio = row.update_norm / row.weight_norm if row.weight_norm else None
            _output_statistics(row, seen.get(id(layer)))
            if id(layer) in recurrent_inputs:
                _through_time(row, layer, recurrent_inputs[id(layer)])
            rows.append(row)
        return rows, float(loss.item())
    finally:
        state.restore()
