"""Seed 001: a two-layer chain of sigmoid neurons, forward and backward with the chain rule.

Hidden neuron: inputs (95, 4, 4), weights (0.01, 0.02, 0.03), bias 0.001. Output neuron: weight
0.02 on the hidden activation, bias 0.03. Loss: squared error (y - y_hat)^2 against y = 1.

Where the notes' numbers differ (they round early; we print the correct values):
- they write the hidden bias as "+ 0.01", but their result 1.151 (and sigmoid 0.759) needs
  b = 0.001, the bias of seed 000; with 0.01 it would be z = 1.16, sigmoid 0.7613;
- they truncate sigmoid(1.151) = 0.75969 to 0.759, so they get z = 0.04518 instead of 0.045194
  and sigmoid 0.51129 instead of 0.511297.

Run: ``python examples/seed_001_two_layer_chain.py``
"""

import deepgrad as dg
from deepgrad.activations import sigmoid

x = dg.Tensor([95.0, 4.0, 4.0], dtype="float64")
w1 = dg.Tensor([0.01, 0.02, 0.03], dtype="float64", requires_grad=True)
b1 = dg.Tensor(0.001, dtype="float64", requires_grad=True)
w2 = dg.Tensor(0.02, dtype="float64", requires_grad=True)
b2 = dg.Tensor(0.03, dtype="float64", requires_grad=True)
y = 1.0

print("Forward")
z1 = ((w1 * x).sum() + b1).retain_grad()
print(f"  hidden: z1 = 95*0.01 + 4*0.02 + 4*0.03 + 0.001 = {z1.item():.3f}")
h = sigmoid(z1).retain_grad()
print(f"          h = sigmoid(z1) = {h.item():.4f}")
z2 = (w2 * h + b2).retain_grad()
print(f"  output: z2 = h*0.02 + 0.03 = {z2.item():.6f}")
y_hat = sigmoid(z2).retain_grad()
print(f"          y_hat = sigmoid(z2) = {y_hat.item():.6f}")
loss = (y - y_hat) ** 2
print(f"  loss = (y - y_hat)^2 = (1 - {y_hat.item():.6f})^2 = {loss.item():.6f}")

loss.backward()

# The chain rule's factors, each computed from the forward values.
dL_dyhat = -2.0 * (y - y_hat.item())
dyhat_dz2 = y_hat.item() * (1.0 - y_hat.item())
dz2_dw2 = h.item()
dz2_dh = w2.item()
dh_dz1 = h.item() * (1.0 - h.item())
dz1_dw11 = x.data[0]

print("\nBackward: dL/dw2 = dL/dy_hat * dy_hat/dz2 * dz2/dw2")
print(f"  dL/dy_hat   = -2(y - y_hat)       = {dL_dyhat:.6f}   (autograd {y_hat.grad.item():.6f})")
print(f"  dy_hat/dz2  = y_hat(1 - y_hat)    = {dyhat_dz2:.6f}")
print(f"  dz2/dw2     = h                   = {dz2_dw2:.6f}")
product = dL_dyhat * dyhat_dz2 * dz2_dw2
print(f"  product     = {product:.6f}   (autograd dL/dw2 {w2.grad.item():.6f})")

print("\nOne layer deeper: dL/dw11 = dL/dy_hat * dy_hat/dz2 * dz2/dh * dh/dz1 * dz1/dw11")
print(f"  dz2/dh = w2 = {dz2_dh:.2f}, dh/dz1 = h(1 - h) = {dh_dz1:.6f}, dz1/dw11 = {dz1_dw11:.0f}")
product = dL_dyhat * dyhat_dz2 * dz2_dh * dh_dz1 * dz1_dw11
print(f"  product     = {product:.6f}   (autograd dL/dw11 {w1.grad[0]:.6f})")
print("  Each sigmoid contributes a factor of at most 0.25: stacked, gradients vanish.")
