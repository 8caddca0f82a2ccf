"""Seed 002: softmax turns the scores of four classes into probabilities.

Logits for (cat, dog, monkey, horse) are (-1, 0, 3, 5); softmax_i = e^{z_i} / sum_j e^{z_j}.

The notes' intermediate numbers are wrong: they divide by e^{(-1 + 0 + 3 + 5)} = e^7 (the
exponential of the sum) instead of the sum of the exponentials, which gives e^-1 / e^7 = 0.00034
(printed as 0.00033), e^5 / e^7 = 0.1353 and so on, values that do not sum to 1. The correct
denominator is e^-1 + e^0 + e^3 + e^5 = 169.8666, and the horse gets 87.37%, not 86%.

Run: ``python examples/seed_002_softmax.py``
"""

import numpy as np

import deepgrad as dg
from deepgrad.activations import softmax

classes = ["cat", "dog", "monkey", "horse"]
logits = dg.Tensor([-1.0, 0.0, 3.0, 5.0], dtype="float64", requires_grad=True)

exponentials = np.exp(logits.numpy())
total = exponentials.sum()
print("By hand")
for name, z, e in zip(classes, logits.numpy(), exponentials):
    print(f"  {name:<6} e^{z:<4.0f} = {e:.4f}")
print(f"  sum of the exponentials = {total:.4f}")
for name, e in zip(classes, exponentials):
    print(f"  {f'P({name})':<9} = {e:.4f} / {total:.4f} = {e / total:.5f}")

probabilities = softmax(logits)
print("\nWith deepgrad.activations.softmax (7 decimals)")
for name, p in zip(classes, probabilities.numpy()):
    print(f"  {f'P({name})':<9} = {p:.7f}")
predicted = classes[int(np.argmax(probabilities.numpy()))]
print(f"  sum = {probabilities.sum().item():.6f}; predicted class: {predicted}")

# If the true class is "horse", cross-entropy is -log P(horse); its gradient with respect to the
# logits is the famous p - one_hot: every wrong class is pushed down by its own probability.
loss = -probabilities[3].log()
loss.backward()
p_horse = probabilities.numpy()[3]
print(f"\nCross-entropy for true class horse: -log {p_horse:.5f} = {loss.item():.5f}")
print("dL/dz = p - one_hot =", np.array2string(logits.grad, precision=5, suppress_small=True))
