"""Seed 000: one perceptron neuron, forward pass by hand and by deepgrad.

The notes' first worked example: an input row (IQ 95, study hours 4), weights (0.01, 0.02) and
bias 0.001. The neuron computes ``z = w·x + b``, squashes it with the sigmoid and predicts
class 1 when the probability reaches the threshold 0.5. The perceptron's own activation, the
step function (1 for z >= 0), gives the same class.

Run: ``python examples/seed_000_perceptron_neuron.py``
"""

import math

import deepgrad as dg
from deepgrad.activations import sigmoid, step

x = dg.Tensor([95.0, 4.0], dtype="float64")  # x1 = IQ, x2 = study hours
w = dg.Tensor([0.01, 0.02], dtype="float64", requires_grad=True)
b = dg.Tensor(0.001, dtype="float64", requires_grad=True)

# Step 1: weighted sum plus bias.
z = (w * x).sum() + b
print("Step 1: z = w1*x1 + w2*x2 + b")
print(f"        = 95*0.01 + 4*0.02 + 0.001 = 0.95 + 0.08 + 0.001 = {z.item():.3f}")

# Step 2: activation.
p = sigmoid(z)
print(f"Step 2: sigmoid(z) = 1 / (1 + e^-{z.item():.3f}) = 1 / (1 + {math.exp(-z.item()):.4f})"
      f" = {p.item():.4f}")

# Step 3: threshold the probability.
predicted = int(p.item() >= 0.5)
print(f"Step 3: {p.item():.4f} >= 0.5 -> class {predicted}")
print(f"        step(z) = {step(z).item():.0f} (the perceptron's threshold at z = 0 agrees)")

# How the probability moves with each weight: d sigmoid(z) / dw = sigmoid'(z) * x.
p.backward()
slope = p.item() * (1.0 - p.item())
print(f"\nsigmoid'(z) = sigmoid(z) * (1 - sigmoid(z)) = {slope:.4f}")
print(f"d p / d w = sigmoid'(z) * x = ({w.grad[0]:.4f}, {w.grad[1]:.4f})")
print(f"d p / d b = sigmoid'(z)     = {b.grad.item():.4f}")
