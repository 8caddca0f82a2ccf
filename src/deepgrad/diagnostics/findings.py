"""What a gradient report says in words: the problems the lecture notes describe, each found by
a rule over the measured figures, and the notes' remedies.

===================  =====================================================================
finding              rule (thresholds in :data:`THRESHOLDS`)
===================  =====================================================================
vanishing gradient   the first weighted layer's gradient per weight is below 1e-3 of the last's
exploding gradient   it is above 1e3 of the last's, a gradient is not finite, or one step
                     would change a layer's weights by more than their own size
dying ReLU           over half the units of a hidden ReLU layer (the filters of a convolution)
                     never fire on the batch
saturated units      over half the outputs of a hidden sigmoid or tanh layer sit where the derivative
                     is below 5% of its peak
vanishing gradient   a recurrent layer's first tenth of steps receives below 1e-3 of the
through time         gradient its last tenth receives (exploding: above 1e3)
tiny updates         no layer's weights would change by more than 1e-7 of their size
loss not moving      (with a history) the loss changed by under 1e-4 of itself over 5 epochs
===================  =====================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Finding", "THRESHOLDS", "find"]

#: The rules' thresholds, by name.
THRESHOLDS = {
    "vanishing_ratio": 1e-3,
    "exploding_ratio": 1e3,
    "exploding_update": 1.0,
    "dead_share": 0.5,
    "saturated_share": 0.5,
    "tiny_update": 1e-7,
    "stuck_epochs": 5,
    "stuck_change": 1e-4,
}


@dataclass(frozen=True)
class Finding:
    """One problem, in plain words.

    Attributes
    ----------
    kind : str
        ``"vanishing_gradient"``, ``"exploding_gradient"``, ``"vanishing_through_time"``,
        ``"exploding_through_time"``, ``"dying_relu"``, ``"saturated_units"``,
        ``"tiny_updates"`` or ``"loss_not_moving"``.
    layer : str or None
        The layer it is about, if one.
    message : str
        What was found, with the numbers, and what to try.
    """

    kind: str
    layer: str | None
    message: str

    def __str__(self) -> str:
        return self.message


#: What a filter that never fires means.
_ANYWHERE = " (their output is ≤ 0 at every position of every sample)"


def _percent(share: float) -> str:
    return f"{100 * share:.0f}%"


def _gradient_findings(weighted: list) -> list:
    findings = []
    bad = [r for r in weighted if r.gradient_norm is not None and not math.isfinite(r.gradient_norm)]
    if bad:
        findings.append(Finding("exploding_gradient", bad[0].name, (
            f"exploding gradient: layer {bad[0].name}'s gradient is not finite — try "
            f"clipnorm, a lower learning rate, Glorot/He initialization")))
        return findings
    if len(weighted) >= 2:
        first, last = weighted[0], weighted[-1]
        if first.gradient_rms is not None and last.gradient_rms:
            ratio = first.gradient_rms / last.gradient_rms
            if ratio < THRESHOLDS["vanishing_ratio"]:
                saturating = any(r.activation in ("sigmoid", "tanh") for r in weighted[:-1])
                why = (" (the sigmoid's derivative is at most 0.25, so each such layer shrinks "
                       "the gradient at least fourfold)" if saturating else "")
                findings.append(Finding("vanishing_gradient", first.name, (
                    f"vanishing gradient: layer {first.name} receives {ratio:.0e} of the "
                    f"gradient layer {last.name} receives{why} — try ReLU, He initialization, "
                    f"BatchNormalization, fewer layers or residual connections")))
            elif ratio > THRESHOLDS["exploding_ratio"]:
                findings.append(Finding("exploding_gradient", first.name, (
                    f"exploding gradient: layer {first.name} receives {ratio:.0e} times the "
                    f"gradient layer {last.name} receives — try clipnorm, a lower learning "
                    f"rate, Glorot/He initialization")))
    jumps = [r for r in weighted if r.update_ratio is not None
             and r.update_ratio > THRESHOLDS["exploding_update"]]
    if jumps and not any(f.kind == "exploding_gradient" for f in findings):
        r = max(jumps, key=lambda row: row.update_ratio)
        findings.append(Finding("exploding_gradient", r.name, (
            f"exploding updates: one step would change layer {r.name}'s weights by "
            f"{r.update_ratio:.1f} times their size — try clipnorm, a lower learning rate, "
            f"Glorot/He initialization")))
    ratios = [r.update_ratio for r in weighted if r.update_ratio is not None]
    if ratios and max(ratios) < THRESHOLDS["tiny_update"]:
        findings.append(Finding("tiny_updates", None, (
            f"tiny updates: one step changes the weights by at most {max(ratios):.0e} of their "
            f"size, so w_new ≈ w_old — the learning rate may be too low, or the gradient "
            f"vanishing")))
    return findings


def _unit_findings(rows: list) -> list:
    """Dead and saturated hidden units (an output layer's units are predictions: a confident
    sigmoid output is no problem)."""
    findings = []
    for r in rows:
        if r.is_output:
            continue
        if r.dead_share is not None and r.dead_share > THRESHOLDS["dead_share"]:
            findings.append(Finding("dying_relu", r.name, (
                f"dying ReLU: {_percent(r.dead_share)} of layer {r.name}'s {r.unit}s never "
                f"fire on this batch{_ANYWHERE if r.unit == 'filter' else ''} — try "
                f"LeakyReLU/PReLU/ELU, a lower learning rate, He initialization, a smaller "
                f"negative bias")))
        if r.saturated_share is not None and r.saturated_share > THRESHOLDS["saturated_share"]:
            findings.append(Finding("saturated_units", r.name, (
                f"saturated {r.activation} units: {_percent(r.saturated_share)} of layer "
                f"{r.name}'s outputs sit where the derivative is below 5% of its peak — try "
                f"ReLU, standardized inputs, Glorot initialization or BatchNormalization")))
    return findings


def _time_findings(rows: list) -> list:
    """Gradients that vanish or explode across a recurrent layer's steps (backpropagation
    through time multiplies them by the recurrent weights and the activation's slope at
    every step)."""
    findings = []
    for r in rows:
        if r.through_time is None or r.step_gradients is None:
            continue
        steps, edge = len(r.step_gradients), max(1, len(r.step_gradients) // 10)
        where = (f"the first {edge} of its {steps} steps receive{'s' if edge == 1 else ''} "
                 f"{r.through_time:.0e} of the gradient its last {edge} receive{'s' if edge == 1 else ''}")
        if r.through_time < THRESHOLDS["vanishing_ratio"]:
            remedy = ("try LSTM or GRU, whose gates carry the gradient across many steps"
                      if r.kind == "SimpleRNN" else
                      "its gates have not learned to keep the state: train longer, keep "
                      "unit_forget_bias=True, or shorten the sequences")
            findings.append(Finding("vanishing_through_time", r.name, (
                f"vanishing gradient through time: in layer {r.name}, {where}, so it cannot "
                f"learn from what it saw early in a sequence — {remedy}")))
        elif r.through_time > THRESHOLDS["exploding_ratio"]:
            findings.append(Finding("exploding_through_time", r.name, (
                f"exploding gradient through time: in layer {r.name}, {where} — try "
                f"clipnorm, a smaller recurrent_initializer scale (orthogonal) or a lower "
                f"learning rate")))
    return findings


def loss_not_moving(losses: list) -> Finding | None:
    """The finding when the last epochs' ``losses`` barely changed, else None."""
    epochs = THRESHOLDS["stuck_epochs"]
    if len(losses) <= epochs:
        return None
    window = [float(v) for v in losses[-epochs - 1:]]
    scale = max(abs(window[-1]), 1e-12)
    if max(window) - min(window) < THRESHOLDS["stuck_change"] * scale:
        return Finding("loss_not_moving", None, (
            f"loss has not moved for {epochs} epochs (it stays at {window[-1]:.4g}) — look for "
            f"a vanishing gradient or saturated units, try a larger learning rate, ReLU and He "
            f"initialization"))
    return None


def find(rows: list, losses=None) -> list:
    """The findings for the rows of a report (and the epochs' ``losses``, when known)."""
    weighted = [r for r in rows if r.weights]
    findings = _gradient_findings(weighted) + _time_findings(rows) + _unit_findings(rows)
    stuck = loss_not_moving(list(losses)) if losses is not None else None
    return findings + ([stuck] if stuck else [])
